#!/usr/bin/env python
"""B1->B2: deliver the Final Assets of one Global comm B1 campaign to Box as MASTERS_.

Run from the project root, by cron every five minutes or by hand:
    python scripts/b1_to_b2_download.py [--auth-pfx] [--campaign ID] [--dry-run] [-v|-q] [--config PATH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.workflows.dam_to_box import main as workflow_main  # noqa: E402
from scripts.shared.workflows.workflow_specs import B1_TO_B2  # noqa: E402


def main(argv=None):
    return workflow_main(B1_TO_B2, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
