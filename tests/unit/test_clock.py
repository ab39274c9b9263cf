"""The one clock: the system time, moved only when the environment says so (for tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.clock import CLOCK_SHIFT_VARIABLE, Clock


def test_without_the_variable_the_clock_is_the_system_clock() -> None:
    clock = Clock.from_environment({})
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_shift_moves_every_reading_of_the_clock_ahead() -> None:
    clock = Clock.from_environment({CLOCK_SHIFT_VARIABLE: "730"})
    before = datetime.now(UTC)
    ahead = clock.now() - before
    assert timedelta(days=730) <= ahead < timedelta(days=730, seconds=5)
    assert abs(clock.timestamp() - clock.now().timestamp()) < 5


def test_a_shift_that_is_not_a_number_of_days_is_refused() -> None:
    with pytest.raises(ValueError, match="must be a number of days, not 'twee jaar'"):
        Clock.from_environment({CLOCK_SHIFT_VARIABLE: "twee jaar"})
