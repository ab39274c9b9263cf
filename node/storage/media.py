"""Images residents upload from apps: their files' names, sizes and alt text, and the
post each went out with. The files themselves live in the node's ``media`` folder."""

from __future__ import annotations

from dataclasses import dataclass

from node.clock import iso_now
from node.storage.database import Database, Row


@dataclass(frozen=True)
class NewMedia:
    """What an upload stores: the file written, what it is and its alt text."""

    file_name: str
    media_type: str
    size: int
    width: int
    height: int
    description: str


@dataclass(frozen=True)
class MediaRecord(NewMedia):
    """An uploaded image, and the post it went out with (None until posted)."""

    id: int
    actor_id: int
    object: str | None


def _media(row: Row) -> MediaRecord:
    return MediaRecord(
        id=row["id"],
        actor_id=row["actor_id"],
        file_name=row["file_name"],
        media_type=row["media_type"],
        size=row["size"],
        width=row["width"],
        height=row["height"],
        description=row["description"],
        object=row["object"],
    )


class MediaRepository:
    """The ``media`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, actor_id: int, media: NewMedia) -> MediaRecord:
        """Record an uploaded file, not yet part of a post."""
        media_id = await self._db.execute(
            "INSERT INTO media (actor_id, file_name, media_type, size, width, height,"
            " description, created_at, unposted_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                actor_id,
                media.file_name,
                media.media_type,
                media.size,
                media.width,
                media.height,
                media.description,
                iso_now(),
                iso_now(),
            ),
        )
        found = await self.get(media_id)
        assert found is not None
        return found

    async def get(self, media_id: int) -> MediaRecord | None:
        """An upload by id."""
        row = await self._db.fetch_one("SELECT * FROM media WHERE id = ?", (media_id,))
        return _media(row) if row else None

    async def by_file(self, file_name: str) -> MediaRecord | None:
        """An upload by the name of its file."""
        row = await self._db.fetch_one("SELECT * FROM media WHERE file_name = ?", (file_name,))
        return _media(row) if row else None

    async def attached_to(self, object_id: str) -> list[MediaRecord]:
        """The uploads that went out with a post."""
        rows = await self._db.fetch_all(
            "SELECT * FROM media WHERE object = ? ORDER BY id", (object_id,)
        )
        return [_media(r) for r in rows]

    async def describe(self, media_id: int, description: str) -> None:
        """Change an upload's alt text."""
        await self._db.execute(
            "UPDATE media SET description = ? WHERE id = ?", (description, media_id)
        )

    async def attach(self, media_ids: list[int], object_id: str) -> None:
        """Mark uploads as gone out with a post."""
        await self._db.executemany(
            "UPDATE media SET object = ?, unposted_since = NULL WHERE id = ?",
            [(object_id, m) for m in media_ids],
        )

    async def release(self, object_id: str) -> None:
        """Free a deleted post's uploads for a new post (Mastodon's delete and redraft)."""
        await self._db.execute(
            "UPDATE media SET object = NULL, unposted_since = ? WHERE object = ?",
            (iso_now(), object_id),
        )

    async def remove_of(self, object_id: str) -> list[str]:
        """Forget a deleted post's uploads; return their file names, to delete the files."""
        rows = await self._db.fetch_all(
            "SELECT file_name FROM media WHERE object = ?", (object_id,)
        )
        await self._db.execute("DELETE FROM media WHERE object = ?", (object_id,))
        return [r[0] for r in rows]

    async def remove_unposted(self, before: str) -> list[str]:
        """Forget uploads in no post since before ``before``; return their file names."""
        rows = await self._db.fetch_all(
            "SELECT file_name FROM media WHERE unposted_since < ?", (before,)
        )
        await self._db.execute("DELETE FROM media WHERE unposted_since < ?", (before,))
        return [r[0] for r in rows]
