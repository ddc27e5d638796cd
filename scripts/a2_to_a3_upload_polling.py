#!/usr/bin/env python
"""A2->A3: import the localised files agencies put in the Box A2->A3 inbox into the DAM and advance campaigns.

Run from the project root, by cron every five minutes or by hand:
    python scripts/a2_to_a3_upload_polling.py [--auth-pfx] [--campaign ID] [--dry-run] [-v|-q] [--config PATH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.workflows.inbox_to_dam import main as inbox_main  # noqa: E402


def main(argv=None):
    return inbox_main(__doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
