"""A one-line progress display, shown only when the console is an interactive terminal (never under cron)."""
import sys
import threading


class Progress(object):
    def __init__(self, total, label, stream=None):
        self.total = total
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = bool(total) and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()

    def step(self, note=""):
        with self.lock:
            self.done += 1
            if self.enabled:
                width = 30
                filled = int(width * self.done / max(1, self.total))
                self.stream.write("\r{} [{}{}] {}/{} {}".format(self.label, "#" * filled, "." * (width - filled),
                                                                 self.done, self.total, note[:40].ljust(40)))
                if self.done >= self.total:
                    self.stream.write("\n")
                self.stream.flush()
