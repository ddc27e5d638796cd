#!/usr/bin/env python
"""Daily summary: campaigns advanced, assets moved, failures, rejections, inbox files waiting, stuck campaigns.

Run from the project root (cron at 19:00, or by hand):
    python scripts/daily_report.py [--date YYYY-MM-DD] [--print] [-v|-q] [--config PATH]
"""
import argparse
import datetime
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.cli import EXIT_OK, build_parser, run_main  # noqa: E402
from scripts.shared.daily_summary import collect, to_csv  # noqa: E402
from scripts.shared.database import Database  # noqa: E402

log = logging.getLogger("daily_report")


def _inbox_waiting(config):
    """Files now in the A2->A3 inbox, or None when Box cannot be asked (the report still goes out)."""
    try:
        from scripts.shared.box_client import BoxClient
        return len(BoxClient(config["box"]).list_inbox(config["box"]["roots"]["a2_a3"]))
    except Exception as exc:
        log.warning("Could not count the A2→A3 inbox files: %s", exc)
        return None


def report(config, args):
    day = args.date or datetime.date.today()
    db = Database.from_config(config).connect()
    try:
        db.migrate()
        context = collect(db, day, config["transfer"]["stuck_after_hours"], _inbox_waiting(config))
        csv_text = to_csv(context)
        if args.print:
            from scripts.shared.notifier import Notifier
            _, _, text = Notifier(config).render("daily_summary_report", context)
            sys.stdout.write(text + "\n\n" + csv_text)
            return EXIT_OK
        from scripts.shared.notifier import Notifier
        status = Notifier(config, store=db).send_email(
            "daily_summary_report", "", context,
            attachments=[("daily_report_{}.csv".format(day.isoformat()), csv_text.encode("utf-8"), "text/csv")])
        log.info("Daily report for %s: %s (%d assets moved, %d failures)", day, status,
                 context["totals"]["assets_moved"], context["totals"]["failures"])
        return EXIT_OK
    finally:
        db.close()


def _date(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError("must look like 2026-11-24, got {!r}".format(text))


def main(argv=None):
    parser = build_parser(__doc__.splitlines()[0], workflow=False)
    parser.add_argument("--date", type=_date, help="report this day (YYYY-MM-DD) instead of today")
    parser.add_argument("--print", action="store_true", help="write the report to stdout instead of emailing it")
    return run_main("daily_report", parser, report, argv, needs=("database", "smtp"))


if __name__ == "__main__":
    sys.exit(main())
