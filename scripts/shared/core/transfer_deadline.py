"""An overall deadline for one transfer, from its size and a minimum throughput.

Read timeouts catch a silent server, not one that trickles a byte now and then: such a transfer would hold its
campaign's lease (renewed in the background) for ever. Every download and upload therefore gets
``grace + size / min_throughput`` seconds in all (``transfer.min_throughput_kib_per_second``,
``transfer.deadline_grace_seconds``); past it the transfer is cut, the asset fails with a clear message and the
tick goes on (the campaign's lease is released at its end as for any failed asset).
"""
import threading
import time

from .config_schema import setting
from .errors import ServiceError
from .progress import TransferProgress


class Deadline(object):
    """``seconds`` from now for ``what`` (``size`` bytes); ``check(done)`` raises once it has passed, and
    ``watch(on_expire)`` runs ``on_expire`` (e.g. shut the socket a blocked read waits on) when it passes."""

    def __init__(self, service, what, size, transfer_cfg):
        cfg = transfer_cfg or {}
        rate = float(setting(cfg, "transfer.min_throughput_kib_per_second")) * 1024
        grace = float(setting(cfg, "transfer.deadline_grace_seconds"))
        self.service, self.what, self.size, self.rate = service, what, int(size or 0), rate
        self.seconds = grace + self.size / rate
        self.ends = time.time() + self.seconds
        self.timer = None
        self.fired = False
        self.progress = TransferProgress("{} {}".format(service, what), self.size,
                                         setting(cfg, "transfer.progress_log_seconds"))

    def expired(self):
        return self.fired or time.time() > self.ends

    def error(self, done):
        return ServiceError(self.service, "{} took longer than its {:.0f}s deadline ({} of {} bytes moved; the "
                                          "minimum throughput is {:.0f} KiB/s)".format(
                                              self.what, self.seconds, done, self.size or "?", self.rate / 1024),
                            retryable=False, code="transfer_too_slow",
                            fix="the next run tries again; check the network path (a proxy or link that trickles), "
                                "or lower transfer.min_throughput_kib_per_second for very slow links")

    def check(self, done):
        """Called by every download and upload with the bytes moved so far: past the deadline it raises; now and
        then it logs the transfer's progress (TransferProgress)."""
        if self.expired():
            raise self.error(done)
        self.progress.update(done)

    def watch(self, on_expire):
        def fire():
            self.fired = True
            try:
                on_expire()
            except Exception:  # nosec B110 # the transfer's own error path reports what happened
                pass
        self.timer = threading.Timer(max(0.0, self.ends - time.time()), fire)
        self.timer.daemon = True
        self.timer.start()
        return self

    def cancel(self):
        if self.timer is not None:
            self.timer.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cancel()


def shut_response_socket(response):
    """Shut the socket of a streamed requests response so a read blocked on it returns at once."""
    import socket
    raw = getattr(response, "raw", None)
    conn = getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is None:
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)
