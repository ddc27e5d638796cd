"""Kept upload sessions without a database end with Box's session (L12: upload sessions live 7 days)."""
import time

from scripts.shared.box.box_sessions import MemorySessions, expires_epoch


def _stamp(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def test_a_kept_session_is_offered_only_while_box_still_has_it_for_an_hour():
    store = MemorySessions()
    now = time.time()
    for target, ends in (("fresh", now + 6 * 86400), ("ending", now + 1800), ("ended", now - 86400)):
        store.keep("u", target, "ab", 10, {"id": target, "session_expires_at": _stamp(ends)}, [])
    assert store.get("u", "fresh", "ab", 10)["session"]["id"] == "fresh"
    assert store.get("u", "ending", "ab", 10) is None
    assert store.get("u", "ended", "ab", 10) is None
    assert store.get("u", "fresh", "ab", 11) is None  # other bytes


def test_box_timestamps_with_z_or_an_offset():
    assert expires_epoch("2026-12-13T15:00:00Z") == expires_epoch("2026-12-13T07:00:00-08:00")
    assert expires_epoch("2026-12-13T15:00:00.250+01:00") == expires_epoch("2026-12-13T14:00:00Z")
    assert expires_epoch(None) is None and expires_epoch("next week") is None
