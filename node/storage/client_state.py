"""What the client API keeps besides posts: account ids, idempotency keys and markers."""

from __future__ import annotations

from dataclasses import dataclass

from node.clock import epoch_now, iso_now
from node.storage.database import Database

# Mastodon keeps idempotency keys for an hour: a retried post within it is the same post.
IDEMPOTENCY_WINDOW = 3600.0


class AccountIdRepository:
    """Client API account ids: a sortable integer per actor id, given out on first use."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def id_for(self, uri: str) -> int:
        """The account id of an actor, assigned now when it has none."""
        found = await self._db.fetch_value("SELECT id FROM api_account_ids WHERE uri = ?", (uri,))
        if found is not None:
            return int(found)
        await self._db.execute("INSERT OR IGNORE INTO api_account_ids (uri) VALUES (?)", (uri,))
        return int(
            await self._db.fetch_value("SELECT id FROM api_account_ids WHERE uri = ?", (uri,))
        )

    async def uri_for(self, account_id: int) -> str | None:
        """The actor behind an account id."""
        return await self._db.fetch_value(
            "SELECT uri FROM api_account_ids WHERE id = ?", (account_id,)
        )


class IdempotencyRepository:
    """Idempotency-Key headers of posts, so a retried request does not post twice."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def earlier(self, actor_id: int, key: str) -> str | None:
        """The object posted under this key within the window, if any."""
        return await self._db.fetch_value(
            "SELECT object_uri FROM idempotency_keys WHERE actor_id = ? AND key = ?"
            " AND created_at > ?",
            (actor_id, key, epoch_now() - IDEMPOTENCY_WINDOW),
        )

    async def remember(self, actor_id: int, key: str, object_uri: str) -> None:
        """Tie a key to the object it created; keys past the window are dropped."""
        await self._db.execute(
            "DELETE FROM idempotency_keys WHERE created_at < ?",
            (epoch_now() - IDEMPOTENCY_WINDOW,),
        )
        await self._db.execute(
            "INSERT INTO idempotency_keys (actor_id, key, object_uri, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (actor_id, key) DO UPDATE"
            " SET object_uri = excluded.object_uri, created_at = excluded.created_at",
            (actor_id, key, object_uri, epoch_now()),
        )


@dataclass(frozen=True)
class Marker:
    """Where a resident stopped reading a timeline."""

    timeline: str
    last_read_id: str
    version: int
    updated_at: str


class MarkerRepository:
    """Reading positions per account and timeline."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def markers(self, actor_id: int, timelines: list[str]) -> list[Marker]:
        """The markers of the given timelines that were ever set."""
        rows = await self._db.fetch_all(
            "SELECT timeline, last_read_id, version, updated_at FROM markers"
            f" WHERE actor_id = ? AND timeline IN ({', '.join('?' * len(timelines))})",
            (actor_id, *timelines),
        )
        return [Marker(r[0], r[1], r[2], r[3]) for r in rows]

    async def save(self, actor_id: int, timeline: str, last_read_id: str) -> None:
        """Move a marker; every move raises its version."""
        await self._db.execute(
            "INSERT INTO markers (actor_id, timeline, last_read_id, version, updated_at)"
            " VALUES (?, ?, ?, 1, ?) ON CONFLICT (actor_id, timeline) DO UPDATE SET"
            " last_read_id = excluded.last_read_id, version = markers.version + 1,"
            " updated_at = excluded.updated_at",
            (actor_id, timeline, last_read_id, iso_now()),
        )
