#!/usr/bin/env python
"""Check every connection the suite needs: database, DAM, Box, SMTP, webhook and health check; prints OK/FAIL.

Run from the project root:
    python scripts/test_connection.py [--auth-pfx] [--no-webhook] [-v|-q] [--config PATH]
    python scripts/test_connection.py --probe-dam FOLDER_ID [--probe-import] [--auth-pfx]
The second form probes the OTMM open points against a test folder (auth profile, both search operators compared,
listing detail, lock form with the folder's own status written back, and with --probe-import, into a folder without
a campaign status, one small import confirmed through the job resource) and prints the .env setting for each; see
docs/otmm-api.md.
Exit code 0 when every check passes, 1 when one fails, 2 when the configuration itself is broken.
"""
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.core.cli import EXIT_FAILED, EXIT_OK, add_epilog, build_parser, run_main  # noqa: E402

log = logging.getLogger("test_connection")


def _check_database(config, args):
    from scripts.shared.store.database import Database
    from scripts.shared.store.report_store import server_and_schema
    db = Database.from_config(config).connect()
    try:
        version, schema = server_and_schema(db)
        if schema is None:
            return "{}; schema not initialised yet (the first workflow run creates it)".format(version)
        return "{}; schema {}".format(version, schema)
    finally:
        db.close()


def _check_dam(config, args):
    from scripts.shared.dam.dam_client import DAMClient
    auth_mode = "mtls" if args.auth_pfx else "oauth2"
    with DAMClient(config["dam"], auth_mode=auth_mode, field_ids=config["fields"].get("special_fields")) as dam:
        info = dam.ping()
        mode = dam.auth_mode
    base = config["dam"]["mtls_base_url" if args.auth_pfx else "base_url"]
    label = {"mtls": "mTLS", "session": "an OTMM session"}.get(mode, "OAuth2")
    return "{} via {} ({})".format(base, label, _short(info))


def _check_box(config, args):
    from scripts.shared.box.box_client import BoxClient
    from scripts.shared.core.credentials import check_box_config
    from scripts.shared.core.errors import ConfigError
    try:  # the same check a workflow makes before it claims anything: file, key and fix on one line
        check_box_config(config["box"]["config_path"])
    except ConfigError as exc:
        raise RuntimeError("; ".join(str(p) for p in exc.problems))
    box = BoxClient(config["box"])
    info = box.ping()
    missing = [name for name, folder in sorted(config["box"]["roots"].items()) if box.get_folder(folder) is None]
    if missing:
        raise RuntimeError("Box root folder(s) {} not found or not shared with the app's service account; "
                           "fix: check BOX_ROOT_FOLDER_* ids and invite the service account as editor".format(
                               ", ".join(missing)))
    return "authenticated ({}); 4 root folders reachable".format(_short(info._asdict()))


def _check_smtp(config, args):
    from scripts.shared.notify.notifier import check_smtp
    check_smtp(config)
    smtp = config["smtp"]
    return "{}:{} ({}), login accepted".format(smtp["host"], smtp["port"], smtp["security"])


def _check_webhook(config, args):
    if not config["notifications"].get("webhook_url"):
        return None
    if args.no_webhook:
        return Skipped("--no-webhook", "no test event sent")
    from scripts.shared.notify.notifier import Notifier
    # marked as a test so the receiver (and whoever reads it) can tell it from a real campaign event
    status = Notifier(config).send_webhook("connection_test", "", {"test": True, "message": "test_connection.py: "
                                                                   "a connection test, not a campaign event"})
    if status != "sent":
        raise RuntimeError("webhook POST {}; fix: check WEBHOOK_URL and that the receiver accepts JSON".format(status))
    return "test event accepted (event connection_test, data.test = true)"


