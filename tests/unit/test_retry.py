"""scripts/shared/core/retry.py: the one retry and polling helper every client loop uses."""
import pytest

from scripts.shared.core.retry import Again, RetryPolicy, poll_until, retry_call


class Flaky(object):
    def __init__(self, failures, error=ValueError("cut short")):
        self.failures, self.error, self.calls = failures, error, []

    def __call__(self, attempt):
        self.calls.append(attempt)
        if len(self.calls) <= self.failures:
            raise self.error
        return "ok"


def test_retries_what_retry_if_accepts_with_the_policy_waits_then_returns():
    fn, waits, logged = Flaky(2), [], []
    result = retry_call(fn, RetryPolicy.doubling(3, first=1, cap=10), retry_if=lambda e: isinstance(e, ValueError),
                        on_retry=lambda e, n, w: logged.append((str(e), n, w)), sleep=waits.append)
    assert result == "ok" and fn.calls == [1, 2, 3]
    assert waits == [1, 2] and logged == [("cut short", 1, 1), ("cut short", 2, 2)]


def test_the_last_attempts_error_is_raised_after_max_attempts():
    fn, waits = Flaky(10), []
    with pytest.raises(ValueError):
        retry_call(fn, RetryPolicy.doubling(4, first=1, cap=2), retry_if=lambda e: True, sleep=waits.append)
    assert fn.calls == [1, 2, 3, 4] and waits == [1, 2, 2]


def test_an_error_retry_if_refuses_is_raised_at_once():
    fn, waits = Flaky(1, KeyError("x")), []
    with pytest.raises(KeyError):
        retry_call(fn, RetryPolicy.doubling(5), retry_if=lambda e: isinstance(e, ValueError), sleep=waits.append)
    assert fn.calls == [1] and waits == []


def test_again_asks_for_another_attempt_with_its_own_wait_and_raises_its_error_at_the_end():
    waits = []

    def fn(attempt):
        raise Again(RuntimeError("busy {}".format(attempt)), wait=7 if attempt == 1 else None)
    with pytest.raises(RuntimeError) as err:
        retry_call(fn, RetryPolicy.doubling(3, first=0.5), sleep=waits.append)
    assert str(err.value) == "busy 3" and waits == [7, 1.0]


def test_jittered_backoff_stays_within_the_cap():
    policy = RetryPolicy(base=1, cap=4)
    assert all(0 <= policy.backoff(n) <= min(4, 2 ** (n - 1)) for n in range(1, 10) for _ in range(20))


def test_poll_until_returns_the_first_answer_and_grows_the_pause():
    answers, waits = iter([None, None, None, "done"]), []
    assert poll_until(lambda: next(answers), deadline=100, interval=0.2, factor=2, max_interval=0.5,
                      clock=lambda: 0, sleep=waits.append) == "done"
    assert waits == [0.2, 0.4, 0.5]


def test_poll_until_gives_none_once_the_deadline_passes():
    now, waits = [0], []

    def pause(seconds):
        waits.append(seconds)
        now[0] += seconds
    assert poll_until(lambda: None, deadline=3, interval=1, clock=lambda: now[0], sleep=pause) is None
    assert waits == [1, 1, 1, 1] and now[0] == 4  # asked at 0, 1, 2, 3 and 4: past the deadline, no more
