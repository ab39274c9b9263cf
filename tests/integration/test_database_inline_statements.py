"""Database.lookup and Database.write_row: run on the event loop's thread, yet never
stale, never blocking the loop on another process's lock, never growing the WAL unbounded."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.storage.database import _CHECKPOINT_EVERY, Database

# SQLite's own machinery: its inline connection, its file and its locks.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "node.db")
    await database.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    yield database
    await database.close()


def other_process(db: Database) -> sqlite3.Connection:
    """A second connection, as the CLI opens one from another process."""
    return sqlite3.connect(db.path, isolation_level=None)


def wal_size(db: Database) -> int:
    """The size of the database's write-ahead log file in bytes."""
    return Path(f"{db.path}-wal").stat().st_size


async def test_lookup_sees_what_another_process_committed_at_once(db):
    assert await db.lookup("SELECT text FROM notes WHERE id = 1") is None
    cli = other_process(db)
    cli.execute("INSERT INTO notes (id, text) VALUES (1, 'from the CLI')")
    cli.close()
    row = await db.lookup("SELECT text FROM notes WHERE id = 1")
    assert row is not None and row["text"] == "from the CLI"


async def test_lookup_and_write_row_see_writes_made_through_the_database_thread(db):
    await db.execute("INSERT INTO notes (id, text) VALUES (1, 'first')")
    assert (await db.lookup("SELECT text FROM notes WHERE id = 1"))["text"] == "first"
    assert await db.write_row("UPDATE notes SET text = 'second' WHERE id = 1") == 1
    assert await db.fetch_value("SELECT text FROM notes WHERE id = 1") == "second"


async def test_inside_a_transaction_lookup_sees_its_writes_and_write_row_rolls_back_with_it(db):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            assert await db.write_row("INSERT INTO notes (id, text) VALUES (1, 'draft')") == 1
            assert (await db.lookup("SELECT text FROM notes WHERE id = 1"))["text"] == "draft"
            raise RuntimeError("refused")
    assert await db.lookup("SELECT text FROM notes WHERE id = 1") is None


async def test_write_row_waits_for_another_process_holding_the_lock_without_blocking_the_loop(db):
    cli = other_process(db)
    cli.execute("BEGIN IMMEDIATE")
    cli.execute("INSERT INTO notes (id, text) VALUES (1, 'from the CLI')")
    writing = asyncio.create_task(db.write_row("INSERT INTO notes (id, text) VALUES (2, 'inbox')"))
    # The loop keeps running (this wait returns) while the write waits for the lock.
    done, _ = await asyncio.wait({writing}, timeout=0.2)
    assert not done
    cli.execute("COMMIT")
    cli.close()
    assert await writing == 1
    rows = await db.fetch_all("SELECT text FROM notes ORDER BY id")
    assert [row["text"] for row in rows] == ["from the CLI", "inbox"]


async def test_write_row_keeps_the_wal_from_growing_without_bound(db):
    text = "x" * 2000
    for _ in range(_CHECKPOINT_EVERY):
        await db.write_row("INSERT INTO notes (text) VALUES (?)", (text,))
    size_after_one_interval = wal_size(db)
    for _ in range(4 * _CHECKPOINT_EVERY):
        await db.write_row("INSERT INTO notes (text) VALUES (?)", (text,))
    assert wal_size(db) <= 1.5 * size_after_one_interval
    assert await db.fetch_value("SELECT COUNT(*) FROM notes") == 5 * _CHECKPOINT_EVERY


async def test_a_checkpoint_meeting_an_open_transaction_is_left_to_the_next_one(db):
    async with db.transaction():
        await db.execute("INSERT INTO notes (id, text) VALUES (1, 'kept')")
        await db._checkpoint()
    assert (await db.lookup("SELECT text FROM notes WHERE id = 1"))["text"] == "kept"
