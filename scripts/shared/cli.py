"""Command line shared by every workflow script: the same flags, logging set-up and exit codes.

Exit codes: 0 done or nothing to do, 1 some asset or step failed, 2 usage or configuration error,
75 everything eligible is leased by another run (EX_TEMPFAIL: cron will simply try again).
"""
import argparse
import logging
import sys

from .config import load_config
from .errors import ConfigError, SuiteError
from .logging_setup import setup_logging
from .startup import prepare_process

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_BUSY = 75

log = logging.getLogger(__name__)


def build_parser(description, workflow=True):
    """Parser with the common flags; workflow scripts also get --campaign and --dry-run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--auth-pfx", action="store_true",
                        help="authenticate to the DAM with the mTLS certificate (DAM_MTLS_CERT_PATH) against "
                             "DAM_MTLS_BASE_URL instead of OAuth2 (requires a whitelisted IP)")
    parser.add_argument("--config", default="config/config.yaml", metavar="PATH",
                        help="main configuration file (default: config/config.yaml)")
    if workflow:
        parser.add_argument("--campaign", metavar="ID",
                            help="work on this campaign (number such as LC-2026-0042, or DAM folder id), "
                                 "ignoring its retry back-off")
        parser.add_argument("--dry-run", action="store_true",
                            help="read only: say what would be done; writes nothing to the DAM, Box, the database "
                                 "or the mailbox")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help="debug output")
    noise.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only on the console")
    return parser


def run_main(log_name, parser, body, argv=None, needs=("dam", "box", "database", "smtp")):
    """Parse arguments, load configuration, set up logging, run ``body(config, args)`` and map errors to exit codes."""
    prepare_process()  # UTF-8 stdio and the interpreter warning filter, before anything is printed or imported
    args = parser.parse_args(argv)
    auth_mode = "mtls" if getattr(args, "auth_pfx", False) else "oauth2"
    try:
        config = load_config(args.config, needs=needs, auth_mode=auth_mode)
    except ConfigError as exc:
        setup_logging(log_name, None, quiet=getattr(args, "quiet", False))
        log.error("%s", exc)
        return EXIT_CONFIG
    setup_logging(log_name, config, verbose=args.verbose, quiet=args.quiet)
    try:
        return body(config, args)
    except ConfigError as exc:
        log.error("%s", exc)
        return EXIT_CONFIG
    except SuiteError as exc:
        log.error("%s", exc)
        return exc.exit_code
    except KeyboardInterrupt:
        log.warning("Interrupted; the next run resumes where this one stopped")
        return 130
    except Exception:
        log.exception("Unexpected error; the next run retries. Please report this with the log above")
        return EXIT_FAILED


def script_main(log_name, parser, body, needs=("dam", "box", "database", "smtp")):
    """Entry point for ``if __name__ == '__main__'``."""
    sys.exit(run_main(log_name, parser, body, needs=needs))
