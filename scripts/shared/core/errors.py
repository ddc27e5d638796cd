"""Exceptions that carry an operator-facing explanation: what failed, why, and what to do."""


class SuiteError(Exception):
    """Base of every error the suite raises on purpose; ``exit_code`` is what a script exits with."""

    exit_code = 1

    def __init__(self, message, fix=None):
        super(SuiteError, self).__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self):
        if self.fix:
            return "{} (fix: {})".format(self.message, self.fix)
        return self.message


class ConfigError(SuiteError):
    """Configuration is unusable; ``problems`` lists every (file, key, reason, fix) found at once."""

    exit_code = 2

    def __init__(self, problems):
        self.problems = list(problems)
        lines = ["Configuration has {} problem(s):".format(len(self.problems))]
        for p in self.problems:
            lines.append("  - {}".format(p))
        super(ConfigError, self).__init__("\n".join(lines))

    def lines(self):
        """One log line per problem, each saying "Configuration error" (what ``grep -i error`` finds in a log)."""
        return ["Configuration error: {}".format(p) for p in self.problems]


class ServiceError(SuiteError):
    """An external service (DAM, Box, SMTP, webhook) refused or failed a call.

    ``retryable`` tells the caller whether a later attempt may succeed (429, 5xx, network).
    The message never contains credentials: only method, path (no query string), status and the
    server's own message and request id.
    """

    def __init__(self, service, message, status=None, method=None, path=None, request_id=None,
                 retryable=False, fix=None, code=None):
        self.service = service
        self.status = status
        self.method = method
        self.path = path
        self.request_id = request_id
        self.retryable = retryable
        self.code = code
        parts = [service]
        if method and path:
            parts.append("{} {}".format(method, path))
        if status is not None:
            parts.append("HTTP {}".format(status))
        text = "{}: {}".format(" ".join(parts), message)
        if request_id:
            text += " (request id {})".format(request_id)
        super(ServiceError, self).__init__(text, fix=fix)


class Throttled(ServiceError):
    """A service asked every process to wait longer than a run may wait (Box's Retry-After past
    box.max_retry_wait_seconds). Nothing is broken: the run ends cleanly, its campaign's lease is freed without a
    failed attempt, one alert says so, and the next tick tries again (issue 27.7)."""


class ChangedWhileRead(ServiceError):
    """A download's bytes are not the listed version's but exactly the source's current version: a person saved a
    new version between the listing and the download. Not corrupt; the caller takes the new version (issue 27.6)."""


class LeaseLostError(SuiteError):
    """This run no longer owns the campaign (its lease expired and another run took it over)."""


class InputError(SuiteError):
    """A file or value from outside cannot be taken as it is; the message says how to fix it."""


# Never charged to one asset or file: the engines re-raise them, and the campaign's work ends for this run.
STOPS_THE_CAMPAIGN = (LeaseLostError, Throttled)


def reason_and_fix(exc, default_fix):
    """How one item's failure reads in its event, log line and email row: a SuiteError's own words and fix, or an
    unexpected error's type and text with ``default_fix``."""
    reason = exc.message if isinstance(exc, SuiteError) else "{}: {}".format(type(exc).__name__, exc)
    return reason, getattr(exc, "fix", None) or default_fix


def as_suite_error(exc, where):
    """An exception nobody anticipated, as a SuiteError charged to ``where`` (an asset, a campaign, the run): it is
    reported and alerted like any other failure instead of ending a tick in silence. SuiteErrors pass unchanged."""
    if isinstance(exc, SuiteError):
        return exc
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return SuiteError("unexpected {} in {}: {}".format(type(exc).__name__, where, text),
                      fix="the next run retries; if it keeps happening, send the log (it has the traceback) to "
                          "the maintainers")
