"""Logging for every script: rotating file per workflow + console, run/campaign/TID on each line, secrets redacted.

Overlapping runs of one script share its file safely (SharedRotatingFileHandler); library output (boxsdk, urllib3,
warnings) is kept to one short line per event (LibraryFilter).

The context (run id, campaign, tracking id) lives in a thread-local so worker threads can set their own asset's TID;
``log_context(...)`` sets it for a block. A redacting formatter masks every configured secret value and the usual
credential shapes (Bearer tokens, password=..., private keys) in the final text, tracebacks included.
"""
import collections
import contextlib
import fcntl
import logging
import logging.handlers
import os
import re
import sys
import threading
import uuid

from .config_schema import setting

_context = threading.local()
_RUN_ID = [None]
_TAIL = [None]  # the TailHandler of this process (setup_logging)
TAIL_LINES = 200
TAIL_BYTES = 10000  # healthchecks.io keeps up to 100 kB of a ping's body; the end of a run is what explains it

FORMAT = "%(asctime)s %(levelname)-7s [run=%(run_id)s campaign=%(campaign)s tid=%(tid)s] %(name)s: %(message)s"
# The console (a person at a terminal, or cron's capture file): time, level, the campaign and asset when known, the
# message; the run id and the module are in the log file.
CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(where)s%(message)s"

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1[REDACTED]"),
    # key=value (forms, URLs) and "key": "value" (JSON, reprs); not "password: refers to ..." in plain prose
    (re.compile(r"(?i)((?:access_token|refresh_token|client_secret|password|passwd|secret|api_key|token)"
                r"=)[^\s\"'&,}]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)([\"'](?:access_token|refresh_token|client_secret|password|passwd|secret|api_key|token)"
                r"[\"']\s*:\s*[\"'])[^\"']+"), r"\1[REDACTED]"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
     "[REDACTED PRIVATE KEY]"),
    (re.compile(r"(?i)(authorization:\s*)\S+(\s+\S+)?"), r"\1[REDACTED]"),
    # a signed JWT anywhere (Box token request assertion, bearer tokens printed by a library)
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[REDACTED JWT]"),
]

# Loggers of the suite itself; every other logger is a library whose records are flattened (LibraryFilter).
OWN_LOGGERS = ("scripts", "daily_report", "test_connection", "test_mtls_cert", "__main__")
LIBRARY_LINE_MAX = 400
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Size rotation that overlapping runs of one script can share without losing or doubling a line.

    A plain RotatingFileHandler rotates by its own view of the file: when two processes pass the limit together,
    each renames the backups under the other and lines vanish. Here every write takes an exclusive ``flock`` on the
    log directory (cheap: one write per record), follows the file to its current inode if another process rotated
    it, rotates only when the file at the path is full, then appends and flushes.
    """

    def __init__(self, filename, maxBytes, backupCount, encoding="utf-8"):
        super(SharedRotatingFileHandler, self).__init__(filename, maxBytes=maxBytes, backupCount=backupCount,
                                                        encoding=encoding, delay=True)
        self._dir_fd = None
        self._locking = True
        self._broken = False

    def _lock(self):
        if self._dir_fd is None:
            self._dir_fd = os.open(os.path.dirname(self.baseFilename), os.O_RDONLY)
        if self._locking:
            try:
                fcntl.flock(self._dir_fd, fcntl.LOCK_EX)
            except OSError:  # a file system without flock (some NFS set-ups): log unlocked rather than not at all
                self._locking = False

    def _unlock(self):
        if self._locking:
            fcntl.flock(self._dir_fd, fcntl.LOCK_UN)

    def _follow(self):
        """Point the stream at the file now at the path (another process may have rotated ours away)."""
        if self.stream is not None:
            try:
                current = os.stat(self.baseFilename)
                mine = os.fstat(self.stream.fileno())
                moved = (current.st_ino, current.st_dev) != (mine.st_ino, mine.st_dev)
            except OSError:
                moved = True
            if moved:
                self.stream.close()
                self.stream = None
        if self.stream is None:
            self.stream = self._open()

    def emit(self, record):
        if self._broken:
            return
        try:
            line = self.format(record) + self.terminator
            self._lock()
            try:
                self._follow()
                size = os.fstat(self.stream.fileno()).st_size
                if self.maxBytes > 0 and size > 0 and size + len(line.encode("utf-8")) > self.maxBytes:
                    self.doRollover()
                    self._follow()
                self.stream.write(line)
                self.stream.flush()
            finally:
                self._unlock()
        except Exception:
            self.handleError(record)

    def handleError(self, record):
        """A log file that cannot be written (directory not writable, disk full) is said once, in one line on
        stderr with the fix, instead of logging's traceback for every record; the console keeps the messages."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (IOError, OSError)):
            return super(SharedRotatingFileHandler, self).handleError(record)
        if not self._broken:
            self._broken = True
            sys.stderr.write("ERROR cannot write the log file {} ({}); fix: make {} writable for this user or point "
                             "LOG_DIR in .env at a writable directory. Messages go to the console only.\n".format(
                                 self.baseFilename, exc.strerror or exc, os.path.dirname(self.baseFilename)))

    def close(self):
        self.acquire()
        try:
            super(SharedRotatingFileHandler, self).close()
            if self._dir_fd is not None:
                os.close(self._dir_fd)
                self._dir_fd = None
        finally:
            self.release()


