"""Rate-limit buckets in the database, for a node that runs in several processes.

Each process of ``samenspraak serve --workers N`` would otherwise keep its own buckets,
and a subject would get N times its allowance. Here a hit reads and writes its one
bucket under a lock of that bucket alone (``Database.serialise_claims``: an advisory
lock on PostgreSQL), with the arithmetic of ``moderation.rate_limit.spend``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from moderation.rate_limit import Bucket, Decision, Rate, spend
from node.storage.database import Database


class SharedRateBuckets:
    """``moderation.ports.SharedBuckets`` over the ``rate_buckets`` table."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def take(self, action: str, subject: str, rate: Rate) -> Decision:
        """Spend one ``action`` of ``subject`` at ``rate`` if its bucket has one left."""
        async with self._db.transaction(inline=True):
            await self._db.serialise_claims(f"rate:{action}:{subject}")
            row = await self._db.fetch_one(
                "SELECT tokens, updated_at FROM rate_buckets WHERE action = ? AND subject = ?",
                (action, subject),
            )
            held = None if row is None else Bucket(float(row[0]), float(row[1]))
            bucket, decision = spend(rate, held, self._clock())
            await self._db.execute(
                "INSERT INTO rate_buckets (action, subject, tokens, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (action, subject)"
                " DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
                (action, subject, bucket.tokens, bucket.updated_at),
            )
        return decision

    async def remove_full(self, longest_period: float) -> int:
        """Remove the buckets untouched for ``longest_period`` seconds (the longest period
        of any rate): they are full again, as a missing bucket is. A periodic job."""
        return await self._db.execute_rowcount(
            "DELETE FROM rate_buckets WHERE updated_at < ?", (self._clock() - longest_period,)
        )
