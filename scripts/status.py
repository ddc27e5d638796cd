#!/usr/bin/env python
"""Is it working? Last runs, campaigns, failing files, inbox, unsent notifications, certificate, on one screen.

Reads only (the database in a READ ONLY transaction, the run records in STATE_DIR, the certificate file).

Run from the project root:
    python scripts/status.py [--json] [--html DIR] [--live] [--config PATH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.core.cli import build_parser, run_main  # noqa: E402
from scripts.shared.notify.status_view import show_status  # noqa: E402

EPILOG = """examples:
  python scripts/status.py                 # one screen; exit 0 all good, 1 something needs attention
  python scripts/status.py --json | jq .attention
  python scripts/status.py --html /var/www/dam-status   # index.html + status.json for marketing
  python scripts/status.py --live          # also count the A2->A3 inbox files in Box

exit codes:
  0    nothing needs attention
  1    something needs attention (listed at the top), or the database cannot be read
  2    usage or configuration error

--json prints schema_version 1 (docs/operations.md, docs/status.schema.json). Without --live the inbox figures
are what the database knows (files being imported, files moved to '_Needs attention' in the last 24 h), so the
status answers with Box and the DAM down.
"""


def main(argv=None):
    parser = build_parser(__doc__.splitlines()[0], workflow=False)
    parser.epilog = EPILOG
    parser.add_argument("--json", action="store_true", help="print the status as JSON (schema_version 1)")
    parser.add_argument("--html", metavar="DIR", help="also write DIR/index.html and DIR/status.json")
    parser.add_argument("--live", action="store_true", help="ask Box how many files wait in the inbox and in "
                                                            "'_Needs attention' (needs the Box settings)")
    live = "--live" in (sys.argv[1:] if argv is None else argv)
    return run_main("status", parser, show_status, argv, needs=("database", "box") if live else ("database",))


if __name__ == "__main__":
    sys.exit(main())
