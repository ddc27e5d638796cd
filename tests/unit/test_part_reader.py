"""PartReader (box_upload.py): the next part of a DAM download is read while the current one goes to Box, one part
ahead and never more, and an error on either side ends the transfer with that error (issue 26.2)."""
import hashlib
import threading

import pytest

from scripts.shared.box.box_upload import PartReader
from scripts.shared.core.errors import ServiceError

PART = 4


class Source(object):
    """A stream of ``parts`` parts of PART bytes that records, at the start of each read, how many parts the caller
    had taken by then; ``fail_at`` makes that read raise like a broken download."""

    def __init__(self, parts, fail_at=None):
        self.parts, self.fail_at = parts, fail_at
        self.reads, self.taken_at_read = 0, []
        self.taken = 0
        self.second_read_started = threading.Event()

    def read(self, n):
        self.reads += 1
        self.taken_at_read.append(self.taken)
        if self.reads == 2:
            self.second_read_started.set()
        if self.reads == self.fail_at:
            raise ServiceError("DAM", "download of asset 7 interrupted after 4 bytes", retryable=True)
        return bytes([self.reads]) * min(n, PART)


def _take_all(source, size):
    got = []
    with PartReader(source, PART, size, "asset 7") as reader:
        while len(got) * PART < size:
            data, digest = reader.next_part()
            source.taken += 1
            assert digest == hashlib.sha1(data).digest()  # taken by the reader, for the part's Digest header
            got.append(data)
    return got


def test_the_next_part_is_read_while_the_current_one_is_being_sent():
    source = Source(3)
    with PartReader(source, PART, 3 * PART, "asset 7") as reader:
        first, _ = reader.next_part()
        # "sending" the first part: the reader must be at the second without the caller asking for it
        assert source.second_read_started.wait(30), "the second part was not read while the first was held"
        assert first == b"\x01" * PART
        rest = [reader.next_part()[0], reader.next_part()[0]]
    assert rest == [b"\x02" * PART, b"\x03" * PART]
    assert source.reads == 3  # it stops at the size: the caller reads and verifies the stream's end itself


def test_it_reads_one_part_ahead_and_never_more():
    source = Source(6)
    got = _take_all(source, 6 * PART)
    assert b"".join(got) == b"".join(bytes([k]) * PART for k in range(1, 7))
    # when part k is started, the caller has taken part k-2 at least (k-1 may still be on the wire)
    assert all(taken >= k - 1 for k, taken in enumerate(source.taken_at_read)), source.taken_at_read


def test_a_broken_download_is_raised_in_the_callers_thread():
    source = Source(4, fail_at=2)
    with pytest.raises(ServiceError) as caught:
        _take_all(source, 4 * PART)
    assert "interrupted" in caught.value.message
    assert source.reads == 2


def test_a_failed_upload_stops_the_reader():
    source = Source(50)
    reader = PartReader(source, PART, 50 * PART, "asset 7")
    with pytest.raises(ServiceError):
        with reader:
            reader.next_part()
            raise ServiceError("Box", "upload part answered 500", retryable=True)
    reader._thread.join(30)
    assert not reader._thread.is_alive()
    assert source.reads <= 2  # the part in hand and at most the one being read ahead
