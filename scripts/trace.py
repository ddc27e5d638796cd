#!/usr/bin/env python
"""The whole life of an asset or a campaign: DAM and Box ids, links, versions, localised finals, events, emails.

Each localised file is shown with the final it became in the DAM (superseded ones marked). Reads only.

Run from the project root:
    python scripts/trace.py TID | FILE NAME | CAMPAIGN | DAM or Box id [--json] [--config PATH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.core.cli import build_parser, run_main  # noqa: E402
from scripts.shared.notify.trace_view import show_trace  # noqa: E402

EPILOG = """examples:
  python scripts/trace.py 7K3QX9              # a tracking id (any case)
  python scripts/trace.py LC-2026-0042        # a campaign: its workflows, assets, events, emails
  python scripts/trace.py "summer banner"     # part of a file name (master, Box or localised file)
  python scripts/trace.py 1234567890 --json   # a Box file id or DAM asset id, as JSON (schema_version 1)

exit codes:
  0    found (printed)
  1    nothing matches
  2    usage or configuration error
"""


def main(argv=None):
    parser = build_parser(__doc__.splitlines()[0], workflow=False)
    parser.epilog = EPILOG
    parser.add_argument("query", metavar="TID|NAME|CAMPAIGN", help="tracking id, campaign number, DAM or Box id, or "
                                                                  "part of a file name")
    parser.add_argument("--json", action="store_true", help="print the trace as JSON (schema_version 1)")
    return run_main("trace", parser, show_trace, argv, needs=("database",))


if __name__ == "__main__":
    sys.exit(main())
