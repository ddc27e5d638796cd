#!/usr/bin/env python
"""A1->A2: deliver the Master Assets of one A1 campaign to Box with tracking IDs.

Run from the project root, by cron every five minutes or by hand:
    python scripts/a1_to_a2_download.py [--auth-pfx] [--campaign ID] [--dry-run] [-v|-q] [--config PATH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.workflows.dam_to_box import main as workflow_main  # noqa: E402
from scripts.shared.workflows.workflow_specs import A1_TO_A2  # noqa: E402


def main(argv=None):
    return workflow_main(A1_TO_A2, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
