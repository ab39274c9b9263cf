"""Rate-limit buckets in the database, for a node that runs in several processes.

Each process of ``samenspraak serve --workers N`` would otherwise keep its own buckets,
and a subject would get N times its allowance. A hit is one statement (an upsert that
refills, spends and says whether it could), so the inbox's limit per host costs one
round trip to the database, not a transaction of four; its arithmetic is that of
``moderation.rate_limit.spend``, which tests/integration/test_rate_buckets.py holds it to.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from moderation.rate_limit import TOLERANCE, Decision, Rate, decision
from node.storage.database import Database

# The bucket's tokens now: refilled since it was last touched (never drained by a clock
# that steps back), at most full. ?3 is the rate's count, ?4 its refill per second, ?5 now.
_REFILLED = (
    "(CASE WHEN rate_buckets.tokens + (CASE WHEN ?5 > rate_buckets.updated_at"
    " THEN ?5 - rate_buckets.updated_at ELSE 0 END) * ?4 < ?3"
    " THEN rate_buckets.tokens + (CASE WHEN ?5 > rate_buckets.updated_at"
    " THEN ?5 - rate_buckets.updated_at ELSE 0 END) * ?4 ELSE ?3 END)"
)
_TAKE = (
    "INSERT INTO rate_buckets (action, subject, tokens, updated_at, allowed)"
    " VALUES (?1, ?2, CAST(?3 AS DOUBLE PRECISION) - 1, ?5, 1)"
    " ON CONFLICT (action, subject) DO UPDATE SET"
    f" tokens = CASE WHEN {_REFILLED} >= ?6"
    f" THEN (CASE WHEN {_REFILLED} > 1 THEN {_REFILLED} - 1 ELSE 0 END) ELSE {_REFILLED} END,"
    f" allowed = CASE WHEN {_REFILLED} >= ?6 THEN 1 ELSE 0 END,"
    " updated_at = ?5"
    " RETURNING tokens, allowed"
)


class SharedRateBuckets:
    """``moderation.ports.SharedBuckets`` over the ``rate_buckets`` table."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def take(self, action: str, subject: str, rate: Rate) -> Decision:
        """Spend one ``action`` of ``subject`` at ``rate`` if its bucket has one left."""
        values = (
            action,
            subject,
            float(rate.count),
            rate.count / rate.per_seconds,
            self._clock(),
            1 - TOLERANCE,
        )
        if self._db.shared:
            # On PostgreSQL one statement is atomic on its own: no BEGIN and COMMIT.
            row = await self._db.fetch_one(_TAKE, values)
        else:
            async with self._db.transaction(inline=True):
                row = await self._db.fetch_one(_TAKE, values)
        assert row is not None
        return decision(rate, bool(row[1]), float(row[0]))

    async def remove_full(self, longest_period: float) -> int:
        """Remove the buckets untouched for ``longest_period`` seconds (the longest period
        of any rate): they are full again, as a missing bucket is. A periodic job."""
        return await self._db.execute_rowcount(
            "DELETE FROM rate_buckets WHERE updated_at < ?", (self._clock() - longest_period,)
        )
