"""Rate-limit buckets kept in the database (node/storage/rate_buckets.py): the allowance a
subject spends in one process is spent for every process opening the same database, and
buckets that have filled up again are removed. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from moderation.rate_limit import Rate
from node.storage.database import Database
from node.storage.rate_buckets import SharedRateBuckets

RATE = Rate(3, 60)


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_two_openings_of_one_database_spend_one_allowance(tmp_path: Path) -> None:
    first = await Database.open(tmp_path / "node.sqlite3")
    await first.migrate()
    second = await Database.open(tmp_path / "node.sqlite3")
    clock = Clock()
    try:
        one, other = SharedRateBuckets(first, clock), SharedRateBuckets(second, clock)
        decisions = [
            await buckets.take("post", "account:1", RATE) for buckets in (one, other, one, other)
        ]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        # One action comes back every 20 seconds; the refusal says when.
        assert decisions[-1].retry_after_header == "20"
        assert (await other.take("post", "account:2", RATE)).allowed
        clock.now += 20
        assert (await one.take("post", "account:1", RATE)).allowed
        assert not (await other.take("post", "account:1", RATE)).allowed

        clock.now += 59
        assert await one.remove_full(60) == 1  # account:2's, untouched for 79 s
        held = await first.fetch_all("SELECT subject FROM rate_buckets")
        assert [r[0] for r in held] == ["account:1"]
    finally:
        await second.close()
        await first.close()
