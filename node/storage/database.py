"""The node's SQLite database: one file, WAL mode, numbered migrations.

One aiosqlite connection serves the node. SQLite has a single writer anyway,
so writes are serialised by a lock and every multi-row change happens inside
``transaction()``; reads go straight through.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

Row = aiosqlite.Row


class Database:
    """An open node database. Create it with ``Database.open``."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self._write_lock = asyncio.Lock()
        # Which task holds the open transaction: nested use in that task joins
        # it, any other task waits for the lock.
        self._in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar(
            f"in_transaction_{id(self)}", default=False
        )
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating if needed) and migrate the database at ``path``."""
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        db = cls(conn, path)
        await db.migrate()
        return db

    async def close(self) -> None:
        """Close the connection; pending writes are already committed."""
        await self._conn.close()

    async def migrate(self) -> list[int]:
        """Apply the numbered migrations not applied yet; return their numbers."""
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        rows = await self._conn.execute_fetchall("SELECT version FROM schema_migrations")
        done = {r[0] for r in rows}
        applied = []
        for version, sql in _migrations():
            if version in done:
                continue
            async with self.transaction():
                # executescript would COMMIT on its own; run statement by statement instead.
                for statement in _split_sql(sql):
                    await self._conn.execute(statement)
                await self._conn.execute(
                    "INSERT INTO schema_migrations (version) VALUES (?)", (version,)
                )
            log.info("applied migration %04d", version)
            applied.append(version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the enclosed writes as one transaction; nested use joins the outer one."""
        if self._in_transaction.get():
            yield
            return
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            token = self._in_transaction.set(True)
            try:
                yield
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")
            finally:
                self._in_transaction.reset(token)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; return the last row id. Outside a transaction it commits alone."""
        async with self._write_guard():
            cursor = await self._conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; return how many rows it changed."""
        async with self._write_guard():
            cursor = await self._conn.execute(sql, params)
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows."""
        async with self._write_guard():
            await self._conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        # One trip to the database thread instead of three (execute, fetchone, close):
        # these lookups run once per inbox POST and per delivery.
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return row[0] if row is not None else None

    @asynccontextmanager
    async def _write_guard(self) -> AsyncIterator[None]:
        if self._in_transaction.get():
            yield
        else:
            async with self._write_lock:
                yield


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("node.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _split_sql(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
