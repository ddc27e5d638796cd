"""The stand-ins' network switch: a link with a per-connection bandwidth and a round-trip time, off by default.

Loopback moves bytes as fast as the CPU copies them and answers at once, so a figure measured on it says nothing
about a transfer over a real link. With the switch on (``POST /_sandbox/network {"bandwidth_bytes_per_s": n,
"rtt_ms": m}``, 0 = off; in process ``sandbox.set_network(...)``) each stand-in:
  - waits ``rtt_ms`` once per request before its answer starts: the request travelling out and the first answer byte
    travelling back. A new TCP connection's handshake (another round trip; the werkzeug server closes every
    connection), TLS round trips, slow start and loss are left out;
  - paces, per connection, the bytes that carry content: OTMM asset downloads (the streamed answer) and Box upload
    bodies (a simple upload, and each part of an upload session: the request body is read at that pace, so the
    client's sends block on a full socket buffer as on a slow link). Every connection gets the whole bandwidth:
    ``n`` lanes move ``n`` times the bytes, as when each lane has its own path; a shared bottleneck is not modelled.

Pacing is a token bucket over ``time.monotonic`` per connection, starting empty, holding at most one slice (1/64 of
a second's bytes, 16 KiB at least), so N bytes take N / bandwidth seconds, not less; the waits are sleeps of at most
50 ms, so a paced transfer costs almost no CPU.
"""
import threading
import time
from time import sleep as _pause  # a test patching time.sleep must not see a stand-in's own pauses

SLICE_S = 0.05  # longest single sleep of a wait
SLICES_PER_S = 64  # a slice is this fraction of a second's bytes
MIN_SLICE = 16 * 1024


class Pace(object):
    """One connection's token bucket: ``take(n)`` returns once ``n`` more bytes may pass."""

    def __init__(self, per_second):
        self.rate = float(per_second)
        self.slice = max(MIN_SLICE, int(self.rate / SLICES_PER_S))
        self.tokens = 0.0
        self.last = time.monotonic()

    def take(self, n):
        while True:
            now = time.monotonic()
            self.tokens = min(float(max(self.slice, n)), self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= n:
                self.tokens -= n
                return
            _pause(min(SLICE_S, (n - self.tokens) / self.rate))


class PacedInput(object):
    """A request body (``wsgi.input``) read at a connection's pace: each read returns at most one slice, after its
    bytes fit the bucket."""

    def __init__(self, stream, per_second):
        self.stream = stream
        self.pace = Pace(per_second)

    def read(self, size=-1):
        n = self.pace.slice if size is None or size < 0 else min(size, self.pace.slice)
        data = self.stream.read(n)
        self.pace.take(len(data))
        return data

    def readinto(self, buffer):
        view = memoryview(buffer)[:self.pace.slice]
        got = self.stream.readinto(view) if hasattr(self.stream, "readinto") else None
        if got is None:  # a stream with read() only
            data = self.stream.read(len(view))
            got = len(data)
            view[:got] = data
        self.pace.take(got)
        return got

    def readline(self, size=-1):
        data = self.stream.readline(self.pace.slice if size is None or size < 0 else min(size, self.pace.slice))
        self.pace.take(len(data))
        return data


class PacedAnswer(object):
    """An answer's chunks at one connection's pace, cut into slices (the last byte leaves at size / bandwidth);
    ``close`` reaches the answer below, also when the client went away mid-stream."""

    def __init__(self, chunks, per_second):
        self.chunks = chunks
        self.pace = Pace(per_second)

    def __iter__(self):
        step = self.pace.slice
        for chunk in self.chunks:
            for i in range(0, len(chunk), step):
                piece = chunk[i:i + step] if len(chunk) > step else chunk
                self.pace.take(len(piece))
                yield piece

    def close(self):
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()


class NetworkSwitch(object):
    """The switch's setting, shared by every connection of a stand-in; read once when a request starts."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bandwidth = 0
        self.rtt_ms = 0

    def set(self, bandwidth_bytes_per_s=0, rtt_ms=0):
        bandwidth, rtt = int(bandwidth_bytes_per_s or 0), int(rtt_ms or 0)
        if bandwidth < 0 or rtt < 0:
            raise ValueError("network switch: bandwidth_bytes_per_s and rtt_ms must be >= 0 (0 = off), "
                             "got {} and {}".format(bandwidth, rtt))
        with self.lock:
            self.bandwidth, self.rtt_ms = bandwidth, rtt
        return self.setting()

    def setting(self):
        with self.lock:
            return {"bandwidth_bytes_per_s": self.bandwidth, "rtt_ms": self.rtt_ms}

    def round_trip(self):
        """The request's round trip, before its answer starts."""
        rtt = self.rtt_ms
        if rtt:
            _pause(rtt / 1000.0)

    def pace_body(self, environ):
        """Read this request's body at the link's pace (nothing when the bandwidth is off)."""
        if self.bandwidth:
            environ["wsgi.input"] = PacedInput(environ["wsgi.input"], self.bandwidth)

    def pace_answer(self, chunks):
        """This answer's chunks at the link's pace (as they are when the bandwidth is off)."""
        return PacedAnswer(chunks, self.bandwidth) if self.bandwidth else chunks
