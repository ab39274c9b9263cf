"""Likes and announces, local and remote."""

from __future__ import annotations

from node.clock import iso_now
from node.storage.database import Database
from node.storage.paging import PageRequest, fetch_page


class ReactionRepository:
    """Implements federation's ReactionStore over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_like(self, activity_id: str, actor: str, object_id: str) -> bool:
        """Record a like once per actor and object."""
        count = await self._db.execute_rowcount(
            "INSERT OR IGNORE INTO likes (activity_id, actor, object, created_at)"
            " VALUES (?, ?, ?, ?)",
            (activity_id, actor, object_id, iso_now()),
        )
        return count > 0

    async def remove_like(self, actor: str, object_or_like_id: str) -> bool:
        """Undo a like, named by its object or by its own activity id."""
        count = await self._db.execute_rowcount(
            "DELETE FROM likes WHERE actor = ? AND (object = ? OR activity_id = ?)",
            (actor, object_or_like_id, object_or_like_id),
        )
        return count > 0

    async def like_id(self, actor: str, object_id: str) -> str | None:
        """The id of ``actor``'s Like of an object, if there is one."""
        return await self._db.fetch_value(
            "SELECT activity_id FROM likes WHERE actor = ? AND object = ?", (actor, object_id)
        )

    async def likes_of(self, object_id: str) -> list[str]:
        """Actors who like an object."""
        rows = await self._db.fetch_all(
            "SELECT actor FROM likes WHERE object = ? ORDER BY created_at", (object_id,)
        )
        return [r[0] for r in rows]

    async def liked_by(self, actor: str, page: PageRequest) -> list[tuple[int, str]]:
        """(like row id, object) of what an actor likes, newest first: the row ids page."""
        rows = await fetch_page(
            self._db,
            "SELECT rowid, object FROM likes",
            ["actor = ?"],
            [actor],
            page,
            id_column="rowid",
        )
        return [(r[0], r[1]) for r in rows]

    async def add_announce(self, activity_id: str, actor: str, object_id: str) -> bool:
        """Record an announce."""
        count = await self._db.execute_rowcount(
            "INSERT OR IGNORE INTO announces (activity_id, actor, object, created_at)"
            " VALUES (?, ?, ?, ?)",
            (activity_id, actor, object_id, iso_now()),
        )
        return count > 0

    async def remove_announce(self, activity_id: str, actor: str) -> bool:
        """Undo an announce."""
        count = await self._db.execute_rowcount(
            "DELETE FROM announces WHERE activity_id = ? AND actor = ?", (activity_id, actor)
        )
        return count > 0

    async def announce_id(self, actor: str, object_id: str) -> str | None:
        """The id of ``actor``'s Announce of an object, if there is one."""
        return await self._db.fetch_value(
            "SELECT activity_id FROM announces WHERE actor = ? AND object = ?", (actor, object_id)
        )

    async def announces_of(self, object_id: str) -> list[str]:
        """Actors who announced an object."""
        rows = await self._db.fetch_all(
            "SELECT actor FROM announces WHERE object = ? ORDER BY created_at", (object_id,)
        )
        return [r[0] for r in rows]
