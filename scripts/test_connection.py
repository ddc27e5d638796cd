#!/usr/bin/env python
"""Check every connection the suite needs: database, DAM, Box, SMTP and webhook; prints OK/FAIL with the fix.

Run from the project root:
    python scripts/test_connection.py [--auth-pfx] [-v|-q] [--config PATH]
    python scripts/test_connection.py --probe-dam FOLDER_ID [--probe-import] [--auth-pfx]
The second form probes the OTMM open points against a test folder (auth profile, search operator, listing detail,
lock form, and with --probe-import one small import confirmed through the job resource) and prints the .env
setting for each; see docs/otmm-api.md.
Exit code 0 when every check passes, 1 when one fails, 2 when the configuration itself is broken.
"""
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.cli import EXIT_FAILED, EXIT_OK, build_parser, run_main  # noqa: E402

log = logging.getLogger("test_connection")


def _check_database(config, args):
    from scripts.shared.database import Database
    db = Database.from_config(config).connect()
    try:
        with db.cursor() as cur:
            cur.execute("SELECT version() AS v")
            version = cur.fetchone()["v"].split(",")[0]
            cur.execute("SELECT to_regclass('public.schema_migrations') AS t")
            if cur.fetchone()["t"] is None:
                return "{}; schema not initialised yet (the first workflow run creates it)".format(version)
            cur.execute("SELECT max(version) AS v FROM schema_migrations")
            return "{}; schema {}".format(version, cur.fetchone()["v"])
    finally:
        db.close()


def _check_dam(config, args):
    from scripts.shared.dam_client import DAMClient
    auth_mode = "mtls" if args.auth_pfx else "oauth2"
    with DAMClient(config["dam"], auth_mode=auth_mode, field_ids=config["fields"].get("special_fields")) as dam:
        info = dam.ping()
        mode = dam.auth_mode
    base = config["dam"]["mtls_base_url" if args.auth_pfx else "base_url"]
    label = {"mtls": "mTLS", "session": "an OTMM session"}.get(mode, "OAuth2")
    return "{} via {} ({})".format(base, label, _short(info))


def _check_box(config, args):
    from scripts.shared.box_client import BoxClient
    box = BoxClient(config["box"])
    info = box.ping()
    missing = [name for name, folder in sorted(config["box"]["roots"].items()) if box.get_folder(folder) is None]
    if missing:
        raise RuntimeError("Box root folder(s) {} not found or not shared with the app's service account; "
                           "fix: check BOX_ROOT_FOLDER_* ids and invite the service account as editor".format(
                               ", ".join(missing)))
    return "authenticated ({}); 4 root folders reachable".format(_short(info))


def _check_smtp(config, args):
    from scripts.shared.notifier import check_smtp
    check_smtp(config)
    smtp = config["smtp"]
    return "{}:{} ({}), login accepted".format(smtp["host"], smtp["port"], smtp["security"])


def _check_webhook(config, args):
    if not config["notifications"].get("webhook_url"):
        return None
    from scripts.shared.notifier import Notifier
    status = Notifier(config).send_webhook("connection_test", "", {"message": "test_connection.py"})
    if status != "sent":
        raise RuntimeError("webhook POST {}; fix: check WEBHOOK_URL and that the receiver accepts JSON".format(status))
    return "POST accepted"


CHECKS = [("Database", _check_database), ("DAM", _check_dam), ("Box", _check_box), ("SMTP", _check_smtp),
          ("Webhook", _check_webhook)]


def _short(info):
    text = ", ".join("{}={}".format(k, v) for k, v in sorted((info or {}).items())[:3])
    return text[:80]


def check_all(config, args):
    results = []
    for name, check in CHECKS:
        try:
            detail = check(config, args)
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
    from scripts.shared.dam_probe import run_probe
    ok = run_probe(config, args.probe_dam, auth_mode="mtls" if args.auth_pfx else "oauth2",
                   try_import=args.probe_import)
    return EXIT_OK if ok else EXIT_FAILED


def main(argv=None):
    parser = build_parser(__doc__.splitlines()[0], workflow=False)
    parser.add_argument("--probe-dam", metavar="FOLDER_ID",
                        help="probe the OTMM open points against this test folder (search, listing fields, lock then "
                             "unlock) and print the .env setting for each; checks nothing else")
    parser.add_argument("--probe-import", action="store_true",
                        help="with --probe-dam: also import one small probe file into the test folder and confirm it "
                             "through the job resource (the file stays in the DAM)")
    args, _ = parser.parse_known_args(argv)
    if args.probe_import and not args.probe_dam:
        parser.error("--probe-import needs --probe-dam FOLDER_ID")
    if args.probe_dam:
        return run_main("test_connection", parser, probe_dam, argv, needs=("dam",))
    return run_main("test_connection", parser, check_all, argv)


if __name__ == "__main__":
    sys.exit(main())
