"""The frame of every cron tick: start, dead-man's-switch pings, the one alert when a run cannot start, cleanup."""
import logging

from .cli import EXIT_BUSY, EXIT_CONFIG, EXIT_FAILED, EXIT_OK
from .errors import ConfigError, LeaseLostError, SuiteError
from .reporting import send_run_error
from .runtime import Runtime

log = logging.getLogger(__name__)


def run_tick(config, args, workflow, label, tick):
    """Run ``tick(rt)`` for ``workflow`` and return its exit code; failures before any asset work (DAM down,
    database unreachable) send one de-duplicated alert and exit 1."""
    rt = Runtime(config, args, workflow)
    try:
        rt.start()
        if not rt.dry_run:
            rt.notifier.ping_health("start")
        code = tick(rt)
        if not rt.dry_run:
            rt.notifier.ping_health("success" if code in (EXIT_OK, EXIT_BUSY) else "fail")
        return code
    except LeaseLostError:
        raise
    except ConfigError as exc:  # found before any campaign was claimed: no attempt counted, exit 2
        log.error("%s run cannot start: %s", label, exc)
        if not rt.dry_run:
            send_run_error(rt, label, exc)
            rt.notifier.ping_health("fail")
        return EXIT_CONFIG
    except SuiteError as exc:
        log.error("%s run stopped before it could do its work: %s", label, exc)
        if not rt.dry_run:
            send_run_error(rt, label, exc)
            rt.notifier.ping_health("fail")
        return EXIT_FAILED
    finally:
        rt.close()
