"""Accounts residents opened themselves, with their e-mail address and whether they may
log in yet, and the invitation links of a node with closed registrations (migration
0028_signups.sql)."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.database import Database, Row
from node.storage.mail import token_hash

# Why an account that signed up may not log in yet, in the order it must be lifted.
UNCONFIRMED = "unconfirmed"
AWAITING_APPROVAL = "awaiting_approval"


@dataclass(frozen=True)
class Signup:
    """A self-opened account: its address, whether it is confirmed and approved."""

    actor_id: int
    username: str
    display_name: str
    email: str
    confirmed: bool
    confirm_expires: float | None
    approval: str
    reason: str
    language: str
    created_at: float

    @property
    def hold(self) -> str | None:
        """Why the account may not log in yet, or None when it may."""
        if not self.confirmed:
            return UNCONFIRMED
        if self.approval == "pending":
            return AWAITING_APPROVAL
        return None


@dataclass(frozen=True)
class Invitation:
    """An invitation link: who made it, until when it works and who used it."""

    id: int
    created_by: str
    created_at: float
    expires_at: float
    used_by: str | None


_SELECT = (
    "SELECT s.*, a.username, a.display_name FROM account_signups s"
    " JOIN local_actors a ON a.id = s.actor_id"
)


def _signup(row: Row) -> Signup:
    values = {name: row[name] for name in Signup.__dataclass_fields__}
    return Signup(**{**values, "confirmed": bool(row["confirmed"])})


class SignupStore:
    """Self-opened accounts and invitations."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        actor_id: int,
        email: str,
        approval: str,
        reason: str,
        language: str,
        confirm_token: str,
        confirm_expires: float,
        now: float,
    ) -> None:
        """Note a new account's address, waiting for confirmation through ``confirm_token``."""
        await self._db.execute(
            "INSERT INTO account_signups (actor_id, email, confirmed, confirm_token,"
            " confirm_expires, approval, reason, language, created_at)"
            " VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?)",
            (
                actor_id,
                email,
                token_hash(confirm_token),
                confirm_expires,
                approval,
                reason,
                language,
                now,
            ),
        )

    async def email_taken(self, email: str) -> bool:
        """Whether an account has this address already (capitals do not count)."""
        found = await self._db.fetch_value(
            "SELECT COUNT(*) FROM account_signups WHERE lower(email) = lower(?)", (email,)
        )
        return bool(found)

    async def by_email(self, email: str) -> Signup | None:
        """The account with this address (capitals do not count)."""
        row = await self._db.fetch_one(f"{_SELECT} WHERE lower(s.email) = lower(?)", (email,))
        return _signup(row) if row else None

    async def by_actor(self, actor_id: int) -> Signup | None:
        """The sign-up of an account, if it opened itself."""
        row = await self._db.fetch_one(f"{_SELECT} WHERE s.actor_id = ?", (actor_id,))
        return _signup(row) if row else None

    async def by_confirm_token(self, token: str) -> Signup | None:
        """Whose address a confirmation link is for (expired or not)."""
        row = await self._db.fetch_one(f"{_SELECT} WHERE s.confirm_token = ?", (token_hash(token),))
        return _signup(row) if row else None

    async def new_confirm_token(self, actor_id: int, token: str, expires: float) -> None:
        """A fresh confirmation link replaces the one mailed before."""
        await self._db.execute(
            "UPDATE account_signups SET confirm_token = ?, confirm_expires = ?"
            " WHERE actor_id = ? AND confirmed = 0",
            (token_hash(token), expires, actor_id),
        )

    async def confirm(self, actor_id: int) -> None:
        """The address works: the link mailed to it was followed. The link is used up."""
        await self._db.execute(
            "UPDATE account_signups SET confirmed = 1, confirm_token = NULL,"
            " confirm_expires = NULL WHERE actor_id = ?",
            (actor_id,),
        )

    async def unconfirmed_before(self, moment: float) -> list[Signup]:
        """Accounts opened before ``moment`` whose address was never confirmed."""
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE s.confirmed = 0 AND s.created_at < ?", (moment,)
        )
        return [_signup(r) for r in rows]

    async def awaiting_approval(self) -> list[Signup]:
        """Accounts a moderator has still to approve or reject, oldest first."""
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE s.approval = 'pending' ORDER BY s.created_at, s.actor_id"
        )
        return [_signup(r) for r in rows]

    async def approve(self, actor_id: int) -> None:
        """A moderator lets the account in."""
        await self._db.execute(
            "UPDATE account_signups SET approval = 'approved' WHERE actor_id = ?", (actor_id,)
        )

    async def remove_account(self, actor_id: int) -> None:
        """Remove an account that never took part (a rejected sign-up) with its actor, so
        its user name and address are free again."""
        tables = (
            "oauth_codes",
            "oauth_tokens",
            "password_resets",
            "email_changes",
            "process_organisers",
        )
        for table in (*tables, "account_signups", "accounts"):
            await self._db.execute(f"DELETE FROM {table} WHERE actor_id = ?", (actor_id,))
        await self._db.execute("DELETE FROM local_actors WHERE id = ?", (actor_id,))

    async def add_invitation(
        self, code: str, created_by: str, now: float, expires_at: float
    ) -> None:
        """Keep a new invitation link's code."""
        await self._db.execute(
            "INSERT INTO invitations (code_hash, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (token_hash(code), created_by, now, expires_at),
        )

    async def invitation(self, code: str) -> Invitation | None:
        """The invitation behind a link's code (used, expired or not)."""
        row = await self._db.fetch_one(
            "SELECT id, created_by, created_at, expires_at, used_by FROM invitations"
            " WHERE code_hash = ?",
            (token_hash(code),),
        )
        return Invitation(*row) if row else None

    async def use_invitation(self, invitation: Invitation, username: str, now: float) -> bool:
        """Mark an invitation used by ``username``; False when another sign-up used it first."""
        count = await self._db.execute_rowcount(
            "UPDATE invitations SET used_by = ?, used_at = ? WHERE id = ? AND used_by IS NULL",
            (username, now, invitation.id),
        )
        return count == 1

    async def invitations(self) -> list[Invitation]:
        """Every invitation, newest first."""
        rows = await self._db.fetch_all(
            "SELECT id, created_by, created_at, expires_at, used_by FROM invitations"
            " ORDER BY id DESC"
        )
        return [Invitation(*r) for r in rows]
