"""One clock for the whole node, and timestamps as the protocol and the client API want them.

Every reading of the time goes through a ``Clock``: ``open_node`` takes one
(``Node.clock``, the system clock by default) and hands its ``now`` to what
it builds (signing and verifying HTTP signatures, the action guard), and the
module-level helpers here (``utc_now``, ``iso_now``, ``epoch_now``) read the
one default clock, ``DEFAULT_CLOCK``.

For testing only: ``SAMENSPRAAK_CLOCK_SHIFT_DAYS=730`` in the environment moves
the default clock that many days ahead (a negative number moves it back).
``tests/run.sh`` runs the suite a second time with it, so that no date in the
demo or the tests can expire. Our nodes and the signing fake peers under
``tests/`` read this same clock, so they agree with each other; clients that do
not sign (Mastodon.py, Chromium) never compare their time with ours.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CLOCK_SHIFT_VARIABLE = "SAMENSPRAAK_CLOCK_SHIFT_DAYS"


@dataclass(frozen=True)
class Clock:
    """The system clock, moved by ``shift`` (zero outside tests)."""

    shift: timedelta = timedelta(0)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Clock:
        """The system clock, shifted by SAMENSPRAAK_CLOCK_SHIFT_DAYS when it is set."""
        days = environ.get(CLOCK_SHIFT_VARIABLE, "").strip()
        if not days:
            return cls()
        try:
            return cls(timedelta(days=float(days)))
        except ValueError as exc:
            raise ValueError(
                f"{CLOCK_SHIFT_VARIABLE} must be a number of days, not {days!r}"
            ) from exc

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC) + self.shift

    def timestamp(self) -> float:
        """The current time in seconds since the epoch, as ``time.time()`` gives it."""
        return time.time() + self.shift.total_seconds()


DEFAULT_CLOCK = Clock.from_environment()


def utc_now() -> datetime:
    """The current time in UTC, on the default clock."""
    return DEFAULT_CLOCK.now()


def epoch_now() -> float:
    """The current time in seconds since the epoch, on the default clock."""
    return DEFAULT_CLOCK.timestamp()


def iso_now() -> str:
    """Now as an ActivityStreams timestamp with seconds precision: 2026-11-26T08:00:00Z."""
    return iso(utc_now())


def iso_precise_now() -> str:
    """Now to the microsecond, for what must order events within one second: the
    process's views of a proposal (``node/participation/trail.py``)."""
    return utc_now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch_of(timestamp: object) -> float | None:
    """An ActivityStreams timestamp in seconds since the epoch; None when it is none."""
    if not isinstance(timestamp, str):
        return None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()


def iso(moment: datetime) -> str:
    """A datetime as an ActivityStreams timestamp."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_now_ms() -> str:
    """Now, as ``iso_now`` with milliseconds: for an edit, whose time must differ from
    the post's publication even within the same second."""
    moment = utc_now()
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
