"""The node's database in PostgreSQL, through asyncpg: ``database = "postgresql://…"``.

The same public surface as the SQLite ``Database`` (``node/storage/database.py``),
so every repository runs unchanged: statements in SQLite's dialect are translated
once each (``node/storage/dialect.py``), rows are ``asyncpg.Record`` (by column
name and by position, as ``aiosqlite.Row``), and ``execute`` returns the id of the
row an INSERT added (``RETURNING id`` where the table has one, for SQLite's lastrowid).

A pool of connections serves the node. A transaction holds one of them from its
first write to its end, with the process's write lock, as the SQLite database
does: writes of one process stay serialised, so what the repositories assume of
SQLite's single writer holds here too, and ``in_write_transaction()`` means the
same for the transport. Reads outside a transaction take any pooled connection
and see what is committed. Migrations are the same numbered files, translated;
one process migrates at a time (an advisory lock), the others find it done.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from node.config import ConfigError
from node.storage import dialect
from node.storage.database import (
    _MIGRATIONS_TABLE,
    Database,
    Row,
    _split_sql,
    _Transaction,
    without_password,
)

# Connections per process: a transaction holds one, reads outside it take others.
POOL_SIZE = 8
# pg_advisory_lock key of migrations ("smsp").
_MIGRATION_LOCK = 0x736D7370
_CREATE = re.compile(r"^\s*CREATE\s", re.IGNORECASE)
# The table an INSERT writes to, for RETURNING id.
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", re.IGNORECASE)


class PostgresDatabase(Database):
    """A PostgreSQL database; open it with ``Database.open(url)``."""

    dialect = "postgresql"
    shared = True

    def __init__(self, pool: asyncpg.Pool, location: str) -> None:
        super().__init__(location)
        self._pool = pool
        # Tables with an ``id`` column (SQLite's INTEGER PRIMARY KEY), whose INSERTs
        # return it; read from the schema after migrating.
        self._id_tables: frozenset[str] = frozenset()
        self._writes: dict[str, tuple[str, bool]] = {}

    @classmethod
    async def connect(cls, url: str) -> PostgresDatabase:
        """Connect to the database at ``url`` and migrate it."""
        try:
            pool = await _pool(url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise ConfigError(f"cannot open the database {without_password(url)}: {exc}") from exc
        db = cls(pool, without_password(url))
        try:
            await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        """Close the pool's connections; pending writes are already committed."""
        await self._pool.close()

    async def migrate(self) -> list[int]:
        """Apply the migrations not applied yet, one process at a time; return their numbers."""
        async with self._pool.acquire() as holder:
            await holder.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                applied = await super().migrate()
            finally:
                await holder.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
        await self._read_schema(self._pool)
        return applied

    async def _read_schema(self, connection: asyncpg.Connection | asyncpg.Pool) -> None:
        """Note which tables have an ``id`` column, whose INSERTs return it."""
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND column_name = 'id'"
        )
        self._id_tables = frozenset(r[0] for r in rows)
        self._writes.clear()

    async def _prepare_migrations(self) -> None:
        connection = self._connection()
        # Trusted since PostgreSQL 13: the database's owner may create it.
        await connection.execute("CREATE EXTENSION IF NOT EXISTS citext")
        await connection.execute(dialect.migration(_MIGRATIONS_TABLE))

    async def _apply_migration(self, name: str, sql: str) -> None:
        connection = self._connection()
        if name.endswith(f".{self.dialect}.sql"):
            # Written for PostgreSQL (functions with bodies): one script, as it is.
            await connection.execute(sql)
            return
        for statement in _split_sql(sql):
            await connection.execute(dialect.migration(statement))

    def _connection(self) -> asyncpg.Connection:
        """The connection of the current task's open transaction."""
        txn = self._open_transaction()
        assert txn is not None, "only inside a transaction"
        return txn.connection

    async def _start(self, txn: _Transaction, *, inline: bool) -> None:
        connection = await self._pool.acquire()
        try:
            handle = connection.transaction()
            await handle.start()
        except BaseException:
            await self._pool.release(connection)
            raise
        txn.connection = connection
        # Tasks the transaction's task starts share its connection, which takes one
        # statement at a time.
        txn.handle = (handle, asyncio.Lock())

    async def _stop(self, txn: _Transaction, *, commit: bool) -> bool:
        connection: asyncpg.Connection = txn.connection
        handle, _ = txn.handle
        try:
            if commit:
                await handle.commit()
                return True
            await handle.rollback()
            return False
        finally:
            try:
                # A failed COMMIT has ended the transaction already; anything else left
                # open must not reach the next user of this connection.
                if connection.is_in_transaction():
                    await connection.execute("ROLLBACK")
            finally:
                txn.connection = txn.handle = None
                await self._pool.release(connection)

    @asynccontextmanager
    async def _writer(self) -> AsyncIterator[asyncpg.Connection]:
        """The connection a write goes to: the transaction's, or one of its own that
        commits alone (under the write lock, as SQLite's)."""
        txn = await self._joined()
        if txn is not None:
            async with txn.handle[1]:
                yield txn.connection
            return
        async with self._write_lock, self._pool.acquire() as connection:
            yield connection

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[asyncpg.Connection | asyncpg.Pool]:
        """The transaction's connection when the task has one open (to see its own
        writes), else the pool."""
        txn = self._open_transaction()
        if txn is None:
            yield self._pool
            return
        async with txn.handle[1]:
            yield txn.connection

    def skip_locked(self, alias: str) -> str:
        return f" FOR UPDATE OF {alias} SKIP LOCKED"

    async def serialise_claims(self, name: str) -> None:
        # A transaction-level lock: released by COMMIT, ROLLBACK or a lost connection.
        await self._connection().execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"claims:{name}"
        )

    async def announce(self, channel: str) -> None:
        # NOTIFY inside a transaction is sent when it commits, and not at all on rollback.
        if self._open_transaction() is None:
            await self._pool.execute("SELECT pg_notify($1, '')", channel)
        else:
            await self._connection().execute("SELECT pg_notify($1, '')", channel)

    @asynccontextmanager
    async def listening(self, channel: str, heard: Callable[[], None]) -> AsyncIterator[None]:
        # LISTEN holds a connection of its own for as long as the process listens.
        def notified(*_: object) -> None:
            heard()

        async with self._pool.acquire() as connection:
            await connection.add_listener(channel, notified)
            try:
                yield
            finally:
                await connection.remove_listener(channel, notified)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        # A session-level lock on a connection held for the block: a process killed
        # with -9 loses its connection, and the server releases the lock with it.
        async with self._pool.acquire() as holder:
            key = f"exclusive:{name}"
            held = bool(await holder.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", key))
            try:
                yield held
            finally:
                if held:
                    await holder.execute("SELECT pg_advisory_unlock(hashtext($1))", key)

    def _write(self, sql: str) -> tuple[str, bool]:
        """``sql`` translated, and whether it returns the inserted row's id."""
        known = self._writes.get(sql)
        if known is None:
            query = dialect.statement(sql)
            inserted = _INSERT_INTO.match(sql)
            returns_id = inserted is not None and inserted.group(1) in self._id_tables
            known = (f"{query} RETURNING id" if returns_id else query, returns_id)
            self._writes[sql] = known
        return known

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        if _CREATE.match(sql):
            await self._define(sql)
            return 0
        query, returns_id = self._write(sql)
        async with self._writer() as connection:
            if returns_id:
                return await connection.fetchval(query, *params) or 0
            await connection.execute(query, *params)
            return 0

    async def _define(self, sql: str) -> None:
        """A CREATE statement in SQLite's dialect, translated as a migration's."""
        async with self._writer() as connection:
            await connection.execute(dialect.migration(sql))
            await self._read_schema(connection)

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        query = dialect.statement(sql)
        async with self._writer() as connection:
            status = await connection.execute(query, *params)
        # "UPDATE 3", "INSERT 0 1", "DELETE 0": the count comes last.
        count = status.rsplit(" ", 1)[-1]
        return int(count) if count.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        query = dialect.statement(sql)
        async with self._writer() as connection:
            await connection.executemany(query, list(rows))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        query = dialect.statement(sql)
        async with self._reader() as connection:
            row: Row | None = await connection.fetchrow(query, *params)
            return row

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        query = dialect.statement(sql)
        async with self._reader() as connection:
            return list(await connection.fetch(query, *params))

    async def tables(self) -> list[str]:
        """The node's tables, each after the tables its foreign keys refer to."""
        names = [
            r[0]
            for r in await self.fetch_all(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                " AND table_name <> 'schema_migrations' ORDER BY table_name"
            )
        ]
        parents: dict[str, set[str]] = {name: set() for name in names}
        for child, parent in await self.fetch_all(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
        ):
            if child != parent:
                parents[child].add(parent)
        ordered: list[str] = []
        while parents:
            ready = sorted(name for name, waits in parents.items() if not waits - set(ordered))
            # Tables that refer to each other in a circle: none is first, copy them as they come.
            ready = ready or sorted(parents)
            ordered += ready
            for name in ready:
                del parents[name]
        return ordered

    async def columns(self, table: str) -> dict[str, str]:
        """A table's columns and their types, in order."""
        rows = await self.fetch_all(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?"
            " ORDER BY ordinal_position",
            (table,),
        )
        return {r[0]: r[1] for r in rows}

    async def copy_rows(
        self, table: str, columns: list[str], records: list[tuple[Any, ...]]
    ) -> None:
        """Write many rows to ``table`` at once (COPY), in the open transaction."""
        async with self._writer() as connection:
            await connection.copy_records_to_table(table, records=records, columns=columns)

    async def restart_identities(self) -> None:
        """Let each numbered column go on after the largest number it holds (after
        rows were written with their numbers)."""
        for table, column in await self.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        ):
            await self.fetch_value(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            )


