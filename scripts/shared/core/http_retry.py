"""One retry policy for every plain HTTP call (DAM, webhook, health pings).

429 and 5xx answers and network errors are retried with exponential back-off and full jitter,
honouring ``Retry-After``; other 4xx are not retried. A per-call deadline stops a long
``Retry-After`` from stalling a cron tick silently.
"""
import email.utils
import logging
import re
import time

from .errors import ServiceError
from .retry import Again, RetryPolicy, retry_call  # noqa: F401 (RetryPolicy: the policy of every HTTP call)

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])


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
                    rewind=None, sleep=None, clock=time.monotonic, **kwargs):
    """Send a request, retrying what may succeed later; return the final 2xx/3xx response.

    ``describe_error(response)`` returns (message, request_id) from an error body.
    ``path_for_log`` is the URL path without query string or host credentials.
    ``rewind`` lists file objects to seek back to 0 before each attempt (upload bodies).
    Raises ServiceError (``retryable`` set when attempts ran out on a transient failure).
    """
    import requests  # local: keeps module import cheap for idle ticks

    start = clock()

    def attempt_once(attempt):
        for f in rewind or ():
            f.seek(0)
        try:
            response = session.request(method, url, **kwargs)
        except requests.exceptions.SSLError as exc:
            message, fix = tls_cause(service, url, exc)
            raise ServiceError(service, message, method=method, path=path_for_log, fix=fix)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:
            message, fix = network_cause(url, exc)
            error = ServiceError(service, message, method=method, path=path_for_log, retryable=True, fix=fix)
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
        if attempt < policy.max_attempts and (wait > policy.max_wait or clock() - start + wait > policy.deadline):
            error.message += " (gave up: server asked to wait {:.0f}s, over the limit)".format(wait)
            raise error
        raise Again(error, wait)

    def on_retry(error, attempt, wait):
        # a retry is routine (INFO); the caller logs the outcome at WARNING/ERROR if the last attempt fails too
        log.info("%s %s %s failed (%s); retry %d/%d in %.1fs", service, method, path_for_log,
                 error.message.split(": ", 1)[-1], attempt, policy.max_attempts - 1, wait)

    return retry_call(attempt_once, policy, on_retry=on_retry, sleep=sleep)


def url_path(url):
    """The path of a URL without scheme, host or query string (safe for messages: no tokens, no hosts)."""
    if not url:
        return None
    rest = url.split("://", 1)[-1]
    return ("/" + rest.split("/", 1)[1] if "/" in rest else "/").split("?", 1)[0]


def _short(exc):
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "..."


def host_port(url):
    """'host:port' of a URL (default port by scheme), for messages: no path, no credentials."""
    try:
        from urllib.parse import urlsplit
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return "{}:{}".format(parts.hostname, port)
    except ValueError:
        return "the server"


# (text in the TLS error, what it means, what to do) -- first match wins; {service} and {where} are filled in
TLS_CAUSES = [
    ("UNKNOWN_CA", "{service} at {where} does not trust the issuer of our client certificate (TLS alert 'unknown CA')",
     "wrong PFX? use the client certificate issued for this {service} environment (DAM_MTLS_CERT_PATH) and check "
     "it with python scripts/test_mtls_cert.py"),
    ("CERTIFICATE_EXPIRED", "{service} at {where} refused our client certificate as expired (TLS alert)",
     "request a renewed certificate and replace the PFX; check the server clock (NTP)"),
    ("BAD_CERTIFICATE", "{service} at {where} refused our client certificate (TLS alert 'bad certificate')",
     "the PFX may lack its chain or be meant for another environment: export it again with the chain, then run "
     "python scripts/test_mtls_cert.py --handshake"),
    ("CERTIFICATE_REQUIRED", "{service} at {where} requires a client certificate (TLS alert 'certificate required')",
     "run with --auth-pfx and DAM_MTLS_CERT_PATH set, or use the OAuth2 base URL"),
    ("CERTIFICATE_UNKNOWN", "{service} at {where} could not accept our client certificate (TLS alert "
     "'certificate unknown')", "wrong PFX? use the certificate issued for this environment (DAM_MTLS_CERT_PATH)"),
    ("certificate has expired", "the server certificate of {where} has expired",
     "the {service} operators must renew their certificate; nothing to change here (verification stays on)"),
    ("Hostname mismatch", "the server certificate of {where} is not issued for that host name",
     "check the base URL uses the host name in the certificate"),
    ("CERTIFICATE_VERIFY_FAILED", "the server certificate of {where} is not trusted (issuer unknown to this machine)",
     "set the CA bundle (e.g. DAM_CA_BUNDLE) to the PEM of the CA that signed it; verification stays on"),
    ("EOF occurred in violation of protocol", "{service} at {where} closed the connection during the TLS handshake "
     "(it refused our client certificate, or does not accept this server's IP)",
     "wrong PFX? check it with python scripts/test_mtls_cert.py --handshake; if the certificate is right, ask for "
     "this server's IP to be whitelisted"),
    ("UNEXPECTED_EOF", "{service} at {where} closed the connection during the TLS handshake (it refused our client "
     "certificate, or does not accept this server's IP)",
     "wrong PFX? check it with python scripts/test_mtls_cert.py --handshake; if the certificate is right, ask for "
     "this server's IP to be whitelisted"),
    ("HANDSHAKE_FAILURE", "TLS handshake with {where} failed (no common protocol or cipher, or a client "
     "certificate is expected)", "check the base URL and whether this endpoint needs --auth-pfx"),
]


def tls_cause(service, url, exc):
    """(message, fix) naming the cause of a TLS failure instead of the library's pool text."""
    text = str(exc)
    where = host_port(url)
    for needle, message, fix in TLS_CAUSES:
        if needle.lower() in text.lower():
            return "TLS error: " + message.format(service=service, where=where), fix.format(service=service)
    detail = re.search(r"\[SSL: [^\]]*\][^(']*", text) or re.search(r"Error\(\d+, '([^']*)'", text)
    detail = detail.group(detail.lastindex or 0).strip() if detail else _short(exc)
    return ("TLS error with {}: {}".format(where, detail),
            "check the server certificate, the CA bundle and (mTLS) the client certificate")


def network_cause(url, exc):
    """(message, fix) for a connection that failed: host:port and the likely cause, no urllib3 pool text."""
    import requests
    text = str(exc)
    where = host_port(url)
    if isinstance(exc, requests.exceptions.Timeout):
        cause = "timed out"
    elif re.search(r"Name or service not known|nodename nor servname|getaddrinfo failed|Temporary failure in name "
                   r"resolution|NameResolutionError|No address associated", text):
        return ("network error: cannot resolve the host name of {} (DNS)".format(where),
                "check the host name in the base URL and this server's DNS (e.g. getent hosts {})".format(
                    where.rsplit(":", 1)[0]))
    elif "Connection refused" in text:
        cause = "connection refused"
    elif "Connection reset" in text or "RemoteDisconnected" in text or "aborted" in text:
        cause = "connection closed by the server"
    elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
        cause = "the answer was cut off in transit"
    else:
        cause = "connection failed"
    return ("network error: cannot reach {} ({})".format(where, cause),
            "check that {} is up and that the firewall allows this server to reach {} (e.g. nc -vz {}); "
            "the next run retries".format(where.rsplit(":", 1)[0], where, where.replace(":", " ")))
