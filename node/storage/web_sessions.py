"""Login sessions of the node's web pages, over SQLite."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from node.clock import iso, iso_now, utc_now
from node.storage.database import Database

TOKEN_BYTES = 32


@dataclass(frozen=True)
class WebSession:
    """A logged-in browser: whose account, and the token its forms must carry."""

    actor_id: int
    username: str
    csrf_token: str
    expires_at: str


@dataclass(frozen=True)
class NewSession:
    """A session just opened: the secret for the cookie goes to the browser only."""

    cookie_token: str
    session: WebSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class WebSessionRepository:
    """Sessions keyed by a hash of their cookie token; expired ones never match."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, actor_id: int, username: str, lifetime: timedelta) -> NewSession:
        """Start a session for an account, and forget sessions that have expired."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session = WebSession(
            actor_id, username, secrets.token_urlsafe(TOKEN_BYTES), iso(utc_now() + lifetime)
        )
        async with self._db.transaction():
            await self._db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (iso_now(),))
            await self._db.execute(
                "INSERT INTO web_sessions (token_hash, actor_id, csrf_token, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?)",
                (_hash(token), actor_id, session.csrf_token, iso_now(), session.expires_at),
            )
        return NewSession(token, session)

    async def find(self, cookie_token: str) -> WebSession | None:
        """The live session a cookie token belongs to, if any."""
        row = await self._db.fetch_one(
            "SELECT s.actor_id, a.username, s.csrf_token, s.expires_at FROM web_sessions s"
            " JOIN local_actors a ON a.id = s.actor_id"
            " WHERE s.token_hash = ? AND s.expires_at > ?",
            (_hash(cookie_token), iso_now()),
        )
        return WebSession(row[0], row[1], row[2], row[3]) if row else None

    async def close(self, cookie_token: str) -> None:
        """End a session (log out)."""
        await self._db.execute(
            "DELETE FROM web_sessions WHERE token_hash = ?", (_hash(cookie_token),)
        )
