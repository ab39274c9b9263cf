"""OAuth apps, authorization codes and access tokens of the client API.

Codes and tokens are stored as SHA-256 hashes: a copy of the database does not
let anyone act as a resident. Client secrets are kept as issued, because
Mastodon apps send them back on every token request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from node.clock import epoch_now, iso_now
from node.storage.database import Database, Row

CODE_LIFETIME = 600.0


def secret_hash(value: str) -> str:
    """The stored form of a code or token."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OAuthApp:
    """A registered client application."""

    id: int
    client_id: str
    client_secret: str
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class AuthorizationCode:
    """A one-time code handed out after a resident logged in and authorized an app."""

    app_id: int
    actor_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None


@dataclass(frozen=True)
class AccessToken:
    """A live token: of a resident, or of an app alone (client credentials)."""

    id: int
    app: OAuthApp
    actor_id: int | None
    scopes: tuple[str, ...]
    created_at: str


def _app(row: Row) -> OAuthApp:
    return OAuthApp(
        id=row["id"],
        client_id=row["client_id"],
        client_secret=row["client_secret"],
        name=row["name"],
        website=row["website"],
        redirect_uris=tuple(row["redirect_uris"].split()),
        scopes=tuple(row["scopes"].split()),
    )


class OAuthRepository:
    """Apps, codes and tokens over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_app(
        self, name: str, website: str | None, redirect_uris: list[str], scopes: list[str]
    ) -> OAuthApp:
        """Register an app with fresh client credentials."""
        client_id = secrets.token_urlsafe(32)
        await self._db.execute(
            "INSERT INTO oauth_apps (client_id, client_secret, name, website, redirect_uris,"
            " scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                client_id,
                secrets.token_urlsafe(32),
                name,
                website,
                "\n".join(redirect_uris),
                " ".join(scopes),
                iso_now(),
            ),
        )
        app = await self.app_by_client_id(client_id)
        assert app is not None
        return app

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None:
        """An app by its public client id."""
        row = await self._db.fetch_one("SELECT * FROM oauth_apps WHERE client_id = ?", (client_id,))
        return _app(row) if row else None

    async def issue_code(
        self,
        app: OAuthApp,
        actor_id: int,
        redirect_uri: str,
        scopes: list[str],
        code_challenge: str | None,
    ) -> str:
        """A fresh authorization code, valid for ten minutes and once."""
        code = secrets.token_urlsafe(32)
        # Codes nobody redeemed are useless once expired: drop them as new ones come.
        await self._db.execute("DELETE FROM oauth_codes WHERE expires_at < ?", (epoch_now(),))
        await self._db.execute(
            "INSERT INTO oauth_codes (code_hash, app_id, actor_id, redirect_uri, scopes,"
            " code_challenge, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                secret_hash(code),
                app.id,
                actor_id,
                redirect_uri,
                " ".join(scopes),
                code_challenge,
                epoch_now() + CODE_LIFETIME,
            ),
        )
        return code

    async def redeem_code(self, app: OAuthApp, code: str) -> AuthorizationCode | None:
        """Take a code of this app out of use; None when unknown, used or expired."""
        async with self._db.transaction():
            row = await self._db.fetch_one(
                "SELECT * FROM oauth_codes WHERE code_hash = ? AND app_id = ?",
                (secret_hash(code), app.id),
            )
            if row is None:
                return None
            await self._db.execute(
                "DELETE FROM oauth_codes WHERE code_hash = ?", (row["code_hash"],)
            )
        if row["expires_at"] < epoch_now():
            return None
        return AuthorizationCode(
            app_id=row["app_id"],
            actor_id=row["actor_id"],
            redirect_uri=row["redirect_uri"],
            scopes=tuple(row["scopes"].split()),
            code_challenge=row["code_challenge"],
        )

    async def issue_token(
        self, app: OAuthApp, actor_id: int | None, scopes: list[str] | tuple[str, ...]
    ) -> tuple[str, AccessToken]:
        """A fresh bearer token and its record."""
        token = secrets.token_urlsafe(32)
        await self._db.execute(
            "INSERT INTO oauth_tokens (token_hash, app_id, actor_id, scopes, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (secret_hash(token), app.id, actor_id, " ".join(scopes), iso_now()),
        )
        record = await self.token(token)
        assert record is not None
        return token, record

    async def token(self, token: str) -> AccessToken | None:
        """A live (not revoked) token."""
        row = await self._db.fetch_one(
            "SELECT t.id AS token_id, t.actor_id, t.scopes AS token_scopes,"
            " t.created_at AS token_created_at, a.* FROM oauth_tokens t"
            " JOIN oauth_apps a ON a.id = t.app_id"
            " WHERE t.token_hash = ? AND t.revoked_at IS NULL",
            (secret_hash(token),),
        )
        if row is None:
            return None
        return AccessToken(
            id=row["token_id"],
            app=_app(row),
            actor_id=row["actor_id"],
            scopes=tuple(row["token_scopes"].split()),
            created_at=row["token_created_at"],
        )

    async def revoke(self, app: OAuthApp, token: str) -> bool:
        """Revoke a token of this app; False when there was no such live token."""
        count = await self._db.execute_rowcount(
            "UPDATE oauth_tokens SET revoked_at = ? WHERE token_hash = ? AND app_id = ?"
            " AND revoked_at IS NULL",
            (iso_now(), secret_hash(token), app.id),
        )
        return count > 0
