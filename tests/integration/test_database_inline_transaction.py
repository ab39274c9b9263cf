"""Database.transaction(inline=True): a short transaction on the event loop's thread that
commits or rolls back as a whole and never shows its writes to others before it commits."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.storage.database import Database

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


async def texts(db: Database) -> list[str]:
    """Every note's text, in id order."""
    return [row["text"] for row in await db.fetch_all("SELECT text FROM notes ORDER BY id")]


async def test_inline_transaction_commits_its_writes_together_and_reads_its_own(db):
    async with db.transaction(inline=True):
        await db.execute("INSERT INTO notes (id, text) VALUES (1, 'one')")
        assert await db.write_row("INSERT INTO notes (id, text) VALUES (2, 'two')") == 1
        assert (await db.fetch_one("SELECT COUNT(*) AS n FROM notes"))["n"] == 2
        assert (await db.lookup("SELECT text FROM notes WHERE id = 2"))["text"] == "two"
    cli = other_process(db)
    assert cli.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 2
    cli.close()


async def test_inline_transaction_that_fails_stores_nothing(db):
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction(inline=True):
            await db.execute("INSERT INTO notes (id, text) VALUES (1, 'one')")
            await db.execute("INSERT INTO notes (id, text) VALUES (1, 'clash')")
    assert await texts(db) == []
    await db.write_row("INSERT INTO notes (id, text) VALUES (1, 'after')")
    assert await texts(db) == ["after"]


async def test_other_tasks_read_only_what_is_committed_while_an_inline_transaction_is_open(db):
    await db.execute("INSERT INTO notes (id, text) VALUES (1, 'committed')")

    written = asyncio.Event()

    async def read() -> str:
        return (await db.lookup("SELECT text FROM notes WHERE id = 1"))["text"]

    async def read_once_written() -> str:
        await written.wait()
        return await read()

    # Started outside the transaction, so it is another task's read, not the transaction's.
    reader = asyncio.create_task(read_once_written())
    async with db.transaction(inline=True):
        await db.execute("UPDATE notes SET text = 'uncommitted' WHERE id = 1")
        written.set()
        assert await reader == "committed"
    assert await read() == "uncommitted"


async def test_inline_transaction_waits_for_another_process_without_blocking_the_loop(db):
    cli = other_process(db)
    cli.execute("BEGIN IMMEDIATE")
    cli.execute("INSERT INTO notes (id, text) VALUES (1, 'from the CLI')")

    async def write() -> None:
        async with db.transaction(inline=True):
            await db.execute("INSERT INTO notes (id, text) VALUES (2, 'inbox')")

    writing = asyncio.create_task(write())
    done, _ = await asyncio.wait({writing}, timeout=0.2)
    assert not done
    cli.execute("COMMIT")
    cli.close()
    await writing
    assert await texts(db) == ["from the CLI", "inbox"]
