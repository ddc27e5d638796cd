"""Pacing under Box's per-user limits (about 1000 calls and 240 uploads a minute), on a fake clock (Python 3.6 too).
The shared (PostgreSQL) buckets and four real processes run in tests/integration/test_box_shared_pacing.py."""
import logging

import pytest
import responses

from scripts.shared.box import box_pacer
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
    monkeypatch.setattr(box_pacer.time, "time", fake.time)
    monkeypatch.setattr(box_pacer.time, "sleep", fake.sleep)
    return fake


def test_a_budget_of_n_never_lets_more_than_n_into_any_minute(clock):
    pacer = box_pacer.Pacer("service-account:x", 60, 10)
    sent = []
    for _ in range(300):
        pacer.before("GET", "https://api.box.com/2.0/folders/1")
        sent.append(clock.now)
    busiest = max(sum(1 for t in sent if start <= t < start + 60) for start in sent)
    assert busiest <= 60
    assert sent[5] == sent[0]  # a burst of N/10 goes at once
    assert 54 * 4 <= len([t for t in sent if t < sent[0] + 240]) <= 60 * 4  # then about 0.9 * N a minute


@pytest.mark.parametrize("calls, uploads", [(900, 200), (1000, 240)])
def test_bursts_stay_within_box_per_second_figures(clock, calls, uploads):
    """Box staff: 16.67 calls and 4 uploads a second per user (box-evidence.md F11). A full bucket releases no more
    at once, and no second after it holds more than the figure plus the steady pace; the minute still holds N."""
    pacer = box_pacer.Pacer("service-account:x", calls, uploads)
    sent = []
    for _ in range(calls + 200):
        pacer.before("GET", "https://api.box.com/2.0/folders/1")
        sent.append(clock.now)
    assert sum(1 for t in sent if t == sent[0]) <= 1000 / 60.0  # at once: 16 at most (before: 90 or 100)
    busiest_second = max(sum(1 for t in sent if start <= t < start + 1) for start in sent)
    assert busiest_second <= 1000 / 60.0 + calls / 60.0
    assert max(sum(1 for t in sent if start <= t < start + 60) for start in sent) <= calls

    pacer = box_pacer.Pacer("service-account:y", 1000, uploads)
    up = []
    for _ in range(uploads + 50):
        pacer.before("POST", "https://upload.box.com/api/2.0/files/content")
        up.append(clock.now)
    assert sum(1 for t in up if t == up[0]) <= 4  # at once (before: 20 or 24)
    assert max(sum(1 for t in up if start <= t < start + 60) for start in up) <= uploads


def test_a_chunked_upload_is_one_upload_plus_calls():
    up = "https://upload.box.com/api/2.0/files/upload_sessions"
    assert box_pacer.is_upload("POST", up)  # the session: one upload
    assert box_pacer.is_upload("POST", "https://upload.box.com/api/2.0/files/123/upload_sessions")
    assert box_pacer.is_upload("POST", "https://upload.box.com/api/2.0/files/content")
    assert box_pacer.is_upload("POST", "https://upload-las.app.box.com/api/2.0/files/content?upload_session_id=1")
    assert box_pacer.is_upload("POST", "https://upload.box.com/api/2.0/files/123/content")
    # parts, commit, listing and abort, on whatever host session_endpoints name: calls only
    assert not box_pacer.is_upload("PUT", up + "/F00D")
    assert not box_pacer.is_upload("POST", "https://upload-las.app.box.com/api/2.0/files/upload_sessions/F00D/commit")
    assert not box_pacer.is_upload("GET", up + "/F00D/parts")
    assert not box_pacer.is_upload("DELETE", up + "/F00D")
    assert not box_pacer.is_upload("OPTIONS", "https://api.box.com/2.0/files/content")


def test_a_429_makes_every_request_of_the_user_wait_its_retry_after(clock):
    pacer = box_pacer.Pacer("service-account:x", 1000, 240)
    pacer.after(429, "7")
    pacer.before("GET", "https://api.box.com/2.0/users/me")
    assert 6.9 <= sum(clock.sleeps) <= 7.1
    pacer.after(200, None)
    pacer.before("GET", "https://api.box.com/2.0/users/me")
    assert 6.9 <= sum(clock.sleeps) <= 7.1


def test_a_broken_shared_store_falls_back_to_this_process(clock):
    class Broken(object):
        def cursor(self):
            raise RuntimeError("connection refused")

    pacer = box_pacer.Pacer("service-account:x", 600, 240, db=Broken())
    assert pacer.before("GET", "https://api.box.com/2.0/users/me") == 0
    assert pacer.store is pacer.memory


@responses.activate
def test_uploads_are_paced_apart_from_other_calls(app_settings, tmp_path, clock, caplog):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"abc")
    sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d"
    base.token_ok()
    for n in range(3):
        responses.add("OPTIONS", base.API + "/files/content", json={"upload_url": "u", "upload_token": "t"})
        responses.add(responses.POST, base.UPLOAD + "/files/content", status=201,
                      json={"total_count": 1, "entries": [{"type": "file", "id": str(50 + n), "name": "a.jpg",
                                                           "sha1": sha1, "size": 3, "etag": "0"}]})
    client = base.make_client(app_settings, max_uploads_per_minute=10, max_calls_per_minute=1000)
    client.upload_file(str(path), "111", "a0.jpg")
    assert sum(clock.sleeps) < 0.1  # the burst (one upload at 10 a minute)
    client.upload_file(str(path), "111", "a1.jpg")
    assert 6.5 <= sum(clock.sleeps) <= 6.8  # the next upload waits 60 / 9 s; its preflight did not wait
    uploads = [c for c in responses.calls if c.request.url.startswith(base.UPLOAD)]
    assert len(uploads) == 2
    with caplog.at_level(logging.INFO):
        client.close()  # the run's log says what held it back
    assert "waited 0.0s for the calls budget, 6.7s for the uploads budget" in caplog.text


def test_nothing_to_say_when_nothing_waited(clock):
    pacer = box_pacer.Pacer("service-account:x", 1000, 240)
    pacer.before("GET", "https://api.box.com/2.0/users/me")
    assert pacer.summary() is None
