"""One retry policy for every plain HTTP call (DAM, webhook, health pings).

429 and 5xx answers and network errors are retried with exponential back-off and full jitter,
honouring ``Retry-After``; other 4xx are not retried. A per-call deadline stops a long
``Retry-After`` from stalling a cron tick silently.
"""
import email.utils
import logging
import random
import time

from .errors import ServiceError

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])


class RetryPolicy(object):
    """How often and how long to retry. ``max_wait`` caps a single sleep, ``deadline`` the whole call."""

    def __init__(self, max_attempts=5, base=1.0, cap=60.0, max_wait=120.0, deadline=900.0):
        self.max_attempts = max(1, int(max_attempts))
        self.base = float(base)
        self.cap = float(cap)
        self.max_wait = float(max_wait)
        self.deadline = float(deadline)

    @classmethod
    def from_config(cls, section):
        """Build from a config section with ``max_attempts``, ``backoff_base_seconds``, ``backoff_max_seconds``."""
        section = section or {}
        return cls(max_attempts=section.get("max_attempts", 5),
                   base=section.get("backoff_base_seconds", 1),
                   cap=section.get("backoff_max_seconds", 60),
                   max_wait=section.get("max_wait_seconds", 120),
                   deadline=section.get("deadline_seconds", 900))

    def backoff(self, attempt):
        """Full-jitter exponential back-off for the given 1-based attempt."""
        return random.uniform(0, min(self.cap, self.base * (2 ** (attempt - 1))))


def retry_after_seconds(response):
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def send_with_retry(session, method, url, service, policy, describe_error, path_for_log,
                    rewind=None, sleep=time.sleep, clock=time.monotonic, **kwargs):
    """Send a request, retrying what may succeed later; return the final 2xx/3xx response.

    ``describe_error(response)`` returns (message, request_id) from an error body.
    ``path_for_log`` is the URL path without query string or host credentials.
    ``rewind`` lists file objects to seek back to 0 before each attempt (upload bodies).
    Raises ServiceError (``retryable`` set when attempts ran out on a transient failure).
    """
    import requests  # local: keeps module import cheap for idle ticks

    start = clock()
    attempt = 0
    while True:
        attempt += 1
        for f in rewind or ():
            f.seek(0)
        response = None
        try:
            response = session.request(method, url, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise ServiceError(service, "TLS error: {}".format(_short(exc)), method=method, path=path_for_log,
                               fix="check the server certificate, the CA bundle and (mTLS) the client certificate")
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:
            error = ServiceError(service, "network error: {}".format(_short(exc)), method=method,
                                 path=path_for_log, retryable=True)
            wait = policy.backoff(attempt)
        else:
            if response.status_code < 400:
                return response
            message, request_id = describe_error(response)
            retryable = response.status_code in RETRYABLE_STATUS
            error = ServiceError(service, message, status=response.status_code, method=method,
                                 path=path_for_log, request_id=request_id, retryable=retryable)
            if not retryable:
                response.close()
                raise error
            hinted = retry_after_seconds(response)
            wait = hinted if hinted is not None else policy.backoff(attempt)
            response.close()
        elapsed = clock() - start
        if attempt >= policy.max_attempts:
            raise error
        if wait > policy.max_wait or elapsed + wait > policy.deadline:
            error.message += " (gave up: server asked to wait {:.0f}s, over the limit)".format(wait)
            raise error
        log.warning("%s %s %s failed (%s); retry %d/%d in %.1fs", service, method, path_for_log,
                    error.message.split(": ", 1)[-1], attempt, policy.max_attempts - 1, wait)
        sleep(wait)


def url_path(url):
    """The path of a URL without scheme, host or query string (safe for messages: no tokens, no hosts)."""
    if not url:
        return None
    rest = url.split("://", 1)[-1]
    return ("/" + rest.split("/", 1)[1] if "/" in rest else "/").split("?", 1)[0]


def _short(exc):
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "..."
