"""Progress people can see: a log line now and then for every long transfer, and on an interactive terminal a bar
per campaign that log lines do not break (never under cron).

``TransferProgress``: every download and upload reports its bytes through its transfer deadline
(transfer_deadline.Deadline.check, the one place all of them pass), which logs at most every
``transfer.progress_log_seconds`` "<what>: 120.0 MiB of 1.5 GiB (8 %) at 3.2 MiB/s, about 7 min 10 s left".
``Progress``: the campaign's assets done so far, drawn by tqdm (4.64.1 still runs on Python 3.6) while the console
log handler writes through tqdm.write, so a log line never lands in the middle of the bar.
"""
import contextlib
import logging
import sys
import threading
import time

from .units import human_duration, human_rate, human_size

log = logging.getLogger(__name__)


class TransferProgress(object):
    """``update(done)`` with the bytes moved so far; a line at most every ``every`` seconds (0: never), none for a
    transfer that ends sooner. ``clock`` is for tests."""

    def __init__(self, what, size, every, clock=time.monotonic):
        self.what, self.size, self.every, self.clock = what, int(size or 0), float(every or 0), clock
        self.started = self.last = clock()

    def update(self, done):
        if not self.every:
            return
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        log.info("%s", self.line(done, now - self.started))

    def line(self, done, elapsed):
        rate = done / elapsed if elapsed > 0 else 0
        if self.size:
            left = (self.size - done) / rate if rate > 0 else None
            return "{}: {} of {} ({:.0f} %) at {}, about {} left".format(
                self.what, human_size(done), human_size(self.size), 100.0 * done / self.size, human_rate(rate),
                human_duration(left))
        return "{}: {} at {} (size not announced)".format(self.what, human_size(done), human_rate(rate))


def interactive(stream=None):
    stream = stream or sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


class Progress(object):
    """``with Progress(total, label) as progress:`` ... ``progress.step(note)`` after each asset. A bar on an
    interactive terminal only; elsewhere (cron, a pipe, a log file) nothing."""

    def __init__(self, total, label, stream=None):
        self.total, self.label = total, label
        self.stream = stream or sys.stderr
        self.enabled = bool(total) and interactive(self.stream)
        self.lock = threading.Lock()
        self.bar = None
        self._stack = None

    def __enter__(self):
        if self.enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # an install without it (requirements.txt has it): the log lines still tell
                return self
            from .logging_setup import console_writes_through
            self._stack = contextlib.ExitStack()
            self.bar = self._stack.enter_context(tqdm(total=self.total, desc=self.label, unit="asset",
                                                      file=self.stream, leave=False, dynamic_ncols=True))
            self._stack.enter_context(console_writes_through(lambda text: self.bar.write(text, file=self.stream)))
        return self

    def __exit__(self, *exc):
        if self._stack is not None:
            self._stack.close()
            self._stack, self.bar = None, None

    def step(self, note=""):
        with self.lock:
            if self.bar is not None:
                self.bar.set_postfix_str(note[:40], refresh=False)
                self.bar.update(1)
