"""Local actors (with their keys and accounts) and the cache of remote actors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from activitypub.vocabulary import ActorDocument
from federation.actors import host_of
from federation.ports import LocalSigner, RemoteActor
from node.clock import iso_now
from node.storage.database import Database, Row

ACTOR_KIND_TYPES = {
    "instance": "Application",
    "organisation": "Organization",
    "person": "Person",
    "process": "Group",
}


@dataclass(frozen=True)
class LocalActor:
    """An actor this node hosts."""

    id: int
    uri: str
    username: str
    kind: str
    as_type: str
    display_name: str
    summary: str
    public_key_pem: str
    properties: dict[str, Any]
    created_at: str

    @property
    def key_id(self) -> str:
        """The id of the actor's public key."""
        return f"{self.uri}#main-key"


def _handle_from_id(uri: str) -> str:
    """A readable stand-in for an actor not fetched yet: ``@name@host`` from its id."""
    parts = urlsplit(uri)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return f"@{name}@{parts.netloc}" if name and parts.netloc else uri


def _local(row: Row) -> LocalActor:
    return LocalActor(
        id=row["id"],
        uri=row["uri"],
        username=row["username"],
        kind=row["kind"],
        as_type=row["as_type"],
        display_name=row["display_name"],
        summary=row["summary"],
        public_key_pem=row["public_key_pem"],
        properties=json.loads(row["properties"]),
        created_at=row["created_at"],
    )


def _remote(row: Row) -> RemoteActor:
    return RemoteActor(
        uri=row["uri"],
        as_type=row["as_type"],
        username=row["username"],
        domain=row["domain"],
        inbox=row["inbox"],
        shared_inbox=row["shared_inbox"],
        key_id=row["key_id"],
        public_key_pem=row["public_key_pem"],
        fetched_at=row["fetched_at"],
    )