class TailHandler(logging.Handler):
    """The last lines this run logged (as the log file has them, secrets masked), for the health-check ping's body:
    healthchecks.io shows it next to the exit code, so a failed job explains itself there."""

    def __init__(self, lines=TAIL_LINES):
        super(TailHandler, self).__init__()
        self.lines = collections.deque(maxlen=lines)

    def emit(self, record):
        try:
            self.lines.append(self.format(record))
        except Exception:
            self.handleError(record)


def run_log_tail(max_bytes=TAIL_BYTES):
    """The end of this run's log (at most ``max_bytes`` of UTF-8, whole lines), or "" before setup_logging."""
    handler = _TAIL[0]
    if handler is None:
        return ""
    out, size = [], 0
    for line in reversed(list(handler.lines)):
        size += len(line.encode("utf-8")) + 1
        if size > max_bytes:
            break
        out.append(line)
    return "\n".join(reversed(out))


class _WriteThrough(object):
    """A console stream whose lines go through ``write`` (tqdm.write: clear the bar, print, draw it again)."""

    def __init__(self, write, stream):
        self._write, self._stream = write, stream

    def write(self, text):
        text = text.rstrip("\n")
        if text:
            self._write(text)

    def flush(self):
        self._stream.flush()


@contextlib.contextmanager
def console_writes_through(write):
    """While a progress bar is drawn: the suite's console handler writes each line through ``write`` (keeping its
    level, filters and format), so log lines and the bar never share a line."""
    consoles = [h for h in logging.getLogger().handlers if getattr(h, "_dam_console", False)]
    saved = [h.stream for h in consoles]
    for handler in consoles:
        handler.stream = _WriteThrough(write, handler.stream)
    try:
        yield
    finally:
        for handler, stream in zip(consoles, saved):
            handler.stream = stream


def new_run_id():
    return uuid.uuid4().hex[:12]


def set_run_id(run_id):
    _RUN_ID[0] = run_id


def get_run_id():
    return _RUN_ID[0]


def current_context():
    return {"campaign": getattr(_context, "campaign", None), "tid": getattr(_context, "tid", None)}


@contextlib.contextmanager
def log_context(campaign=None, tid=None):
    """Tag log lines of this thread with a campaign and/or tracking id for the duration of the block."""
    old = current_context()
    if campaign is not None:
        _context.campaign = campaign
    if tid is not None:
        _context.tid = tid
    try:
        yield
    finally:
        _context.campaign, _context.tid = old["campaign"], old["tid"]


class ContextFilter(logging.Filter):
    def filter(self, record):
        record.run_id = _RUN_ID[0] or "-"
        record.campaign = getattr(_context, "campaign", None) or "-"
        record.tid = getattr(_context, "tid", None) or "-"
        known = [v for v in (getattr(_context, "campaign", None), getattr(_context, "tid", None)) if v]
        record.where = "[{}] ".format(" ".join(known)) if known else ""
        return True


