"""Command line shared by every workflow script: the same flags, logging set-up and exit codes.

Exit codes: 0 done or nothing to do, 1 some asset or step failed, 2 usage or configuration error,
75 everything eligible is leased by another run (EX_TEMPFAIL: cron will simply try again).
"""
import argparse
import logging
import sys

from .config import check_directories, config_warnings, load_config
from .errors import ConfigError, SuiteError
from .logging_setup import setup_logging
from .startup import prepare_process

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_BUSY = 75
EXIT_INTERRUPTED = 130

log = logging.getLogger(__name__)


EPILOG = """exit codes:
  0    done, or nothing to do
  1    some asset or step failed (the next run retries; an alert mail says what to do)
  2    usage or configuration error (file, key and fix are printed; nothing was claimed)
  75   everything eligible is leased by another run (cron simply tries again)
  130  interrupted (the next run resumes)

logs:
  {log} (rotated; LOG_DIR in .env), also on the console

example:
  {example}
"""


def build_parser(description, workflow=True):
    """Parser with the common flags; workflow scripts also get --campaign and --dry-run."""
    from .. import __version__
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version="dam-content-scaling {} (Python {})".format(__version__, sys.version.split()[0]))
    parser.add_argument("--auth-pfx", action="store_true",
                        help="authenticate to the DAM with the mTLS certificate (DAM_MTLS_CERT_PATH) against "
                             "DAM_MTLS_BASE_URL instead of OAuth2 (requires a whitelisted IP)")
    parser.add_argument("--config", default="config/config.yaml", metavar="PATH",
                        help="main configuration file (default: config/config.yaml)")
    if workflow:
        parser.add_argument("--campaign", metavar="ID", dest="campaign_id",
                            help="work on this campaign (number such as LC-2026-0042, or DAM folder id), "
                                 "ignoring its retry back-off")
        parser.add_argument("--dry-run", action="store_true",
                            help="read only: say what would be done; writes nothing to the DAM, Box, the database "
                                 "or the mailbox")
    parser.add_argument("--check-config", action="store_true",
                        help="validate the configuration (.env, config.yaml, field mappings, credential files, "
                             "directories) and exit: 0 valid, 2 not; contacts no system and pings nothing")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help="debug output")
    noise.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only on the console")
    return parser


def add_epilog(parser, log_name):
    """The --help epilog: exit codes, the log file and an example (once, before any parsing prints help)."""
    if parser.epilog is None:
        workflow = any("--dry-run" in a.option_strings for a in parser._actions)
        prog = "python scripts/{}".format(parser.prog)
        example = ("{0} --dry-run                  # what the next cron tick would do\n"
                   "  {0} --campaign LC-2026-0042   # one campaign now, ignoring its back-off".format(prog)
                   if workflow else "{} -v".format(prog))
        parser.epilog = EPILOG.format(log="logs/{}.log".format(log_name), example=example)


def run_main(log_name, parser, body, argv=None, needs=("dam", "box", "database", "smtp"), health=None):
    """Parse arguments, load configuration, set up logging, run ``body(config, args)`` and map errors to exit codes.

    A cron job pings its health check at the start and with the exit code at the end, whatever the code (also 2 when
    the configuration does not load), so a silent failure is seen by the monitoring too. ``health`` is the check's
    class, ``health(config, job, muted=...)`` with ``start()`` and ``finish(code)``: the script passes
    notify/monitoring.HealthCheck (core knows no notifier); a tool run by hand passes none and sends no ping."""
    add_epilog(parser, log_name)
    prepare_process()  # UTF-8 stdio and the interpreter warning filter, before anything is printed or imported
    args = parser.parse_args(argv)
    auth_mode = "mtls" if getattr(args, "auth_pfx", False) else "oauth2"
    dry_run = bool(getattr(args, "dry_run", False))
    # a hand run that only prints (daily_report.py --print) or checks its configuration is not the cron job: it
    # must not mark its check healthy
    unpinged = dry_run or bool(getattr(args, "print", False) or getattr(args, "check_config", False))
    check = health or _NoHealthCheck
    try:
        config = load_config(args.config, needs=needs, auth_mode=auth_mode)
        check_directories(config, needs)
    except ConfigError as exc:
        setup_logging(log_name, None, quiet=getattr(args, "quiet", False))
        for line in exc.lines():
            log.error("%s", line)
        check(None, log_name, muted=unpinged).finish(EXIT_CONFIG)
        return EXIT_CONFIG
    setup_logging(log_name, config, verbose=args.verbose, quiet=args.quiet)
    for warning in config_warnings(config):
        log.warning("%s", warning)
    if getattr(args, "check_config", False):
        log.info("Configuration OK: %s, %s and %s are valid for %s; no system was contacted", config["config_path"],
                 config["env_file"], "the field mappings", log_name)
        return EXIT_OK
    if dry_run:
        _prefix_every_line("DRY RUN: ")
    pings = check(config, log_name, muted=unpinged)
    pings.start()
    code = EXIT_FAILED
    try:
        code = body(config, args)
    except SuiteError as exc:  # a ConfigError too: exit 2
        for line in exc.lines() if isinstance(exc, ConfigError) else [str(exc)]:
            log.error("%s", line)
        code = exit_code_for(exc)
    except KeyboardInterrupt as exc:
        log.warning("Interrupted; the next run resumes where this one stopped")
        code = exit_code_for(exc)
    except Exception as exc:
        log.exception("Unexpected error; the next run retries. Please report this with the log above")
        code = exit_code_for(exc)
    finally:
        pings.finish(code)
        if dry_run:
            log.info("DRY RUN: nothing was written: the DAM, Box, the database and the mailbox are as they were")
    return code


class _NoHealthCheck(object):
    """The health check of a tool run by hand: no pings."""

    def __init__(self, config, job, muted=False):
        pass

    def start(self):
        pass

    def finish(self, code):
        pass


def exit_code_for(exc):
    """The exit code a run that stops on ``exc`` ends with (the same for run_main and the workflow frame)."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, SuiteError):
        return exc.exit_code
    return EXIT_FAILED


class _Prefix(logging.Filter):
    def __init__(self, prefix):
        super(_Prefix, self).__init__()
        self.prefix = prefix

    def filter(self, record):
        if not str(record.msg).startswith(self.prefix):
            record.msg = self.prefix + str(record.msg)
        return True


def _prefix_every_line(prefix):
    """A dry run's output cannot be mistaken for a real run's: every line it logs starts with ``prefix``."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Prefix(prefix))


def script_main(log_name, parser, body, needs=("dam", "box", "database", "smtp"), health=None):
    """Entry point for ``if __name__ == '__main__'``."""
    sys.exit(run_main(log_name, parser, body, needs=needs, health=health))
