"""Database.deferred_transaction(): reads go through until the first write, which takes
the write lock and begins the one transaction that commits or rolls back everything;
InboxLogRepository.record_with_effects commits an activity's effects with its log entry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from node.storage.database import Database
from node.storage.inbox_log import InboxLogRepository


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "node.db")
    await database.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    yield database
    await database.close()


async def texts(db: Database) -> list[str]:
    """Every note's text, in id order."""
    return [row["text"] for row in await db.fetch_all("SELECT text FROM notes ORDER BY id")]


def writer_outside(db: Database, text: str) -> tuple[asyncio.Event, asyncio.Task[int]]:
    """Another task (started outside any transaction) that writes when its event is set."""
    go = asyncio.Event()

    async def write() -> int:
        await go.wait()
        return await db.execute("INSERT INTO notes (text) VALUES (?)", (text,))

    return go, asyncio.create_task(write())


async def settle() -> None:
    """Let every other ready task run as far as it can."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_before_its_first_write_a_deferred_transaction_holds_no_lock(db: Database) -> None:
    go, other = writer_outside(db, "other")
    async with db.deferred_transaction():
        assert await texts(db) == []
        assert not db.in_write_transaction()
        go.set()
        await other
        await db.execute("INSERT INTO notes (text) VALUES ('mine')")
        assert db.in_write_transaction()
    assert not db.in_write_transaction()
    assert await texts(db) == ["other", "mine"]


async def test_after_its_first_write_other_writers_wait_for_the_commit(db: Database) -> None:
    go, other = writer_outside(db, "second")
    async with db.deferred_transaction():
        await db.execute("INSERT INTO notes (text) VALUES ('first')")
        go.set()
        await settle()
        assert not other.done()
        await db.execute("INSERT INTO notes (text) VALUES ('also first')")
    await other
    assert await texts(db) == ["first", "also first", "second"]


async def test_an_exception_rolls_back_every_write_and_only_after_transaction_runs(
    db: Database,
) -> None:
    woken: list[str] = []

    async def answer() -> None:
        assert not db.in_write_transaction()
        await db.execute("INSERT INTO notes (text) VALUES ('the answer')")

    with pytest.raises(ValueError):
        async with db.deferred_transaction():
            await db.execute("INSERT INTO notes (text) VALUES ('effect')")
            async with db.transaction():
                await db.execute("INSERT INTO notes (text) VALUES ('nested effect')")
            db.after_commit(lambda: woken.append("worker"))
            await db.after_transaction(answer)
            raise ValueError("refused")

    assert await texts(db) == ["the answer"]
    assert woken == []


async def test_of_two_concurrent_deliveries_of_one_activity_only_the_first_has_effects(
    db: Database,
) -> None:
    log = InboxLogRepository(db)
    first_wrote = asyncio.Event()
    finish_first = asyncio.Event()

    async def first() -> None:
        await db.execute("INSERT INTO notes (text) VALUES ('first delivery')")
        first_wrote.set()
        await finish_first.wait()

    async def second() -> None:
        await db.execute("INSERT INTO notes (text) VALUES ('second delivery')")

    def deliver(effects: Callable[[], Awaitable[None]]) -> asyncio.Task[bool]:
        return asyncio.create_task(
            log.record_with_effects("https://a.example/1", "https://a.example/u", "Create", effects)
        )

    delivering = deliver(first)
    await first_wrote.wait()
    duplicate = deliver(second)
    finish_first.set()

    assert (await delivering, await duplicate) == (True, False)
    assert await texts(db) == ["first delivery"]
    assert await log.seen("https://a.example/1")
