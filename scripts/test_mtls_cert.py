#!/usr/bin/env python
"""Inspect the DAM mTLS client certificate: subject, issuer, validity, days left; optionally try the handshake.

Run from the project root:
    python scripts/test_mtls_cert.py [--handshake] [--warn-days 30] [--config PATH]
Exit code 0 when the certificate is usable, 1 when it is expired, not yet valid, unreadable or the handshake fails.
"""
import datetime
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.core.cli import EXIT_FAILED, EXIT_OK, build_parser, run_main  # noqa: E402
from scripts.shared.core.config_schema import setting  # noqa: E402
from scripts.shared.dam.dam_auth import load_pfx, validity  # noqa: E402

log = logging.getLogger("test_mtls_cert")


def inspect(config, args):
    dam = config["dam"]
    path = dam.get("mtls_cert_path")
    cert, _, extra = load_pfx(path, dam.get("mtls_cert_password"))
    before, after = validity(cert)
    now = datetime.datetime.utcnow()
    days_left = (after - now).days
    rows = [("File", path), ("Subject", cert.subject.rfc4514_string()), ("Issuer", cert.issuer.rfc4514_string()),
            ("Serial", format(cert.serial_number, "x")), ("Valid from", before.strftime("%Y-%m-%d %H:%M UTC")),
            ("Valid until", after.strftime("%Y-%m-%d %H:%M UTC")), ("Days left", str(days_left)),
            ("Chain certificates", str(len(extra))), ("mTLS base URL", setting(dam, "dam.mtls_base_url") or "(not set)")]
    for label, value in rows:
        sys.stdout.write("{:<20} {}\n".format(label, value))
    code = EXIT_OK
    if now < before:
        log.error("The certificate is not valid yet (valid from %s UTC): check the server clock", before)
        code = EXIT_FAILED
    elif now > after:
        log.error("The certificate EXPIRED on %s UTC: request a renewed certificate and replace %s", after, path)
        code = EXIT_FAILED
    elif days_left < args.warn_days:
        log.warning("The certificate expires in %d day(s) (%s UTC): request a renewal now", days_left, after)
    else:
        log.info("Certificate valid for %d more day(s)", days_left)
    if args.handshake and code == EXIT_OK:
        from scripts.shared.dam.dam_client import DAMClient
        with DAMClient(dam, auth_mode="mtls", field_ids=config["fields"].get("special_fields")) as client:
            client.ping()
        sys.stdout.write("{:<20} {}\n".format("Handshake", "OK"))
    return code


def main(argv=None):
    parser = build_parser(__doc__.splitlines()[0], workflow=False)
    parser.add_argument("--handshake", action="store_true", help="also connect to DAM_MTLS_BASE_URL with it")
    parser.add_argument("--warn-days", type=int, default=30, help="warn when fewer days are left (default 30)")
    parser.set_defaults(auth_pfx=True)
    return run_main("test_mtls_cert", parser, inspect, argv, needs=("dam",))


if __name__ == "__main__":
    sys.exit(main())
