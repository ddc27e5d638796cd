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

from scripts.shared.core.cli import EXIT_OK, build_parser, run_main  # noqa: E402
from scripts.shared.notify.daily_summary import collect, csv_files  # noqa: E402
from scripts.shared.notify import monitoring
from scripts.shared.store.database import Database  # noqa: E402
from scripts.shared.store.notifications import NotificationStore  # noqa: E402

log = logging.getLogger("daily_report")


def _inbox_waiting(config):
    """Files now in the A2->A3 inbox, or None when Box cannot be asked (the report still goes out)."""
    try:
        from scripts.shared.box.box_client import BoxClient
        return len(BoxClient(config["box"]).list_inbox(config["box"]["roots"]["a2_a3"]))
    except Exception as exc:
        log.warning("Could not count the A2→A3 inbox files: %s", exc)
        return None


CERT_WARN_DAYS = (30, 7)


def _certificate(config):
    """Days left on the mTLS client certificate ({days_left, expires, path}), or None when none is configured."""
    from scripts.shared.dam.dam_auth import certificate_expiry
    found = certificate_expiry(config.get("dam"))
    if found and "error" in found:
        log.warning("Could not read the mTLS certificate for the report: %s", found["error"])
        return None
    return found


def _warn_certificate(config, db, certificate):
    """One warning mail when the certificate has 30 days left, and one more at 7 (de-duplicated per threshold)."""
    if not certificate:
        return None
    due = [t for t in CERT_WARN_DAYS if certificate["days_left"] <= t]
    if not due:
        return None
    threshold = min(due)
    from scripts.shared.notify.notifier import Notifier
    from scripts.shared.notify.reporting import now_iso
    expired = certificate["days_left"] < 0
    context = {"workflow": "mTLS certificate", "run_id": "", "generated_at": now_iso(),
               "date": datetime.date.today().isoformat(), "campaign": None, "attempts": None,
               "error": "{} on {}: {}".format("expired" if expired else "expires in {} day(s)".format(
                   certificate["days_left"]), certificate["expires"], certificate["path"]),
               "wrong": "The DAM mTLS client certificate {}.".format(
                   "has expired" if expired else "expires in {} day(s)".format(certificate["days_left"])),
               "done": "Nothing yet: the automation keeps using the certificate until it expires; after that, "
                       "runs with --auth-pfx stop before they change anything.",
               "fix": "request a renewed certificate now, replace the PFX (DAM_MTLS_CERT_PATH) and check it with "
                      "python scripts/test_mtls_cert.py --handshake"}
    return Notifier(config, store=NotificationStore(db)).send_email(
        "run_error", "", context, dedupe_key={"certificate": certificate["path"], "expires": certificate["expires"],
                                              "threshold": threshold})


def report(config, args):
    day = args.date or datetime.date.today()
    db = Database.from_config(config).connect()
    try:
        db.migrate()
        context = collect(db, day, config["transfer"]["stuck_after_hours"], _inbox_waiting(config),
                          not_started_on=lambda d: monitoring.runs_not_started(config, d))
        context["channels"] = monitoring.failing_channels(config)
        certificate = _certificate(config)
        context["certificate"] = certificate and {"days_left": certificate["days_left"],
                                                  "expires": certificate["expires"]}
        if not args.print:
            warned = _warn_certificate(config, db, certificate)
            if warned:
                log.info("mTLS certificate warning (%s day(s) left): %s", certificate["days_left"], warned)
        tables = csv_files(context, config["reports"]["csv_separator"])
        from scripts.shared.notify.notifier import Notifier
        if args.print:
            _, _, text = Notifier(config).render("daily_summary_report", context)
            sys.stdout.write(text + "\n")
            for name, data in tables:
                sys.stdout.write("\n== {}\n{}".format(name, data.decode("utf-8-sig")))
            return EXIT_OK
        status = Notifier(config, store=NotificationStore(db)).send_email(
            "daily_summary_report", "", context, attachments=[(name, data, "text/csv") for name, data in tables])
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
    return run_main("daily_report", parser, report, argv, needs=("database", "smtp"), health=monitoring.HealthCheck)


if __name__ == "__main__":
    sys.exit(main())