class ActorRepository:
    """Implements federation's LocalActors and ActorCache over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_local(
        self,
        *,
        uri: str,
        username: str,
        kind: str,
        display_name: str,
        private_key_pem: str,
        public_key_pem: str,
        summary: str = "",
        properties: dict[str, Any] | None = None,
    ) -> LocalActor:
        """Add a local actor with its key pair."""
        await self._db.execute(
            "INSERT INTO local_actors (uri, username, kind, as_type, display_name, summary,"
            " private_key_pem, public_key_pem, properties, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uri,
                username,
                kind,
                ACTOR_KIND_TYPES[kind],
                display_name,
                summary,
                private_key_pem,
                public_key_pem,
                json.dumps(properties or {}),
                iso_now(),
            ),
        )
        actor = await self.by_username(username)
        assert actor is not None
        return actor

    async def update_local(
        self,
        uri: str,
        *,
        display_name: str | None = None,
        summary: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> None:
        """Change a local actor's profile fields."""
        current = await self.by_uri(uri)
        if current is None:
            raise KeyError(uri)
        await self._db.execute(
            "UPDATE local_actors SET display_name = ?, summary = ?, properties = ? WHERE uri = ?",
            (
                display_name if display_name is not None else current.display_name,
                summary if summary is not None else current.summary,
                json.dumps(properties if properties is not None else current.properties),
                uri,
            ),
        )

    async def by_username(self, username: str) -> LocalActor | None:
        """A local actor by its username (case-insensitive)."""
        row = await self._db.fetch_one("SELECT * FROM local_actors WHERE username = ?", (username,))
        return _local(row) if row else None

    async def by_uri(self, uri: str) -> LocalActor | None:
        """A local actor by its id."""
        row = await self._db.fetch_one("SELECT * FROM local_actors WHERE uri = ?", (uri,))
        return _local(row) if row else None

    async def by_row_id(self, row_id: int) -> LocalActor | None:
        """A local actor by its row id, as tokens and sessions refer to it."""
        row = await self._db.fetch_one("SELECT * FROM local_actors WHERE id = ?", (row_id,))
        return _local(row) if row else None

    async def local_uris_matching(self, text: str, limit: int) -> list[str]:
        """Ids of local people and groups whose user name or display name contains ``text``."""
        pattern = "%" + text.replace("%", "").replace("_", "") + "%"
        rows = await self._db.fetch_all(
            "SELECT uri FROM local_actors WHERE kind != 'instance'"
            " AND (username LIKE ? OR display_name LIKE ?) ORDER BY id LIMIT ?",
            (pattern, pattern, limit),
        )
        return [r[0] for r in rows]

    async def by_kind(self, kind: str) -> list[LocalActor]:
        """Every local actor of a kind, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM local_actors WHERE kind = ? ORDER BY id", (kind,)
        )
        return [_local(r) for r in rows]

    async def is_local(self, uri: str) -> bool:
        """Whether an id is one of our actors."""
        return await self._db.fetch_value("SELECT 1 FROM local_actors WHERE uri = ?", (uri,)) == 1

    async def signer_for(self, actor_id: str) -> LocalSigner | None:
        """The signing identity of a local actor."""
        row = await self._db.fetch_one(
            "SELECT uri, private_key_pem FROM local_actors WHERE uri = ?", (actor_id,)
        )
        if row is None:
            return None
        return LocalSigner(row["uri"], f"{row['uri']}#main-key", row["private_key_pem"])

    async def instance_signer(self) -> LocalSigner:
        """The instance actor's signing identity."""
        row = await self._db.fetch_one(
            "SELECT uri, private_key_pem FROM local_actors WHERE kind = 'instance'"
        )
        if row is None:
            raise RuntimeError("the node has no instance actor; was it initialised?")
        return LocalSigner(row["uri"], f"{row['uri']}#main-key", row["private_key_pem"])

    async def remote_actor(self, uri: str) -> RemoteActor | None:
        """A cached remote actor (a point read: every vote in a delegated process reads its
        registrar's this way)."""
        row = await self._db.lookup("SELECT * FROM remote_actors WHERE uri = ?", (uri,))
        return _remote(row) if row else None

    async def remote_actors(self, uris: Sequence[str]) -> dict[str, RemoteActor]:
        """The cached ones among several remote actors, by id, read in one go."""
        rows = await self._rows_by_uri("SELECT * FROM remote_actors WHERE uri IN ({})", uris)
        return {row["uri"]: _remote(row) for row in rows}

    async def _rows_by_uri(self, select: str, uris: Sequence[str]) -> list[Row]:
        """The rows ``select`` finds for ``uris`` (its ``{}`` takes their placeholders)."""
        found: list[Row] = []
        unique = list(dict.fromkeys(uris))
        # Chunks stay under SQLite's limit on the number of bound parameters.
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            found += await self._db.fetch_all(select.format(", ".join("?" * len(chunk))), chunk)
        return found

    async def remote_actor_by_key(self, key_id: str) -> RemoteActor | None:
        """A cached remote actor by key id."""
        row = await self._db.lookup("SELECT * FROM remote_actors WHERE key_id = ?", (key_id,))
        return _remote(row) if row else None

    async def remote_actor_by_handle(self, username: str, domain: str) -> RemoteActor | None:
        """A cached remote actor by user name and host."""
        row = await self._db.fetch_one(
            "SELECT * FROM remote_actors WHERE username = ? AND domain = ?", (username, domain)
        )
        return _remote(row) if row else None

    async def display_names(self, uris: list[str]) -> dict[str, str]:
        """Names to show for actor ids, local or cached remote; an unknown one gets a
        handle read from its id."""
        unique = list(dict.fromkeys(u for u in uris if u))
        if not unique:
            return {}
        marks = ",".join("?" * len(unique))
        rows = await self._db.fetch_all(
            f"SELECT uri, display_name, username, NULL FROM local_actors WHERE uri IN ({marks})"
            f" UNION ALL SELECT uri, display_name, username, domain FROM remote_actors"
            f" WHERE uri IN ({marks})",
            (*unique, *unique),
        )
        names = {uri: _handle_from_id(uri) for uri in unique}
        for uri, display_name, username, domain in rows:
            handle = f"@{username}@{domain}" if domain else f"@{username}"
            names[uri] = f"{display_name} ({handle})" if display_name else handle
        return names

    async def count_remote_domains(self) -> int:
        """How many other servers this node has met actors of."""
        return int(await self._db.fetch_value("SELECT COUNT(DISTINCT domain) FROM remote_actors"))

    async def host_checked_at(self, host: str) -> float | None:
        """When a server's NodeInfo was last asked for, or None when never."""
        value = await self._db.fetch_value(
            "SELECT checked_at FROM remote_hosts WHERE host = ?", (host,)
        )
        return float(value) if value is not None else None

    async def save_host(
        self, host: str, software: str | None, node_name: str | None, checked_at: float
    ) -> None:
        """Keep what a server's NodeInfo said (None where it said nothing)."""
        await self._db.execute(
            "INSERT INTO remote_hosts (host, software, node_name, checked_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (host) DO UPDATE SET"
            " software = excluded.software, node_name = excluded.node_name,"
            " checked_at = excluded.checked_at",
            (host, software, node_name, checked_at),
        )

    async def software_of(self, hosts: Sequence[str]) -> dict[str, str]:
        """The software the servers among ``hosts`` run, as their NodeInfo said."""
        rows = await self._rows_by_uri(
            "SELECT host, software FROM remote_hosts WHERE software IS NOT NULL AND host IN ({})",
            hosts,
        )
        return {r["host"]: r["software"] for r in rows}

    async def shown_names(self, uris: Sequence[str]) -> dict[str, tuple[str, str]]:
        """For the cached ones among ``uris``: the name a person reads (display name, else
        user name) and the name of their server (its NodeInfo name, else its host)."""
        rows = await self._rows_by_uri(
            "SELECT a.uri, a.display_name, a.username, a.domain, h.node_name"
            " FROM remote_actors a LEFT JOIN remote_hosts h ON h.host = a.domain"
            " WHERE a.uri IN ({})",
            uris,
        )
        return {
            r["uri"]: (r["display_name"] or r["username"], r["node_name"] or r["domain"])
            for r in rows
        }

    async def remote_document(self, uri: str) -> dict[str, Any] | None:
        """The last fetched document of a remote actor."""
        raw = await self._db.fetch_value("SELECT document FROM remote_actors WHERE uri = ?", (uri,))
        return json.loads(raw) if raw else None

    async def published(self, uri: str) -> str | None:
        """When an account was made: this node's record for its own, what the account's
        server says (``published``) for another's; None when unknown."""
        local = await self.by_uri(uri)
        if local is not None:
            return local.created_at
        document = await self.remote_document(uri)
        published = document.get("published") if document else None
        return published if isinstance(published, str) else None

    async def save_remote_actor(self, actor: ActorDocument, fetched_at: float) -> RemoteActor:
        """Insert or refresh a remote actor."""
        await self._db.execute(
            "INSERT INTO remote_actors (uri, as_type, username, domain, inbox, shared_inbox,"
            " display_name, url, key_id, public_key_pem, document, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (uri) DO UPDATE SET as_type = excluded.as_type,"
            " username = excluded.username, inbox = excluded.inbox,"
            " shared_inbox = excluded.shared_inbox, display_name = excluded.display_name,"
            " url = excluded.url, key_id = excluded.key_id,"
            " public_key_pem = excluded.public_key_pem, document = excluded.document,"
            " fetched_at = excluded.fetched_at",
            (
                actor.id,
                actor.type,
                actor.preferred_username,
                host_of(actor.id),
                actor.inbox,
                actor.shared_inbox,
                actor.name,
                actor.url,
                actor.key_id,
                actor.public_key_pem,
                json.dumps(dict(actor.raw)),
                fetched_at,
            ),
        )
        saved = await self.remote_actor(actor.id)
        assert saved is not None
        return saved
