"""The node's database: ``Database``, the surface every repository uses, and its
SQLite implementation (one file, WAL mode, numbered migrations); PostgreSQL's is
``node/storage/postgres.py``. ``Database.open`` opens either.

One aiosqlite connection serves an SQLite node. SQLite has a single writer anyway,
so writes are serialised by a lock and every multi-row change happens inside
``transaction()``; reads go straight through.

A second, plain sqlite3 connection is used on the event loop's own thread for
the statements every inbox POST makes: ``lookup`` (a read by an indexed key)
and ``write_row`` (a write of one row). Handing a statement to aiosqlite's
thread costs more than running it (a queue hand-off and a thread wake-up, about
a quarter of the node's CPU per POST when all of them went there). That
connection never waits: it does not retry on a lock another process holds
(``write_row`` then hands the statement to aiosqlite's thread, which waits), and
it never checkpoints the WAL itself (that would sync the file on the loop's
thread); ``write_row`` asks aiosqlite's thread for a checkpoint now and then.
A short transaction that awaits nothing but this database can run on that
connection as well (``transaction(inline=True)``).

``deferred_transaction()`` wraps an inbox handler: its reads (and fetches) go
through as outside a transaction until its first write, which begins the
transaction, inline when it can; the inbox-log entry joins it at the end. The
node's transport refuses any request while ``in_write_transaction()``.
A transaction belongs to the task that began it and to the tasks that task
starts inside it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import aiosqlite

from federation.errors import Unavailable
from node.config import ConfigError

log = logging.getLogger(__name__)
# aiosqlite logs every statement with its parameters at DEBUG: an app's client
# secret, a password hash, a resident's address. A node's log must not hold them,
# at -v neither, so that logger says nothing below INFO.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


class Row(Protocol):
    """A row as both backends return it: by column name and by position
    (``aiosqlite.Row``, ``asyncpg.Record``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


# SQLite's own automatic checkpoint comes after about 1,000 WAL pages; one
# write_row adds a few pages.
_CHECKPOINT_EVERY = 250


@dataclass
class _Transaction:
    """One task's write transaction, shared with the tasks it starts.

    A deferred scope creates it closed; the first write opens it (BEGIN IMMEDIATE).
    """

    deferred: bool
    open: bool = False
    inline: bool = False
    # Set when its scope ended: a task started inside that outlived it writes alone.
    finished: bool = False
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    after_end: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # PostgreSQL: the pool's connection the transaction holds, and its transaction.
    connection: Any = None
    handle: Any = None


class _Scope:
    """Makes a transaction the current task's for a block, and ends it after the block."""

    def __init__(self, db: Database, txn: _Transaction) -> None:
        self._db = db
        self._txn = txn
        self._token: contextvars.Token[_Transaction | None] | None = None

    async def __aenter__(self) -> _Transaction:
        self._token = self._db._transaction.set(self._txn)
        return self._txn

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._token is not None
        await self._db._finish_scope(self._txn, self._token, failed=kind is not None)


class NewerDatabase(Exception):
    """The database holds a migration this code does not ship: it was written by a
    newer version, whose tables this code would misread."""


class Database:
    """An open node database: transactions and the statements repositories run.

    Open one with ``Database.open``: a path is an SQLite file (``SQLiteDatabase``),
    a ``postgresql://`` URL a PostgreSQL database (``node.storage.postgres``).
    Both take SQLite's dialect; PostgreSQL's translates it (``node.storage.dialect``).
    """

    # Which migrations apply: ``NNNN_name.<dialect>.sql`` replaces ``NNNN_name.sql``.
    dialect = "sqlite"

    def __init__(self, location: str) -> None:
        # Where the database is, for messages (a URL without its password).
        self.location = location
        self._write_lock = asyncio.Lock()
        # The current task's transaction: nested use in that task joins it, any
        # other task waits for the lock.
        self._transaction: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
            f"transaction_{id(self)}", default=None
        )

    @classmethod
    async def open(cls, location: Path | str) -> Database:
        """Open (creating if needed) and migrate the database at ``location``: an SQLite
        file's path, or a ``postgresql://`` URL."""
        if is_postgres_url(location):
            # Imported here: asyncpg is an optional dependency (extra "postgresql").
            try:
                from node.storage.postgres import PostgresDatabase
            except ImportError as exc:
                raise ConfigError(
                    f"a PostgreSQL database needs asyncpg ({exc}): "
                    "pip install 'samenspraak[postgresql]'"
                ) from exc

            return await PostgresDatabase.connect(str(location))
        return await SQLiteDatabase.connect(Path(location))

    async def close(self) -> None:
        """Close the connections; pending writes are already committed."""
        raise NotImplementedError

    async def migrate(self) -> list[int]:
        """Apply the numbered migrations not applied yet; return their numbers."""
        applied: list[int] = []
        async with self.transaction():
            await self._prepare_migrations()
            rows = await self.fetch_all("SELECT version FROM schema_migrations")
            done = {r[0] for r in rows}
            migrations = _migrations(self.dialect)
            unknown = sorted(done - {version for version, _, _ in migrations})
            if unknown:
                raise NewerDatabase(
                    f"{self.location} was written by a newer Samenspraak (its migration "
                    f"{unknown[-1]:04d} is not in this one, which ends at "
                    f"{migrations[-1][0]:04d}); upgrade Samenspraak, or restore a backup "
                    "made with this version"
                )
        for version, name, sql in migrations:
            if version in done:
                continue
            async with self.transaction():
                await self._apply_migration(name, sql)
                await self.execute("INSERT INTO schema_migrations (version) VALUES (?)", (version,))
            log.info("applied migration %s", name)
            applied.append(version)
        return applied

    async def _prepare_migrations(self) -> None:
        """Create the table of applied migrations, in the open transaction."""
        raise NotImplementedError

    async def _apply_migration(self, name: str, sql: str) -> None:
        """Run one migration's statements in the open transaction."""
        raise NotImplementedError

    def in_write_transaction(self) -> bool:
        """Whether the current task has a write transaction open (and holds the write lock)."""
        return self._open_transaction() is not None

    async def after_transaction(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the current transaction ends, committed or rolled back,
        outside it (now when none is open).

        For what must happen whatever becomes of the writes around it: the Reject
        that answers a refused activity, whose own effects roll back.
        """
        current = self._current()
        if current is None:
            await action()
        else:
            current.after_end.append(action)

    # Whether other processes use the database at the same time: an SQLite node has one
    # serving process (node/cli/directory_lock.py); a PostgreSQL one any number
    # (``samenspraak serve --workers``, ``samenspraak worker``).
    shared = False

    def skip_locked(self, alias: str) -> str:
        """The end of a query that claims jobs: on a shared database the rows of ``alias``
        another process is claiming right now are skipped, not waited for."""
        return ""

    async def serialise_claims(self, name: str) -> None:
        """In the open transaction: wait until no other process claims ``name``'s jobs,
        and keep them from it until the transaction ends. A process alone has nothing
        to wait for (its transactions already exclude each other)."""

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Whether this process alone runs ``name`` for the block: False when another
        process runs it now. Held until the block ends or the process dies."""
        yield True

    async def announce(self, channel: str) -> None:
        """Tell the processes listening on ``channel`` (``listening``) that there is work,
        once the open transaction commits (now when none is open). A process alone has
        nobody to tell: it wakes its own parts with ``after_commit``."""

    @asynccontextmanager
    async def listening(self, channel: str, heard: Callable[[], None]) -> AsyncIterator[None]:
        """Call ``heard`` whenever another process announces on ``channel``, for the block."""
        yield

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the current transaction commits (now when none is open).

        A rolled-back transaction drops its callbacks: what they announce never happened.
        """
        current = self._current()
        if current is None:
            callback()
        else:
            current.after_commit.append(callback)

    @asynccontextmanager
    async def transaction(self, *, inline: bool = False) -> AsyncIterator[None]:
        """Run the enclosed writes as one transaction; nested use joins the outer one.

        ``inline=True`` is for a transaction of a few statements by an indexed key
        that awaits nothing but this database: SQLite runs it on the event loop's
        thread, without a hand-off to aiosqlite's thread per statement, unless
        another process holds the write lock (then it runs as an ordinary transaction).
        """
        current = self._current()
        if current is not None:
            await self._open_deferred(current)
            yield
            return
        txn = _Transaction(deferred=False)
        async with _Scope(self, txn):
            await self._begin(txn, inline=inline)
            yield

    def deferred_transaction(self) -> AbstractAsyncContextManager[object]:
        """One transaction for the enclosed code, begun only by its first write.

        Reads before the first write go through as outside a transaction (and the
        code may use the network then); the first write takes the write lock and
        begins the transaction, inline when it can, so from then on the code must
        await nothing but this database. Everything commits at the end, or rolls
        back on an exception. Used around an inbox handler, whose effects and inbox
        log entry commit together. Nested in a transaction, it joins that one.
        """
        if self._current() is not None:
            return nullcontext()
        # A plain object, not a generator: this wraps every inbox POST.
        return _Scope(self, _Transaction(deferred=True))

    async def _finish_scope(
        self,
        txn: _Transaction,
        token: contextvars.Token[_Transaction | None],
        *,
        failed: bool,
    ) -> None:
        """End a scope's transaction (rolled back when ``failed``), leave the scope, then
        run what waits for its end."""
        try:
            await self._end(txn, commit=not failed)
        finally:
            txn.finished = True
            self._transaction.reset(token)
        if not failed:
            for callback in txn.after_commit:
                callback()
        for action in txn.after_end:
            await action()

    def _current(self) -> _Transaction | None:
        txn = self._transaction.get()
        return None if txn is None or txn.finished else txn

    def _open_transaction(self) -> _Transaction | None:
        txn = self._current()
        return txn if txn is not None and txn.open else None

    async def _open_deferred(self, txn: _Transaction) -> None:
        if not txn.open:
            # A handler's writes are a few rows by key: the inline connection fits them.
            await self._begin(txn, inline=True)

    async def _begin(self, txn: _Transaction, *, inline: bool) -> None:
        """Take the write lock and begin the transaction (``_start``)."""
        await self._write_lock.acquire()
        try:
            await self._start(txn, inline=inline)
        except BaseException:
            self._write_lock.release()
            raise
        txn.open = True

    async def _start(self, txn: _Transaction, *, inline: bool) -> None:
        """Begin ``txn`` on the database, holding the write lock."""
        raise NotImplementedError

    async def _end(self, txn: _Transaction, *, commit: bool) -> None:
        """COMMIT or ROLLBACK an open transaction and release the write lock."""
        if not txn.open:
            if not commit:
                txn.after_commit.clear()
            return
        committed = False
        try:
            committed = await self._stop(txn, commit=commit)
        finally:
            txn.open = False
            if not committed:
                txn.after_commit.clear()
            self._write_lock.release()
        await self._ended(txn)

    async def _stop(self, txn: _Transaction, *, commit: bool) -> bool:
        """Commit ``txn`` (when ``commit``) or roll it back; whether it committed.
        A failed commit rolls back and raises."""
        raise NotImplementedError

    async def _ended(self, txn: _Transaction) -> None:
        """What follows a transaction's end, outside the write lock."""

    async def _joined(self) -> _Transaction | None:
        """The open transaction a write joins; a deferred scope's first write opens it."""
        txn = self._current()
        if txn is None:
            return None
        await self._open_deferred(txn)
        return txn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; return the row id of the row it inserted (0 when none).
        Outside a transaction it commits alone."""
        raise NotImplementedError

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; return how many rows it changed."""
        raise NotImplementedError

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows."""
        raise NotImplementedError

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        raise NotImplementedError

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        raise NotImplementedError

    async def lookup(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a point lookup by an indexed key, or None.

        Only for reads that touch a handful of rows. Inside a transaction they see
        its own uncommitted writes; outside, everything committed.
        """
        return await self.fetch_one(sql, params)

    async def write_row(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a write of a single row by its key; return how many rows it changed.
        Inside a transaction it joins it."""
        return await self.execute_rowcount(sql, params)

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return row[0] if row is not None else None

    @asynccontextmanager
    async def _write_guard(self, joined: _Transaction | None) -> AsyncIterator[None]:
        if joined is not None:
            yield
        else:
            async with self._write_lock:
                yield


class SQLiteDatabase(Database):
    """An SQLite file in WAL mode, with the inline connection of the hot path
    (module docstring)."""

    def __init__(
        self, connection: aiosqlite.Connection, path: Path, inline: sqlite3.Connection
    ) -> None:
        super().__init__(str(path))
        self._conn = connection
        self._inline = inline
        self._inline_writes = 0
        self.path = path

    @classmethod
    async def connect(cls, path: Path) -> SQLiteDatabase:
        """Open (creating if needed) and migrate the database at ``path``."""
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            # SQLite opens a file it may not write read-only without a word, and the
            # first write would fail much later; writing the header now fails at once.
            [(version,)] = await conn.execute_fetchall("PRAGMA user_version")
            await conn.execute(f"PRAGMA user_version = {int(version)}")
            db = cls(conn, path, _open_inline(path))
            await db.migrate()
        except BaseException:
            # The connection's thread would keep the process alive after the error.
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connections; pending writes are already committed."""
        self._inline.close()
        await self._conn.close()

    async def _prepare_migrations(self) -> None:
        await self.execute(_MIGRATIONS_TABLE)

    async def _apply_migration(self, name: str, sql: str) -> None:
        # executescript would COMMIT on its own; run statement by statement instead.
        for statement in _split_sql(sql):
            await self.execute(statement)

    def _on_inline(self) -> bool:
        txn = self._open_transaction()
        return txn is not None and txn.inline

    async def _start(self, txn: _Transaction, *, inline: bool) -> None:
        """BEGIN IMMEDIATE, inline when asked and no other process holds SQLite's write lock."""
        if inline and self._begin_inline():
            txn.inline = True
        else:
            await self._conn.execute("BEGIN IMMEDIATE")

    def _begin_inline(self) -> bool:
        try:
            self._inline.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            return False
        return True

    async def _stop(self, txn: _Transaction, *, commit: bool) -> bool:
        try:
            if commit:
                try:
                    await self._commit(txn)
                except asyncio.CancelledError:
                    # The COMMIT went through (``_commit``): only the task was cancelled.
                    raise
                except BaseException:
                    commit = False
                    raise
        finally:
            # Some errors (a full disk) have rolled the transaction back already.
            connection = self._inline if txn.inline else self._conn
            if not commit and connection.in_transaction:
                await self._run_on(txn, "ROLLBACK")
        return commit

    async def _ended(self, txn: _Transaction) -> None:
        if txn.inline:
            self._inline_writes += 1
            if self._inline_writes % _CHECKPOINT_EVERY == 0:
                await self._checkpoint()

    async def _commit(self, txn: _Transaction) -> None:
        """COMMIT, run to its end even when the task is cancelled meanwhile.

        aiosqlite's thread goes on with a statement whose awaiting task was cancelled;
        a ROLLBACK sent after it would find no transaction (the COMMIT had run) and
        fail. So the COMMIT is awaited to its end, its own error raised if it failed,
        and only then the cancellation passed on.
        """
        step = asyncio.ensure_future(self._run_on(txn, "COMMIT"))
        cancelled = False
        while not step.done():
            try:
                await asyncio.shield(step)
            except asyncio.CancelledError:
                cancelled = True
        step.result()
        if cancelled:
            raise asyncio.CancelledError

    async def _run_on(self, txn: _Transaction, statement: str) -> None:
        if txn.inline:
            self._inline.execute(statement)
        else:
            await self._conn.execute(statement)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; return the last row id. Outside a transaction it commits alone."""
        txn = await self._joined()
        if txn is not None and txn.inline:
            return self._inline.execute(sql, params).lastrowid or 0
        async with self._write_guard(txn):
            cursor = await self._conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; return how many rows it changed."""
        txn = await self._joined()
        if txn is not None and txn.inline:
            return self._inline.execute(sql, params).rowcount
        async with self._write_guard(txn):
            cursor = await self._conn.execute(sql, params)
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows."""
        txn = await self._joined()
        if txn is not None and txn.inline:
            self._inline.executemany(sql, rows)
            return
        async with self._write_guard(txn):
            await self._conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        # One trip to the database thread instead of three (execute, fetchone, close):
        # these lookups run once per inbox POST and per delivery.
        if self._on_inline():
            return next(iter(self._inline.execute(sql, params).fetchall()), None)
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def lookup(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a point lookup by an indexed key, or None.

        Only for reads that touch a handful of rows: outside a transaction they run
        on the event loop's thread and see everything committed (by this node or
        another process, such as the CLI). Inside a transaction they go through the
        transaction's connection, so they see its own uncommitted writes.
        """
        # Another task's inline transaction is open on that connection: read what is
        # committed, through aiosqlite's.
        if self.in_write_transaction() or self._inline.in_transaction:
            return await self.fetch_one(sql, params)
        try:
            # fetchall, not fetchone: an unfinished statement would keep its read snapshot open.
            return next(iter(self._inline.execute(sql, params).fetchall()), None)
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
        return await self.fetch_one(sql, params)

    async def write_row(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a write of a single row; return how many rows it changed.

        Only for statements that touch one row by its key. Outside a transaction
        they run on the event loop's thread and commit alone, unless another
        process holds the write lock: then they wait for it on aiosqlite's thread
        as ``execute`` does. Inside a transaction they join it.
        """
        if self._current() is not None:
            return await self.execute_rowcount(sql, params)
        async with self._write_lock:
            try:
                changed = self._inline.execute(sql, params).rowcount
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                # Nothing was written: the statement waits its turn on the database thread.
                return (await self._conn.execute(sql, params)).rowcount
            self._inline_writes += 1
        if self._inline_writes % _CHECKPOINT_EVERY == 0:
            await self._checkpoint()
        return changed

    async def _checkpoint(self) -> None:
        # Outside the write lock: a passive checkpoint holds up no writer, so other
        # POSTs keep writing while this one waits for the file to be synced.
        try:
            await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.OperationalError as exc:
            # SQLite refuses while a transaction is open on that connection; the next
            # checkpoint copies these pages too. (write_row queues the statement before
            # another task can begin a transaction, so this is a safeguard.)
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_LOCKED:
                raise

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        if self._on_inline():
            return self._inline.execute(sql, params).fetchall()
        return list(await self._conn.execute_fetchall(sql, params))


# Locked by another process, or the disk full: conditions that pass.
_TRY_LATER = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL})
# Seconds a peer or app is asked to wait; Mastodon retries deliveries on its own schedule.
RETRY_WHEN_UNAVAILABLE = 30


def _open_inline(path: Path) -> sqlite3.Connection:
    # check_same_thread=False: the connection is used only by the loop's thread,
    # which need not be the thread that opened the database.
    inline = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    inline.row_factory = sqlite3.Row
    inline.execute("PRAGMA synchronous=NORMAL")
    inline.execute("PRAGMA foreign_keys=ON")
    inline.execute("PRAGMA busy_timeout=0")
    inline.execute("PRAGMA wal_autocheckpoint=0")
    return inline


def database_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an error of either backend's database (or its connection)."""
    if isinstance(exc, sqlite3.Error):
        return True
    # asyncpg is imported only with a PostgreSQL database: without it, no error is its.
    return "asyncpg" in sys.modules and _postgres().database_error(exc)


def unavailable(exc: BaseException) -> Unavailable | None:
    """The refusal for a database that is locked by another process, full or (PostgreSQL)
    out of reach, or None for any other error: these pass, and what failed was rolled
    back, so a peer or an app retries rather than being told of a fault."""
    if isinstance(exc, sqlite3.OperationalError):
        passing = getattr(exc, "sqlite_errorcode", 0) & 0xFF in _TRY_LATER
    else:
        passing = "asyncpg" in sys.modules and _postgres().passing(exc)
    if not passing:
        return None
    return Unavailable(
        "the node cannot write right now; nothing was changed, try again shortly",
        RETRY_WHEN_UNAVAILABLE,
        detail=str(exc),
    )


def _postgres() -> ModuleType:
    from node.storage import postgres

    return postgres


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


def is_postgres_url(location: Path | str) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)


def shipped_versions() -> list[int]:
    """The numbers of the migrations this code ships, in order."""
    return [version for version, _, _ in _migrations("sqlite")]


def _migrations(dialect: str) -> list[tuple[int, str, str]]:
    """Every migration this code ships for ``dialect``: number, file name and SQL, in
    order. ``NNNN_name.<dialect>.sql`` replaces ``NNNN_name.sql`` for that dialect."""
    folder = resources.files("node.storage") / "migrations"
    found: dict[int, tuple[str, str]] = {}
    variants: dict[int, tuple[str, str]] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        stem, dot, kind = entry.name.removesuffix(".sql").partition(".")
        version = int(stem.split("_", 1)[0])
        text = entry.read_text(encoding="utf-8")
        if dot:
            if kind == dialect:
                variants[version] = (entry.name, text)
            continue
        if version in found:
            # Two branches that each took the next number: say so before any is applied.
            raise RuntimeError(
                f"two migrations are numbered {version:04d}: {found[version][0]}, {entry.name}"
            )
        found[version] = (entry.name, text)
    found.update((version, variant) for version, variant in variants.items() if version in found)
    return sorted((version, name, sql) for version, (name, sql) in found.items())


def _split_sql(script: str) -> list[str]:
    # A statement ends where SQLite says it is complete, so a trigger's
    # BEGIN ... END body, with semicolons inside, stays one statement.
    statements: list[str] = []
    pending = ""
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        pending += line + "\n"
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().rstrip(";").strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return [s for s in statements if s]


def without_password(url: str) -> str:
    """``url`` as it may be shown or logged: without a password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
