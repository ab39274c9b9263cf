"""A database locked by another process (or full) is a passing condition: peers and apps
get 503 with ``Retry-After``, nothing is half-written, and the retry succeeds. On
PostgreSQL too: a write waits for the lock as long as SQLite's does, then passes."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import asyncpg

from node.runner import RunningNode
from node.storage.database import RETRY_WHEN_UNAVAILABLE, SQLiteDatabase
from tests.integration.conftest import StartNode, StartPeer
from tests.integration.test_inbox_refusals import note_by, stored_rows


@asynccontextmanager
async def locked(running: RunningNode) -> AsyncIterator[None]:
    """Another process's write transaction on the node's database, held for the block."""
    db = running.node.db
    if isinstance(db, SQLiteDatabase):
        other = sqlite3.connect(db.path, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            yield
            other.execute("ROLLBACK")
        finally:
            other.close()
        return
    # PostgreSQL: every table locked against writes (reads go on, as in SQLite's WAL
    # mode); the node's writes wait for lock_timeout, then pass.
    connection = await asyncpg.connect(db.location)
    try:
        async with connection.transaction():
            tables = [
                r[0]
                for r in await connection.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ]
            await connection.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


async def test_an_inbox_post_to_a_locked_database_gets_503_and_its_retry_is_stored(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    activity = note_by(mastodon, alice)
    await mastodon.post(alice, f"{wijk.base_url}/inbox", note_by(mastodon, alice))
    before = await stored_rows(wijk)

    async with locked(wijk):
        answer = await mastodon.post(alice, f"{wijk.base_url}/inbox", activity)

    assert answer.status == 503, answer.body
    assert "try again" in answer.body["error"]
    assert await stored_rows(wijk) == before
    retried = await mastodon.post(alice, f"{wijk.base_url}/inbox", activity)
    assert retried.status == 202, retried.body
    assert await wijk.node.objects.record(activity["object"]["id"]) is not None


async def test_the_client_api_answers_503_with_retry_after_while_the_database_is_locked(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    app = {"client_name": "Buurtapp", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    async with aiohttp.ClientSession() as http:
        async with locked(wijk):
            async with http.post(f"{wijk.base_url}/api/v1/apps", json=app) as answer:
                assert answer.status == 503
                assert answer.headers["Retry-After"] == str(RETRY_WHEN_UNAVAILABLE)
                assert "try again" in (await answer.json())["error"]
        assert await wijk.node.db.fetch_value("SELECT COUNT(*) FROM oauth_apps") == 0
        async with http.post(f"{wijk.base_url}/api/v1/apps", json=app) as again:
            assert again.status == 200
