"""Issue #24.8: long transfers tell their progress (bytes, rate, time left) in the log, not more often than set."""
import logging

from scripts.shared.core.progress import TransferProgress
from scripts.shared.core.transfer_deadline import Deadline


class Clock(object):
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_line_every_n_seconds_with_bytes_rate_and_time_left(caplog):
    clock = Clock()
    progress = TransferProgress("DAM download of asset a1", 300 * 1024 * 1024, 30, clock=clock)
    with caplog.at_level(logging.INFO):
        clock.now += 10
        progress.update(20 * 1024 * 1024)           # too soon: nothing
        clock.now += 20
        progress.update(60 * 1024 * 1024)           # 30 s in: 60 MiB at 2 MiB/s, 240 MiB left = 2 min
        clock.now += 5
        progress.update(70 * 1024 * 1024)           # 5 s after the last line: nothing
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["DAM download of asset a1: 60.0 MiB of 300.0 MiB (20 %) at 2.0 MiB/s, about 2 min 0 s left"]


def test_zero_seconds_turns_the_lines_off_and_an_unknown_size_still_reports(caplog):
    clock = Clock()
    quiet = TransferProgress("Box upload of x", 1000, 0, clock=clock)
    unknown = TransferProgress("Box download of file 5", 0, 1, clock=clock)
    with caplog.at_level(logging.INFO):
        clock.now += 2
        quiet.update(500)
        unknown.update(4096)
    assert [r.getMessage() for r in caplog.records] == ["Box download of file 5: 4.0 KiB at 2.0 KiB/s (size not "
                                                         "announced)"]


def test_every_transfer_deadline_reports_through_it(caplog):
    deadline = Deadline("DAM", "download of asset a1", 1000, {"progress_log_seconds": 1})
    deadline.progress.clock = clock = Clock()
    deadline.progress.started = deadline.progress.last = clock.now
    with caplog.at_level(logging.INFO):
        clock.now += 1
        deadline.check(250)
    assert [r.getMessage() for r in caplog.records] == [
        "DAM download of asset a1: 250 bytes of 1000 bytes (25 %) at 250 bytes/s, about 3 s left"]
    assert Deadline("Box", "upload of x", 10, {}).progress.every == 30   # the schema's default
