"""Copying an SQLite node's database into PostgreSQL (``samenspraak migrate-to-postgres``).

The SQLite database is brought up to this code's migrations first, and the
PostgreSQL one migrated to the same; then every table is copied in one
PostgreSQL transaction, parents before the tables that refer to them, with
every row's id (and SQLite's rowid, where a table orders by it) as it was.
Before that transaction commits, the copy is checked: the same number of rows
in every table, and every tally recounted from the copied votes, supports and
ballots equal to the one counted from SQLite's. Any difference rolls it all
back, and the PostgreSQL database stays empty.

The running counts the database keeps itself (``vote_counts``, by triggers on
``votes``) are copied last, over what the triggers counted while the votes
were copied, so they are exactly SQLite's, and the recount checks them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.storage.database import SQLiteDatabase
from node.storage.postgres import PostgresDatabase

# Rows read from SQLite and written to PostgreSQL at a time.
_BATCH = 5000
# Tables the database writes itself, by triggers on the tables they count.
_KEPT_BY_TRIGGERS = ("vote_counts",)
# Every tally, counted from the rows it counts: (what, query). The same query runs
# on both databases; the counts the database keeps are compared with the first.
_TALLIES = (
    (
        "votes per question and option",
        "SELECT question_uri, option, COUNT(*) FROM votes GROUP BY question_uri, option",
    ),
    (
        "supports per proposal",
        "SELECT proposal_uri, '', COUNT(*) FROM supports GROUP BY proposal_uri",
    ),
    (
        "budget picks per round and proposal",
        "SELECT process_uri, proposal_uri, COUNT(*) FROM ballot_picks"
        " GROUP BY process_uri, proposal_uri",
    ),
)
_KEPT_COUNTS = "SELECT question_uri, option, voters FROM vote_counts WHERE voters > 0"


class CopyError(Exception):
    """A copy that cannot be made, or that differs from its source; nothing was kept."""


@dataclass(frozen=True)
class CopyReport:
    """What was copied: rows per table, and the tallies recounted equal."""

    rows: dict[str, int]
    tallies: dict[str, int]


async def copy_to_postgres(source: Path, url: str) -> CopyReport:
    """Copy the SQLite database at ``source`` into the empty PostgreSQL database at ``url``."""
    sqlite = await SQLiteDatabase.connect(source)
    try:
        target = await PostgresDatabase.connect(url)
        try:
            return await _copy(sqlite, target)
        finally:
            await target.close()
    finally:
        await sqlite.close()


async def _copy(sqlite: SQLiteDatabase, target: PostgresDatabase) -> CopyReport:
    tables = await target.tables()
    sqlite_tables = {
        r[0]
        for r in await sqlite.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            " AND name <> 'schema_migrations'"
        )
    }
    if sqlite_tables != set(tables):
        raise CopyError(
            "the two databases have different tables after migrating: "
            f"only in SQLite {sorted(sqlite_tables - set(tables))}, "
            f"only in PostgreSQL {sorted(set(tables) - sqlite_tables)}"
        )
    rows: dict[str, int] = {}
    async with target.transaction():
        for table in tables:
            if await target.fetch_value(f"SELECT COUNT(*) FROM {table}"):
                raise CopyError(
                    f"{target.location} is not empty (its table {table} has rows); "
                    "copy into a new, empty database"
                )
        order = [t for t in tables if t not in _KEPT_BY_TRIGGERS]
        order += [t for t in tables if t in _KEPT_BY_TRIGGERS]
        for table in order:
            if table in _KEPT_BY_TRIGGERS:
                await target.execute(f"DELETE FROM {table}")
            rows[table] = await _copy_table(sqlite, target, table)
        await target.restart_identities()
        await _check_counts(sqlite, target, rows)
        tallies = await _check_tallies(sqlite, target)
    return CopyReport(rows, tallies)


async def _copy_table(sqlite: SQLiteDatabase, target: PostgresDatabase, table: str) -> int:
    """Copy one table's rows in batches by rowid; return how many."""
    columns = await target.columns(table)
    convert = [_converter(kind) for kind in columns.values()]
    select = f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid > ? ORDER BY rowid"
    copied = 0
    last = -(2**63)
    while True:
        batch = await sqlite.fetch_all(f"{select} LIMIT {_BATCH}", (last,))
        if not batch:
            return copied
        last = batch[-1][0]
        await target.copy_rows(
            table,
            list(columns),
            [tuple(c(v) for c, v in zip(convert, tuple(row)[1:], strict=True)) for row in batch],
        )
        copied += len(batch)


def _converter(kind: str) -> Callable[[Any], Any]:
    """What a value SQLite holds becomes for a PostgreSQL column of type ``kind``: SQLite
    keeps a whole number in a REAL column as an integer, for one."""
    cast: Callable[[Any], Any] = {"bigint": int, "double precision": float}.get(kind, str)

    def convert(value: Any) -> Any:
        return None if value is None else cast(value)

    return convert


async def _check_counts(
    sqlite: SQLiteDatabase, target: PostgresDatabase, rows: dict[str, int]
) -> None:
    for table, copied in rows.items():
        source = await sqlite.fetch_value(f"SELECT COUNT(*) FROM {table}")
        stored = await target.fetch_value(f"SELECT COUNT(*) FROM {table}")
        if not source == copied == stored:
            raise CopyError(
                f"{table}: {source} rows in SQLite, {copied} copied, {stored} in PostgreSQL; "
                "nothing was kept"
            )


async def _check_tallies(sqlite: SQLiteDatabase, target: PostgresDatabase) -> dict[str, int]:
    """Recount every tally on both sides; return how many counts agree, per kind."""
    agreed: dict[str, int] = {}
    for what, query in _TALLIES:
        source = await _counts(sqlite, query)
        copied = await _counts(target, query)
        if source != copied:
            raise CopyError(f"{what} differ after copying; nothing was kept")
        agreed[what] = len(source)
    votes = await _counts(target, _TALLIES[0][1])
    kept = await _counts(target, _KEPT_COUNTS)
    if kept != votes:
        raise CopyError("the running vote counts differ from a recount of the votes")
    return agreed


async def _counts(db: SQLiteDatabase | PostgresDatabase, query: str) -> dict[tuple[str, str], int]:
    return {(r[0], r[1]): int(r[2]) for r in await db.fetch_all(query)}
