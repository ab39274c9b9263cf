"""A task cancelled while its COMMIT is under way (a node stopping its delivery worker,
say) ends cancelled, with its transaction whole: committed, never half rolled back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from node.storage.database import Database

pytestmark = pytest.mark.sqlite_only


async def test_a_commit_cancelled_on_its_way_finishes_and_the_task_ends_cancelled(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "node.db")
    try:
        await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        connection: Any = db._conn  # the aiosqlite connection, whose thread runs the COMMIT
        execute = connection.execute

        async def cancelled_at_commit(sql: str, *args: Any) -> Any:
            if sql == "COMMIT":
                # The cancellation reaches the task while aiosqlite's thread runs the COMMIT.
                task = asyncio.current_task()
                assert task is not None
                task.cancel()
            return await execute(sql, *args)

        connection.execute = cancelled_at_commit

        async def write() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO notes (text) VALUES (?)", ("bewaard",))
                await db.execute("INSERT INTO notes (text) VALUES (?)", ("ook bewaard",))

        task = asyncio.create_task(write())
        with pytest.raises(asyncio.CancelledError):
            await task
        connection.execute = execute

        rows = await db.fetch_all("SELECT text FROM notes ORDER BY id")
        assert [row["text"] for row in rows] == ["bewaard", "ook bewaard"]
        assert not db.in_write_transaction()
        # The connection takes the next transaction as usual.
        async with db.transaction():
            await db.execute("INSERT INTO notes (text) VALUES (?)", ("daarna",))
        assert await db.fetch_value("SELECT count(*) FROM notes") == 3
    finally:
        await db.close()
