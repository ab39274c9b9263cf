"""Changes residents make to their own account: password reset links, a new e-mail address
waiting for confirmation, ending every login of an account, and deleting it (migrations
0029_account_self_service.sql and 0030_deleted_accounts.sql)."""

from __future__ import annotations

from dataclasses import dataclass

from node.clock import iso_now
from node.storage.database import Database
from node.storage.mail import token_hash


@dataclass(frozen=True)
class PendingEmail:
    """A new address an account gave, until the link mailed to it is followed."""

    actor_id: int
    address: str
    expires_at: float
    language: str


class AccountChanges:
    """Password resets, e-mail changes and logins of accounts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_reset(self, actor_id: int, token: str, expires_at: float) -> None:
        """Keep a new reset link; the account's earlier ones stop working."""
        await self._db.execute("DELETE FROM password_resets WHERE actor_id = ?", (actor_id,))
        await self._db.execute(
            "INSERT INTO password_resets (token_hash, actor_id, expires_at) VALUES (?, ?, ?)",
            (token_hash(token), actor_id, expires_at),
        )

    async def reset_for(self, token: str) -> tuple[int, float] | None:
        """The account a reset link is for and when it expires, while it is unused."""
        row = await self._db.fetch_one(
            "SELECT actor_id, expires_at FROM password_resets WHERE token_hash = ?",
            (token_hash(token),),
        )
        return (row[0], row[1]) if row else None

    async def use_reset(self, token: str) -> bool:
        """Use up a reset link; False when another request used it first."""
        used = await self._db.execute_rowcount(
            "DELETE FROM password_resets WHERE token_hash = ?", (token_hash(token),)
        )
        return used == 1

    async def end_logins(self, actor_id: int) -> None:
        """End every session on the pages and revoke every app token of an account."""
        await self._db.execute("DELETE FROM web_sessions WHERE actor_id = ?", (actor_id,))
        await self._db.execute(
            "UPDATE oauth_tokens SET revoked_at = ? WHERE actor_id = ? AND revoked_at IS NULL",
            (iso_now(), actor_id),
        )

    async def add_email_change(
        self, actor_id: int, address: str, token: str, expires_at: float, language: str
    ) -> None:
        """Keep a new address waiting for confirmation (replacing one waiting before)."""
        await self._db.execute(
            "INSERT INTO email_changes (actor_id, address, token_hash, expires_at, language)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (actor_id) DO UPDATE SET"
            " address = excluded.address, token_hash = excluded.token_hash,"
            " expires_at = excluded.expires_at, language = excluded.language",
            (actor_id, address, token_hash(token), expires_at, language),
        )

    async def pending_email(self, actor_id: int) -> PendingEmail | None:
        """The new address an account waits to confirm, if any."""
        row = await self._db.fetch_one(
            "SELECT actor_id, address, expires_at, language FROM email_changes WHERE actor_id = ?",
            (actor_id,),
        )
        return PendingEmail(*row) if row else None

    async def email_change_for(self, token: str) -> PendingEmail | None:
        """The new address a confirmation link is for (expired or not)."""
        row = await self._db.fetch_one(
            "SELECT actor_id, address, expires_at, language FROM email_changes"
            " WHERE token_hash = ?",
            (token_hash(token),),
        )
        return PendingEmail(*row) if row else None

    async def email_confirmed(self, change: PendingEmail, now: float) -> None:
        """The new address works: it becomes the account's address (an account made with
        the CLI gets its first one), and the link is used up."""
        await self._db.execute(
            "INSERT INTO account_signups (actor_id, email, confirmed, approval, language,"
            " created_at) VALUES (?, ?, 1, 'none', ?, ?) ON CONFLICT (actor_id)"
            " DO UPDATE SET email = excluded.email",
            (change.actor_id, change.address, change.language, now),
        )
        await self._db.execute("DELETE FROM email_changes WHERE actor_id = ?", (change.actor_id,))

    async def anonymise_votes(self, voter: str, pseudonym: str) -> None:
        """Votes and budget ballots already counted stay counted, under ``pseudonym``
        instead of the voter; so do their receipts and the address their residency
        used (one address verifies only so many accounts, deleted ones included)."""
        for table in ("votes", "vote_receipts", "sent_votes"):
            await self._db.execute(
                f"UPDATE {table} SET voter = ? WHERE voter = ?", (pseudonym, voter)
            )
        # A ballot's picks refer to it: the ballot is copied under the pseudonym, its
        # picks moved to the copy, and the old one removed.
        for ballot in await self._db.fetch_all("SELECT * FROM ballots WHERE voter = ?", (voter,)):
            values = {name: ballot[name] for name in ballot.keys()} | {"voter": pseudonym}
            await self._db.execute(
                f"INSERT INTO ballots ({', '.join(values)})"
                f" VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
            await self._db.execute(
                "UPDATE ballot_picks SET voter = ? WHERE voter = ? AND process_uri = ?",
                (pseudonym, voter, ballot["process_uri"]),
            )
        await self._db.execute("DELETE FROM ballots WHERE voter = ?", (voter,))
        await self._db.execute(
            "UPDATE residents SET actor_uri = ? WHERE actor_uri = ?", (pseudonym, voter)
        )

    async def forget_account(self, actor_id: int, actor_uri: str, now: float) -> None:
        """Remove what the node keeps of a deleted account: its login, address, e-mail
        choices, follows, profile, sign-ups for other nodes' draws and the processes it was
        made organiser of. The actor row stays, marked deleted."""
        for table in (
            "password_resets",
            "email_changes",
            "account_signups",
            "process_organisers",
            "accounts",
        ):
            await self._db.execute(f"DELETE FROM {table} WHERE actor_id = ?", (actor_id,))
        # A draw elsewhere publishes the pseudonym its sign-up got: kept, it names them.
        for table in ("mail_subscribers", "draw_sign_ups"):
            await self._db.execute(f"DELETE FROM {table} WHERE actor_uri = ?", (actor_uri,))
        await self._db.execute(
            "DELETE FROM follows WHERE follower = ? OR followed = ?", (actor_uri, actor_uri)
        )
        await self._db.execute(
            "UPDATE local_actors SET display_name = '', summary = '' WHERE id = ?", (actor_id,)
        )
        await self._db.execute(
            "INSERT INTO deleted_actors (actor_id, deleted_at) VALUES (?, ?)", (actor_id, now)
        )

    async def is_deleted(self, actor_id: int) -> bool:
        """Whether the owner of this actor deleted their account."""
        found = await self._db.fetch_value(
            "SELECT COUNT(*) FROM deleted_actors WHERE actor_id = ?", (actor_id,)
        )
        return bool(found)
