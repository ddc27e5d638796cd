"""What every script does first, before it prints or imports anything: UTF-8 stdio and quiet interpreter warnings.

Python 3.6 takes the stdio encoding from the locale, and cron (or ``env -i``) gives the C locale, i.e. ASCII: the
console then shows ``A1\\u2192A2`` and ``daily_report.py --print`` dies with UnicodeEncodeError. Python 3.7+
coerces the C locale to UTF-8 (PEP 538/540); on 3.6 the streams are re-wrapped here, whatever the locale.

cryptography warns on every import that Python 3.6 is deprecated: two lines on stderr per tick (every five minutes)
about a fact the operator already knows. That one warning is filtered; every other warning goes to the log as one
line (logging.captureWarnings) instead of two raw lines on stderr.
"""
import codecs
import io
import logging
import sys
import warnings

INTERPRETER_WARNING = r"Python 3\.6 is no longer supported"
_old_streams = []  # replaced wrappers stay referenced: collecting one would close the buffer the new one uses


def _is_utf8(stream):
    try:
        return codecs.lookup(stream.encoding or "ascii").name == "utf-8"
    except LookupError:
        return False


def force_utf8_stdio():
    """Make sys.stdout and sys.stderr encode UTF-8 (same error handling and buffering as before)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is None or _is_utf8(stream) or not hasattr(stream, "buffer"):
            continue
        stream.flush()
        wrapper = io.TextIOWrapper(stream.buffer, encoding="utf-8", errors=stream.errors or "strict",
                                   line_buffering=stream.line_buffering or name == "stderr")
        _old_streams.append(stream)
        setattr(sys, name, wrapper)


def filter_interpreter_warnings():
    """Ignore the 'Python 3.6 is no longer supported' deprecation; log every other warning as one line."""
    warnings.filterwarnings("ignore", message=INTERPRETER_WARNING)
    logging.captureWarnings(True)


def prepare_process():
    force_utf8_stdio()
    filter_interpreter_warnings()