def _check_health(config, args):
    """Each cron job's check answers a log entry (healthchecks.io's /log: shown in the check's events, changes
    neither its state nor its schedule), sent without ?create=1, so no check is created and no job looks healthy
    because of this test."""
    template = config["notifications"].get("healthcheck_url")
    if not template:
        return None
    import re
    from scripts.shared.core.http_retry import host_port
    from scripts.shared.notify import monitoring
    from scripts.shared.notify.daily_summary import WORKFLOWS
    from scripts.shared.core.workflow_names import workflow_ids
    plain = re.sub(r"([?&])create=1(&|$)", lambda m: m.group(1) if m.group(2) else "", template).rstrip("?&")
    per_job = "{job}" in template
    jobs = [workflow_ids(key).log_name for key, _, _ in WORKFLOWS] + ["daily_report"] if per_job else ["all jobs"]
    missing, refused = [], []
    for job in jobs:
        status = monitoring.send(plain, job, "log", body="test_connection.py: checking that this check exists "
                                                         "(a log entry; the check's state is unchanged)")
        if status == 404:
            missing.append(job)
        elif status is not True:
            refused.append("{} ({})".format(job, "HTTP {}".format(status) if isinstance(status, int) else status))
    host = host_port(monitoring.health_url(plain, jobs[0]))
    if refused:
        raise RuntimeError("the health-check URL at {} did not answer for {}; fix: check HEALTHCHECK_URL (one "
                           "check per job: put {{job}} where the job name goes) and the firewall".format(
                               host, ", ".join(refused)))
    if missing:
        raise RuntimeError("no health check for {} at {}; fix: create a check with that slug in healthchecks.io "
                           "(or add ?create=1 to HEALTHCHECK_URL so the first cron run creates it)".format(
                               ", ".join(missing), host))
    return "{} answers for {} ({}); nothing pinged".format(
        host, ", ".join(jobs), "one check per job" if per_job else "one check for all jobs")


class Skipped(object):
    """A check left out on purpose: shown as SKIP (<why>)."""

    def __init__(self, why, detail):
        self.status, self.detail = "SKIP ({})".format(why), detail


CHECKS = [("Database", _check_database), ("DAM", _check_dam), ("Box", _check_box), ("SMTP", _check_smtp),
          ("Webhook", _check_webhook), ("Health check", _check_health)]


def _short(info):
    text = ", ".join("{}={}".format(k, v) for k, v in sorted((info or {}).items())[:3])
    return text[:80]


def check_all(config, args):
    results = []
    for name, check in CHECKS:
        try:
            detail = check(config, args)
            if isinstance(detail, Skipped):
                results.append((name, detail.status, detail.detail))
            else:
                results.append((name, "SKIP" if detail is None else "OK", detail or "not configured"))
        except Exception as exc:
            log.debug("%s check failed", name, exc_info=True)
            results.append((name, "FAIL", str(exc)))
    width = max(len(n) for n, _, _ in results)
    lines = ["{}  {:<4}  {}".format(n.ljust(width), status, detail) for n, status, detail in results]
    sys.stdout.write("\n".join(lines) + "\n")
    failed = [n for n, status, _ in results if status == "FAIL"]
    if failed:
        log.error("Connection check failed for: %s", ", ".join(failed))
        return EXIT_FAILED
    log.info("All connections OK")
    return EXIT_OK


def probe_dam(config, args):
    from scripts.shared.dam.dam_probe import run_probe
    ok = run_probe(config, args.probe_dam, auth_mode="mtls" if args.auth_pfx else "oauth2",
                   try_import=args.probe_import)
    return EXIT_OK if ok else EXIT_FAILED


def main(argv=None):
    parser = build_parser(__doc__.splitlines()[0], workflow=False)
    parser.add_argument("--no-webhook", action="store_true",
                        help="do not send the webhook test event (it is marked as a test: data.test = true)")
    parser.add_argument("--probe-dam", metavar="FOLDER_ID",
                        help="probe the OTMM open points against this test folder (search, listing fields, lock then "
                             "unlock) and print the .env setting for each; checks nothing else")
    parser.add_argument("--probe-import", action="store_true",
                        help="with --probe-dam: also import one small probe file into the test folder and confirm it "
                             "through the job resource (the file stays in the DAM)")
    add_epilog(parser, "test_connection")
    args, _ = parser.parse_known_args(argv)
    if args.probe_import and not args.probe_dam:
        parser.error("--probe-import needs --probe-dam FOLDER_ID")
    if args.probe_dam:
        return run_main("test_connection", parser, probe_dam, argv, needs=("dam",))
    return run_main("test_connection", parser, check_all, argv)


if __name__ == "__main__":
    sys.exit(main())
