"""Objects (notes, questions, tombstones) and the outbox of local activities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from activitypub.vocabulary import ASObject, parse_object
from federation.ports import StoredObject
from moderation.sanitize import sanitize_html
from node.clock import iso_now
from node.storage.database import Database, Row
from node.storage.moderation_store import LISTED_OBJECT_SQL


@dataclass(frozen=True)
class ObjectRecord:
    """A stored object with its document, for pages and collections."""

    row_id: int
    uri: str
    as_type: str
    attributed_to: str | None
    in_reply_to: str | None
    audience: str | None
    name: str | None
    content: str | None
    url: str | None
    public: bool
    local: bool
    published: str
    updated: str | None
    deleted_at: str | None
    document: dict[str, Any]
    # The public reason when moderators hid the object; pages show it instead.
    hidden_reason: str | None = None


def _text_of(document: dict[str, Any]) -> tuple[object, ...]:
    """What an edit changes that people read: text, content warning, attachments."""
    return tuple(document.get(key) for key in ("content", "summary", "name", "attachment"))


def _record(row: Row) -> ObjectRecord:
    return ObjectRecord(
        row_id=row["id"],
        uri=row["uri"],
        as_type=row["as_type"],
        attributed_to=row["attributed_to"],
        in_reply_to=row["in_reply_to"],
        audience=row["audience"],
        name=row["name"],
        content=row["content"],
        url=row["url"],
        public=bool(row["public"]),
        local=bool(row["local"]),
        published=row["published"],
        updated=row["updated"],
        deleted_at=row["deleted_at"],
        document=json.loads(row["document"]),
        hidden_reason=row["hidden_reason"],
    )


class ObjectRepository:
    """Implements federation's ObjectStore over SQLite, plus what pages need."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_object(self, uri: str) -> StoredObject | None:
        """An object by id."""
        row = await self._db.lookup(
            "SELECT uri, as_type, attributed_to, in_reply_to, local, deleted_at, updated"
            " FROM objects WHERE uri = ?",
            (uri,),
        )
        if row is None:
            return None
        return StoredObject(
            uri=row["uri"],
            as_type=row["as_type"],
            attributed_to=row["attributed_to"],
            in_reply_to=row["in_reply_to"],
            local=bool(row["local"]),
            deleted=row["deleted_at"] is not None,
            updated=row["updated"],
        )

    async def record(self, uri: str) -> ObjectRecord | None:
        """An object with its document."""
        row = await self._db.fetch_one("SELECT * FROM objects WHERE uri = ?", (uri,))
        return _record(row) if row else None

    async def records_of_process(self, process_uri: str) -> dict[str, ObjectRecord]:
        """The objects of a process's proposals by id, in one query: a process page
        reads them all at once, not one round trip per proposal."""
        rows = await self._db.fetch_all(
            "SELECT o.* FROM objects o JOIN proposals p ON p.uri = o.uri WHERE p.process_uri = ?",
            (process_uri,),
        )
        return {row["uri"]: _record(row) for row in rows}

    async def record_by_row_id(self, row_id: int) -> ObjectRecord | None:
        """An object by its local row id."""
        row = await self._db.fetch_one("SELECT * FROM objects WHERE id = ?", (row_id,))
        return _record(row) if row else None

    async def save_remote_object(self, obj: ASObject) -> None:
        """Insert a remote object, or replace an older version; content is sanitised here.
        A newer version with other text keeps the one it replaces as an edit (its history)."""
        doc = dict(obj.raw)
        if obj.content is not None:
            doc["content"] = sanitize_html(obj.content)
            doc.pop("contentMap", None)
            if obj.language is not None:
                # The language stays known; the other languages' texts are not kept unsanitised.
                doc["contentMap"] = {obj.language: doc["content"]}
        earlier = await self.record(obj.id)
        async with self._db.transaction():
            changed = await self._upsert(parse_object(doc), doc, local=False)
            if changed and earlier is not None and _text_of(earlier.document) != _text_of(doc):
                await self.save_edit(obj.id, earlier.document)

    async def save_edit(self, uri: str, replaced: dict[str, Any]) -> None:
        """Keep the version of a post that an edit replaces."""
        await self._db.execute(
            "INSERT INTO status_edits (object, document, created_at) VALUES (?, ?, ?)",
            (uri, json.dumps(replaced), iso_now()),
        )

    async def edits_of(self, uri: str) -> list[dict[str, Any]]:
        """The earlier versions of a post, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT document FROM status_edits WHERE object = ? ORDER BY id", (uri,)
        )
        return [json.loads(r[0]) for r in rows]

    async def save_local_object(self, document: dict[str, Any]) -> None:
        """Store an object created on this node (already sanitised by its author's path)."""
        await self._upsert(parse_object(document), document, local=True)

    async def _upsert(self, obj: ASObject, doc: dict[str, Any], *, local: bool) -> int:
        return await self._db.write_row(
            "INSERT INTO objects (uri, as_type, attributed_to, in_reply_to, audience, name,"
            " summary, content, url, public, local, published, updated, document)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (uri) DO UPDATE SET as_type = excluded.as_type,"
            " name = excluded.name, summary = excluded.summary, content = excluded.content,"
            " url = excluded.url, public = excluded.public, updated = excluded.updated,"
            " audience = excluded.audience, document = excluded.document"
            " WHERE objects.deleted_at IS NULL AND objects.local = excluded.local"
            " AND (excluded.updated IS NULL OR objects.updated IS NULL"
            " OR excluded.updated >= objects.updated)",
            (
                obj.id,
                obj.type,
                obj.attributed_to,
                obj.in_reply_to,
                obj.audience,
                obj.name,
                obj.summary,
                obj.content,
                obj.url,
                int(obj.is_public),
                int(local),
                obj.published or iso_now(),
                obj.updated,
                json.dumps(doc),
            ),
        )

    async def tombstone(self, uri: str) -> bool:
        """Mark an object deleted and drop its content."""
        count = await self._db.execute_rowcount(
            "UPDATE objects SET deleted_at = ?, content = NULL, name = NULL, summary = NULL,"
            " document = json_object('id', uri, 'type', 'Tombstone', 'formerType', as_type)"
            " WHERE uri = ? AND deleted_at IS NULL",
            (iso_now(), uri),
        )
        return count > 0

    async def tombstone_by_author(self, actor_id: str) -> int:
        """Mark every object of an actor deleted."""
        return await self._db.execute_rowcount(
            "UPDATE objects SET deleted_at = ?, content = NULL, name = NULL, summary = NULL,"
            " document = json_object('id', uri, 'type', 'Tombstone', 'formerType', as_type)"
            " WHERE attributed_to = ? AND deleted_at IS NULL",
            (iso_now(), actor_id),
        )

    async def replies_to(self, uri: str) -> list[ObjectRecord]:
        """Direct replies, oldest first, deleted ones included as tombstones."""
        rows = await self._db.fetch_all(
            "SELECT * FROM objects WHERE in_reply_to = ? ORDER BY published, id", (uri,)
        )
        return [_record(r) for r in rows]

    async def thread_root(self, uri: str, max_depth: int = 40) -> str:
        """The first post of the thread a post is in, as far up as this node holds it."""
        root = await self._db.fetch_value(
            "WITH RECURSIVE up (uri, parent, depth) AS ("
            " SELECT uri, in_reply_to, 0 FROM objects WHERE uri = ?"
            " UNION ALL SELECT o.uri, o.in_reply_to, up.depth + 1 FROM objects o"
            " JOIN up ON o.uri = up.parent WHERE up.depth < ?)"
            " SELECT uri FROM up ORDER BY depth DESC LIMIT 1",
            (uri, max_depth),
        )
        return str(root) if root is not None else uri

    async def by_author(self, actor_id: str, limit: int = 40) -> list[ObjectRecord]:
        """Latest public objects of an author."""
        rows = await self._db.fetch_all(
            "SELECT * FROM objects WHERE attributed_to = ? AND deleted_at IS NULL AND public = 1"
            " ORDER BY id DESC LIMIT ?",
            (actor_id, limit),
        )
        return [_record(r) for r in rows]

    async def all_by_author(self, actor_id: str) -> list[ObjectRecord]:
        """Every object an author has here and did not delete, public or not, oldest
        first (their copy of their own data)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM objects WHERE attributed_to = ? AND deleted_at IS NULL ORDER BY id",
            (actor_id,),
        )
        return [_record(r) for r in rows]

    async def count_local_posts(self) -> int:
        """How many objects this node published and has not deleted."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM objects WHERE local = 1 AND deleted_at IS NULL"
            )
        )

    async def latest_public(
        self, limit: int = 40, local_only: bool = False, *, offset: int = 0, top_level: bool = False
    ) -> list[ObjectRecord]:
        """Latest public objects, newest first, without those moderation keeps unlisted;
        ``top_level`` leaves replies out, ``offset`` skips the newest ones (paging)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM objects WHERE deleted_at IS NULL AND public = 1"
            f" AND {LISTED_OBJECT_SQL}"
            + (" AND local = 1" if local_only else "")
            + (" AND in_reply_to IS NULL" if top_level else "")
            + " ORDER BY id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_record(r) for r in rows]


@dataclass(frozen=True)
class OutboxEntry:
    """A local activity as stored in the outbox."""

    row_id: int
    uri: str
    actor: str
    type: str
    object: str | None
    public: bool
    document: dict[str, Any]
    published: str


class OutboxRepository:
    """Activities sent by local actors."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        uri: str,
        actor: str,
        activity_type: str,
        object_id: str | None,
        public: bool,
        document: str,
        published: str,
    ) -> None:
        """Store an outgoing activity (its serialised body is what gets delivered)."""
        await self._db.execute(
            "INSERT INTO outbox (uri, actor, type, object, public, document, published)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (uri, actor, activity_type, object_id, int(public), document, published),
        )

    async def get(self, uri: str) -> OutboxEntry | None:
        """An outgoing activity by id."""
        row = await self._db.fetch_one("SELECT * FROM outbox WHERE uri = ?", (uri,))
        return _outbox(row) if row else None

    async def count_public(self, actor: str) -> int:
        """How many public activities an actor sent."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM outbox WHERE actor = ? AND public = 1", (actor,)
            )
        )

    async def page_public(
        self, actor: str, before_row: int | None, limit: int
    ) -> list[OutboxEntry]:
        """A page of an actor's public activities, newest first, before a row id."""
        rows = await self._db.fetch_all(
            "SELECT * FROM outbox WHERE actor = ? AND public = 1 AND id < ?"
            " ORDER BY id DESC LIMIT ?",
            (actor, before_row if before_row is not None else 2**62, limit),
        )
        return [_outbox(r) for r in rows]


def _outbox(row: Row) -> OutboxEntry:
    return OutboxEntry(
        row_id=row["id"],
        uri=row["uri"],
        actor=row["actor"],
        type=row["type"],
        object=row["object"],
        public=bool(row["public"]),
        document=json.loads(row["document"]),
        published=row["published"],
    )
