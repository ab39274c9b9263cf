"""Who follows whom, and in which state."""

from __future__ import annotations

from federation.ports import Follow
from node.clock import iso_now
from node.storage.database import Database, Row


def _follow(row: Row) -> Follow:
    return Follow(row["follower"], row["followed"], row["activity_id"], row["state"])


class FollowRepository:
    """Implements federation's FollowStore over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def follow_by_activity(self, activity_id: str) -> Follow | None:
        """The follow created by a Follow activity."""
        row = await self._db.fetch_one(
            "SELECT * FROM follows WHERE activity_id = ?", (activity_id,)
        )
        return _follow(row) if row else None

    async def follow_between(self, follower: str, followed: str) -> Follow | None:
        """The follow of ``followed`` by ``follower``."""
        row = await self._db.fetch_one(
            "SELECT * FROM follows WHERE follower = ? AND followed = ?", (follower, followed)
        )
        return _follow(row) if row else None

    async def save_follow(self, follow: Follow) -> None:
        """Insert or replace a follow relation."""
        now = iso_now()
        await self._db.execute(
            "INSERT INTO follows (follower, followed, activity_id, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (follower, followed) DO UPDATE SET"
            " activity_id = excluded.activity_id, state = excluded.state,"
            " updated_at = excluded.updated_at",
            (follow.follower, follow.followed, follow.activity_id, follow.state, now, now),
        )

    async def set_follow_state(self, follower: str, followed: str, state: str) -> None:
        """Change the state of a follow."""
        await self._db.execute(
            "UPDATE follows SET state = ?, updated_at = ? WHERE follower = ? AND followed = ?",
            (state, iso_now(), follower, followed),
        )

    async def remove_follow(self, follower: str, followed: str) -> bool:
        """Remove a follow."""
        return (
            await self._db.execute_rowcount(
                "DELETE FROM follows WHERE follower = ? AND followed = ?", (follower, followed)
            )
            > 0
        )

    async def followers_of(self, actor_id: str) -> list[str]:
        """Accepted followers."""
        rows = await self._db.fetch_all(
            "SELECT follower FROM follows WHERE followed = ? AND state = 'accepted' ORDER BY id",
            (actor_id,),
        )
        return [r[0] for r in rows]

    async def followed_by(self, actor_id: str) -> list[str]:
        """Everyone an actor follows or asked to follow."""
        rows = await self._db.fetch_all(
            "SELECT followed FROM follows WHERE follower = ? ORDER BY id", (actor_id,)
        )
        return [r[0] for r in rows]

    async def following_of(self, actor_id: str) -> list[str]:
        """Accepted follows of an actor."""
        rows = await self._db.fetch_all(
            "SELECT followed FROM follows WHERE follower = ? AND state = 'accepted' ORDER BY id",
            (actor_id,),
        )
        return [r[0] for r in rows]
