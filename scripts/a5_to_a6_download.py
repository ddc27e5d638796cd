#!/usr/bin/env python
"""A5->A6: send the NOT APPROVED Final Assets of one A5 campaign back to Box for rework.

Run from the project root, by cron every five minutes or by hand:
    python scripts/a5_to_a6_download.py [--auth-pfx] [--campaign ID] [--dry-run] [-v|-q] [--config PATH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.workflows.dam_to_box import main as workflow_main  # noqa: E402
from scripts.shared.workflows.workflow_specs import A5_TO_A6  # noqa: E402


def main(argv=None):
    return workflow_main(A5_TO_A6, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
