"""Retrying and waiting, in one place: ``retry_call`` repeats a call that may succeed later, ``poll_until`` asks
again until an answer comes or a deadline passes, and ``sleep`` is the only pause the suite takes (the Box pacer,
box_pacer.py, waits through it too). rclone's lib/pacer is the model: the caller says what is worth another try,
the helper owns the counting and the waiting.
"""
import logging
import random
import time

log = logging.getLogger(__name__)


def sleep(seconds):
    """The suite's one pause (looked up at call time, so a test's fake clock applies everywhere)."""
    if seconds > 0:
        time.sleep(seconds)


class RetryPolicy(object):
    """How often and how long to retry. ``max_wait`` caps a single sleep, ``deadline`` the whole call.

    ``backoff(attempt)`` is ``base * 2**(attempt-1)`` capped at ``cap``: with ``jitter`` (the default, for HTTP
    calls many processes make at once) a random wait up to that ("full jitter"), without it exactly that."""

    def __init__(self, max_attempts=5, base=1.0, cap=60.0, max_wait=120.0, deadline=900.0, jitter=True):
        self.max_attempts = max(1, int(max_attempts))
        self.base = float(base)
        self.cap = float(cap)
        self.max_wait = float(max_wait)
        self.deadline = float(deadline)
        self.jitter = jitter

    @classmethod
    def from_config(cls, section):
        """Build from a config section like dam.retry; keys it lacks take their config/schema.yaml default."""
        from .config_schema import default
        section = section or {}

        def value(key):
            return section[key] if section.get(key) is not None else default("dam.retry." + key)
        return cls(max_attempts=value("max_attempts"), base=value("backoff_base_seconds"),
                   cap=value("backoff_max_seconds"), max_wait=value("max_wait_seconds"),
                   deadline=value("deadline_seconds"))

    @classmethod
    def doubling(cls, max_attempts, first=1.0, cap=10.0):
        """A fixed doubling wait (first, 2*first, ... up to cap): for one system's own short retries."""
        return cls(max_attempts=max_attempts, base=first, cap=cap, jitter=False)

    def backoff(self, attempt):
        """The wait after the given 1-based attempt."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        # B311: jitter spreads retries in time; it guards nothing
        return random.uniform(0, ceiling) if self.jitter else ceiling  # nosec B311


class Again(Exception):
    """Raised by a function under ``retry_call`` to ask for another attempt: ``error`` is what the caller sees
    when the attempts run out, ``wait`` (optional) replaces the policy's back-off for this pause."""

    def __init__(self, error, wait=None):
        Exception.__init__(self, str(error))
        self.error = error
        self.wait = wait


def retry_call(fn, policy, retry_if=None, on_retry=None, sleep=None):
    """Call ``fn(attempt)`` (1-based) until it returns, at most ``policy.max_attempts`` times.

    An exception is tried again when it is ``Again`` or ``retry_if(exc)`` says so; anything else, and the last
    attempt's error, is raised. Before each pause ``on_retry(error, attempt, wait)`` may log (retries are routine:
    the caller logs the final failure)."""
    pause = sleep or globals()["sleep"]
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(attempt)
        except Exception as exc:
            again = isinstance(exc, Again)
            error = exc.error if again else exc
            if not (again or (retry_if is not None and retry_if(exc))) or attempt >= policy.max_attempts:
                if again:
                    raise error from None
                raise
            wait = exc.wait if again and exc.wait is not None else policy.backoff(attempt)
        if on_retry is not None:
            on_retry(error, attempt, wait)
        pause(wait)


def poll_until(fn, deadline, interval=1.0, factor=1.0, max_interval=None, clock=None, sleep=None):
    """Call ``fn()`` until it returns something other than None; None when ``deadline`` (a ``clock()`` time,
    ``time.time`` by default) passes first. The pause starts at ``interval`` and grows by ``factor`` up to
    ``max_interval``. What ``fn`` raises ends the polling."""
    clock = clock or time.time
    pause = sleep or globals()["sleep"]
    delay = interval
    while True:
        result = fn()
        if result is not None:
            return result
        if clock() > deadline:
            return None
        pause(delay)
        delay = delay * factor
        if max_interval is not None:
            delay = min(delay, max_interval)