class LibraryFilter(logging.Filter):
    """One short line per library event (-v turns boxsdk and urllib3 on).

    boxsdk logs each request with its body (a chunked upload wrote every part's bytes, and the token request its
    signed JWT assertion) and each response with headers and JSON, multi-line and in ANSI colours. Its request
    records are dropped (the response line names the same call); responses and failures become
    ``Box API <METHOD> <url> -> <status> (<n> bytes)``. Any other library message loses colour codes and line
    breaks and is cut at LIBRARY_LINE_MAX characters.
    """

    def filter(self, record):
        if getattr(record, "_dam_library", None) is not None:  # already rewritten for another handler
            return record._dam_library
        if record.name.split(".", 1)[0] in OWN_LOGGERS:
            return True
        keep = True
        args = record.args if isinstance(record.args, dict) else {}
        if record.name.startswith("boxsdk.network") and "method" in args:
            if "status_code" in args:
                text = "Box API {} {} -> {} ({} bytes)".format(args["method"], args["url"], args["status_code"],
                                                              args.get("content_length", "?"))
            elif "exc_type_name" in args:
                text = "Box API {} {} failed: {}: {}".format(args["method"], args["url"], args["exc_type_name"],
                                                             args.get("exc_value"))
            else:
                text, keep = "", False
        else:
            try:
                text = record.getMessage()
            except Exception:  # a library's bad format string: keep what there is
                text = "{} {!r}".format(record.msg, record.args)
        text = re.sub(r"\s*\n\s*", " | ", _ANSI.sub("", text)).strip()
        if len(text) > LIBRARY_LINE_MAX:
            text = "{}... [{} more characters]".format(text[:LIBRARY_LINE_MAX], len(text) - LIBRARY_LINE_MAX)
        record.msg, record.args = text, None
        record._dam_library = keep
        return keep


class RedactingFormatter(logging.Formatter):
    """Formats, then masks secrets in the whole text (message, arguments and traceback)."""

    def __init__(self, fmt, secrets=()):
        super(RedactingFormatter, self).__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record):
        return redact(super(RedactingFormatter, self).format(record), self.secrets)


def redact(text, secrets=()):
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def setup_logging(log_name, config=None, verbose=False, quiet=False, log_dir=None, secrets=None):
    """Configure the root logger for one script: ``logs/<log_name>.log`` (10 MB x 28) and the console.

    Returns the run id stamped on every line. Safe to call again (handlers are replaced, not added twice).
    """
    config = config or {}
    log_cfg = config.get("logging") or {}
    root_dir = config.get("project_root") or os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    log_dir = log_dir or log_cfg.get("dir") or os.path.join(root_dir, "logs")
    if not os.path.isabs(log_dir):
        log_dir = os.path.join(root_dir, log_dir)
    if not os.path.isdir(log_dir):
        os.makedirs(log_dir, exist_ok=True)  # two ticks starting together both create it
    if secrets is None:
        secrets = config.get("secrets") or ()
    if _RUN_ID[0] is None:
        set_run_id(new_run_id())
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_dam_suite", False):
            root.removeHandler(handler)
            handler.close()
    formatter = RedactingFormatter(FORMAT, secrets)
    file_handler = SharedRotatingFileHandler(
        os.path.join(log_dir, "{}.log".format(log_name)), maxBytes=int(setting(log_cfg, "logging.max_bytes")),
        backupCount=int(setting(log_cfg, "logging.backup_count")))
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO))
    tail = TailHandler()
    tail.setLevel(logging.INFO)
    _TAIL[0] = tail
    for handler in (file_handler, console, tail):
        handler.setFormatter(RedactingFormatter(CONSOLE_FORMAT, secrets) if handler is console else formatter)
        handler.addFilter(LibraryFilter())
        handler.addFilter(ContextFilter())
        handler._dam_suite = True
        handler._dam_console = handler is console
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("urllib3", "boxsdk", "werkzeug"):  # boxsdk logs expected 409s as warnings
        logging.getLogger(noisy).setLevel(logging.ERROR if not verbose else logging.INFO)
    return _RUN_ID[0]
