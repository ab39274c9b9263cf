"""Pages of posts for the client API: home, public and an author's timeline."""

from __future__ import annotations

from node.storage.database import Database
from node.storage.moderation_store import LISTED_OBJECT_SQL
from node.storage.objects import ObjectRecord
from node.storage.objects import _record as object_record
from node.storage.paging import PageRequest, fetch_page

# What clients show as statuses; tombstones, actors and collections are not posts.
POST_TYPES = ("Note", "Question", "Page", "Article")
_LIVE_POSTS = f"deleted_at IS NULL AND as_type IN ({', '.join(repr(t) for t in POST_TYPES)})"


class TimelineRepository:
    """Queries over stored objects by row id, which only ever increases."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def home(self, actor_uri: str, page: PageRequest) -> list[ObjectRecord]:
        """Posts of the actor, of actors it follows and to processes (groups) it follows,
        without those of accounts it muted."""
        followed = "SELECT followed FROM follows WHERE follower = ? AND state = 'accepted'"
        muted = (
            "SELECT m.target FROM account_mutes m JOIN local_actors a ON a.id = m.actor_id"
            " WHERE a.uri = ?"
        )
        return await self._page(
            [
                _LIVE_POSTS,
                f"(attributed_to = ? OR attributed_to IN ({followed}) OR audience IN ({followed}))",
                f"attributed_to NOT IN ({muted})",
            ],
            [actor_uri, actor_uri, actor_uri, actor_uri],
            page,
        )

    async def by_ids(self, uris: list[str]) -> dict[str, ObjectRecord]:
        """Live posts by id (bookmarks, favourites, pins), keyed by id."""
        if not uris:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT * FROM objects WHERE {_LIVE_POSTS} AND uri IN ({', '.join('?' * len(uris))})",
            uris,
        )
        return {r["uri"]: object_record(r) for r in rows}

    async def public(self, page: PageRequest, *, local_only: bool = False) -> list[ObjectRecord]:
        """Public posts this node knows, optionally only its own."""
        where = [_LIVE_POSTS, "public = 1", LISTED_OBJECT_SQL]
        if local_only:
            where.append("local = 1")
        return await self._page(where, [], page)

    async def by_author(
        self, author: str, page: PageRequest, *, include_private: bool = False
    ) -> list[ObjectRecord]:
        """An author's posts; followers-only ones when the reader may see them."""
        where = [_LIVE_POSTS, "attributed_to = ?"]
        if not include_private:
            where.append("public = 1")
        return await self._page(where, [author], page)

    async def count_by_author(self, author: str) -> int:
        """How many public posts of an author this node holds."""
        return int(
            await self._db.fetch_value(
                f"SELECT COUNT(*) FROM objects WHERE {_LIVE_POSTS} AND public = 1"
                " AND attributed_to = ?",
                (author,),
            )
        )

    async def reply_count(self, uri: str) -> int:
        """How many live replies a post has."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM objects WHERE in_reply_to = ? AND deleted_at IS NULL",
                (uri,),
            )
        )

    async def _page(
        self, where: list[str], params: list[object], page: PageRequest
    ) -> list[ObjectRecord]:
        rows = await fetch_page(self._db, "SELECT * FROM objects", where, params, page)
        return [object_record(r) for r in rows]
