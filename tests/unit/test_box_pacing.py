"""Pacing under Box's per-user limits (about 1000 calls and 240 uploads a minute), on a fake clock (Python 3.6 too)."""
import pytest
import responses

from scripts.shared import box_client as module
from tests.unit import test_box_errors as base

app_settings = base.app_settings


class FakeClock(object):
    def __init__(self):
        self.now = 1000000.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(module.time, "time", fake.time)
    monkeypatch.setattr(module.time, "sleep", fake.sleep)
    return fake


def test_pacer_lets_the_limit_through_then_waits_for_the_window(clock):
    pacer = module._Pacer(3)
    for _ in range(3):
        pacer.wait()
    assert clock.sleeps == []
    clock.now += 10
    pacer.wait()  # the fourth call in the same minute waits until the first one leaves the window
    assert 49.9 <= sum(clock.sleeps) <= 50.1
    clock.sleeps[:] = []
    clock.now += 61
    for _ in range(3):
        pacer.wait()
    assert clock.sleeps == []


@responses.activate
def test_uploads_are_paced_apart_from_other_calls(app_settings, tmp_path, clock):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"abc")
    sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d"
    base.token_ok()
    for n in range(3):
        responses.add("OPTIONS", base.API + "/files/content", json={"upload_url": "u", "upload_token": "t"})
        responses.add(responses.POST, base.UPLOAD + "/files/content", status=201,
                      json={"total_count": 1, "entries": [{"type": "file", "id": str(50 + n), "name": "a.jpg",
                                                           "sha1": sha1, "size": 3, "etag": "0"}]})
    client = base.make_client(app_settings, max_uploads_per_minute=2, max_calls_per_minute=100)
    for n in range(2):
        client.upload_file(str(path), "111", "a{}.jpg".format(n))
    assert sum(clock.sleeps) < 1  # two uploads (and their preflights) fit in the minute
    client.upload_file(str(path), "111", "a2.jpg")
    assert 59 <= sum(clock.sleeps) <= 61  # the third upload waited for the window; the preflight did not
    uploads = [c for c in responses.calls if c.request.url.startswith(base.UPLOAD)]
    assert len(uploads) == 3
