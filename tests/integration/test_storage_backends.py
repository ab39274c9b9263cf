"""What the repositories count on from the database, the same on SQLite and PostgreSQL
(the suite runs on each: ``--db=sqlite``, ``--db=postgresql``): ids of inserted rows,
ignored duplicates, case-insensitive names and LIKE, insertion order by rowid, whole
sums, rows by name and position, and transactions that commit or roll back whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.storage.client_state import IdempotencyRepository
from node.storage.database import Database
from node.storage.paging import PageRequest
from node.storage.reactions import ReactionRepository


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "samenspraak.sqlite3")
    yield database
    await database.close()


async def add_actor(db: Database, username: str) -> int:
    return await db.execute(
        "INSERT INTO local_actors (uri, username, kind, as_type, display_name,"
        " private_key_pem, public_key_pem, created_at) VALUES (?, ?, 'person', 'Person', ?,"
        " 'k', 'k', '2026-01-01')",
        (f"https://n.example/actors/{username}", username, username.title()),
    )


async def test_an_insert_returns_its_row_id_and_rows_read_by_name_and_position(
    db: Database,
) -> None:
    first = await add_actor(db, "anna")
    second = await add_actor(db, "bram")
    assert second == first + 1
    row = await db.fetch_one("SELECT id, username FROM local_actors WHERE id = ?", (second,))
    assert row is not None
    assert (row[0], row["username"]) == (second, "bram")
    assert [tuple(r) for r in await db.fetch_all("SELECT username FROM local_actors")] == [
        ("anna",),
        ("bram",),
    ]


async def test_user_names_are_one_whatever_their_case(db: Database) -> None:
    await add_actor(db, "Anna")
    row = await db.fetch_one("SELECT username FROM local_actors WHERE username = ?", ("anna",))
    assert row is not None and row[0] == "Anna"
    with pytest.raises(Exception, match=r"(?i)unique"):
        await add_actor(db, "ANNA")
    found = await db.fetch_all(
        "SELECT username FROM local_actors WHERE display_name LIKE ?", ("%ANN%",)
    )
    assert [r[0] for r in found] == ["Anna"]


async def test_a_duplicate_is_ignored_and_rows_come_in_insertion_order(db: Database) -> None:
    reactions = ReactionRepository(db)
    assert await reactions.add_like("https://a.example/like/2", "https://a.example/u", "o2")
    assert await reactions.add_like("https://a.example/like/1", "https://a.example/u", "o1")
    assert not await reactions.add_like("https://a.example/like/3", "https://a.example/u", "o1")
    liked = await reactions.liked_by("https://a.example/u", PageRequest())
    assert [object_id for _, object_id in liked] == ["o1", "o2"]


async def test_an_idempotency_key_maps_to_its_latest_post(db: Database) -> None:
    actor = await add_actor(db, "anna")
    state = IdempotencyRepository(db)
    await state.remember(actor, "key", "https://n.example/objects/1")
    await state.remember(actor, "key", "https://n.example/objects/2")
    assert await state.earlier(actor, "key") == "https://n.example/objects/2"


async def test_sums_are_whole_numbers_and_counts_are_kept_by_the_database(db: Database) -> None:
    await db.execute(
        "INSERT INTO questions (uri, process_uri, proposal_uri, options, opened_at, end_time)"
        " VALUES ('q', 'p', 'pr', '[]', 't', 't')"
    )
    for voter, option in (("a", "yes"), ("b", "yes"), ("c", "no")):
        await db.execute(
            "INSERT INTO votes (question_uri, voter, option, vote_id, cast_at)"
            " VALUES ('q', ?, ?, ?, 't')",
            (voter, option, f"v{voter}"),
        )
    await db.execute("UPDATE votes SET option = 'no' WHERE voter = 'a'")
    await db.execute("DELETE FROM votes WHERE voter = 'c'")
    counts = await db.fetch_all(
        "SELECT option, voters FROM vote_counts WHERE question_uri = 'q' ORDER BY option"
    )
    assert [tuple(r) for r in counts] == [("no", 1), ("yes", 1)]
    total = await db.fetch_value("SELECT SUM(voters) FROM vote_counts")
    assert total == 2 and isinstance(total, int)


async def test_a_transaction_commits_whole_or_not_at_all(db: Database) -> None:
    committed: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await add_actor(db, "anna")
            db.after_commit(lambda: committed.append("anna"))
            assert db.in_write_transaction()
            raise RuntimeError("undone")
    async with db.transaction():
        await add_actor(db, "bram")
        db.after_commit(lambda: committed.append("bram"))
        assert await db.fetch_value("SELECT COUNT(*) FROM local_actors") == 1
    assert not db.in_write_transaction()
    assert committed == ["bram"]
    rows = await db.fetch_all("SELECT username FROM local_actors")
    assert [r[0] for r in rows] == ["bram"]