async def _pool(url: str) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=POOL_SIZE,
        init=_prepare_connection,
        # As SQLite's busy_timeout: a write waits this long (ms) for a lock another
        # process holds, then fails as passing (LockNotAvailable: 503, retry later).
        server_settings={"lock_timeout": "5000"},
    )


async def _prepare_connection(connection: asyncpg.Connection) -> None:
    # SUM over integers is NUMERIC in PostgreSQL, an integer in SQLite: the node
    # has no NUMERIC columns, so numbers come back as SQLite gives them.
    await connection.set_type_codec(
        "numeric", encoder=str, decoder=_number, schema="pg_catalog", format="text"
    )
    # asyncpg knows no binary form of citext, which COPY (copy_rows) writes: it is
    # text's, UTF-8.
    try:
        await connection.set_type_codec(
            "citext", encoder=str.encode, decoder=bytes.decode, format="binary"
        )
    except ValueError:
        # Not created yet: the first migration creates it, on another connection.
        pass


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


# PostgreSQL errors that pass: the server out of reach or shutting down, out of
# connections or disk, or a transaction that lost to another (a deadlock, a lock wait
# cut short). What failed was rolled back.
_PASSING = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
    asyncpg.TransactionRollbackError,
    asyncpg.LockNotAvailableError,
    asyncpg.InterfaceError,
)


def passing(exc: BaseException) -> bool:
    """Whether ``exc`` is a PostgreSQL condition that passes (``database.unavailable``)."""
    return isinstance(exc, _PASSING)


def database_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from PostgreSQL or the connection to it."""
    return isinstance(exc, (asyncpg.PostgresError, asyncpg.InterfaceError, *_PASSING))
