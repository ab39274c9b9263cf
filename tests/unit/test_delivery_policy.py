"""The retry policy of the delivery queue."""

from __future__ import annotations

import pytest

from federation.delivery import (
    GIVE_UP_AFTER,
    MAX_RETRY_INTERVAL,
    PAUSE_AFTER_FAILURES,
    host_pause,
    is_permanent_failure,
    next_attempt_delay,
)
from federation.transport import PostOutcome


def test_first_retry_comes_within_a_minute() -> None:
    assert all(next_attempt_delay(1) < 60 for _ in range(200))


def test_retry_interval_grows_and_is_capped() -> None:
    delays = [next_attempt_delay(n) for n in range(1, 30)]
    assert delays[5] > delays[0]
    assert max(delays) <= MAX_RETRY_INTERVAL * 1.2


def test_retries_span_about_three_days_before_giving_up() -> None:
    # With the interval doubling up to twelve hours, a job is still being
    # retried after two days and is given up after three.
    elapsed, attempts = 0.0, 0
    while elapsed < GIVE_UP_AFTER:
        attempts += 1
        elapsed += next_attempt_delay(attempts)
    assert 10 <= attempts <= 25


def test_retry_after_is_honoured_but_bounded() -> None:
    assert next_attempt_delay(1, retry_after=600) >= 600
    assert next_attempt_delay(1, retry_after=10**9) <= 6 * 3600


@pytest.mark.parametrize("status", [400, 403, 404, 410, 422])
def test_client_errors_are_permanent(status: int) -> None:
    assert is_permanent_failure(PostOutcome(status, None, "x"))


@pytest.mark.parametrize("status", [0, 401, 408, 429, 500, 502, 503])
def test_server_errors_and_timeouts_are_retried(status: int) -> None:
    assert not is_permanent_failure(PostOutcome(status, None, "x"))


def test_a_host_is_paused_only_after_repeated_failures() -> None:
    assert host_pause(PAUSE_AFTER_FAILURES - 1) == 0
    assert host_pause(PAUSE_AFTER_FAILURES) > 0
    assert host_pause(PAUSE_AFTER_FAILURES + 3) > host_pause(PAUSE_AFTER_FAILURES)
    assert host_pause(1000) == MAX_RETRY_INTERVAL
