"""The frame of every cron tick: start, the one alert when a run cannot start, channels that keep failing, cleanup.

(Health-check pings are sent around every script by cli.run_main, with the exit code.)"""
import logging

from . import monitoring
from .cli import EXIT_CONFIG, EXIT_FAILED, EXIT_OK
from .errors import ConfigError, LeaseLostError, SuiteError, as_suite_error
from .reporting import send_run_error, stable_error
from .runtime import Runtime

log = logging.getLogger(__name__)

CHANNEL_NAMES = {"email": "Email (SMTP)", "webhook": "The webhook"}


def run_tick(config, args, workflow, label, tick):
    """Run ``tick(rt)`` for ``workflow`` and return its exit code; failures before any asset work (DAM down,
    database unreachable) send one de-duplicated alert and exit 1 (a configuration error: exit 2)."""
    rt = Runtime(config, args, workflow)
    try:
        rt.start()
        code = tick(rt)
        if not rt.dry_run:
            monitoring.record_run_ok(config, label)
            code = _channels(rt, code)
        return code
    except LeaseLostError:
        raise
    except ConfigError as exc:  # found before any campaign was claimed: no attempt counted, exit 2
        log.error("%s run cannot start: %s", label, exc)
        if not rt.dry_run:
            monitoring.record_run_failure(config, label, stable_error(exc), EXIT_CONFIG)
            send_run_error(rt, label, exc)
        return EXIT_CONFIG
    except Exception as exc:
        if not isinstance(exc, SuiteError):
            log.exception("%s run stopped on an unexpected error", label)
            exc = as_suite_error(exc, "the {} run".format(label))
        log.error("%s run stopped before it could do its work: %s", label, exc)
        if not rt.dry_run:
            monitoring.record_run_failure(config, label, stable_error(exc), EXIT_FAILED)
            send_run_error(rt, label, exc)
        return EXIT_FAILED
    finally:
        rt.close()


def _channels(rt, code):
    """A notification channel that failed in more than notifications.channel_failure_ticks ticks in a row makes
    the run exit 1 (so cron mail and the health check see it), with an ERROR naming the channel and the fix."""
    limit = rt.config["notifications"]["channel_failure_ticks"]
    for channel, outcomes in sorted(rt.channel_outcomes.items()):
        if not outcomes or "dry_run" in outcomes:
            continue
        failed = all(o == "failed" for o in outcomes)
        state = monitoring.record_channel(rt.config, channel, not failed, rt.channel_errors.get(channel))
        if failed and state["ticks"] > limit:
            log.error("%s has failed in %d runs in a row since %s (last error: %s); fix: run python "
                      "scripts/test_connection.py and correct the %s settings in .env", CHANNEL_NAMES[channel],
                      state["ticks"], state.get("since"), state.get("last_error") or "see the log",
                      "SMTP_*" if channel == "email" else "WEBHOOK_URL")
            code = code if code not in (EXIT_OK,) else EXIT_FAILED
    return code
