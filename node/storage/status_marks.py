"""What a resident marks from an app: bookmarked, pinned and muted posts, muted accounts."""

from __future__ import annotations

from typing import Literal

from node.clock import iso_now
from node.storage.database import Database
from node.storage.paging import PageRequest, fetch_page

MarkKind = Literal["bookmark", "pin", "mute"]


class StatusMarkRepository:
    """Marks of local accounts on posts (``status_marks``) and on accounts (``account_mutes``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def mark(self, actor_id: int, kind: MarkKind, object_id: str) -> None:
        """Mark a post once; marking it again changes nothing."""
        await self._db.execute(
            "INSERT OR IGNORE INTO status_marks (actor_id, kind, object, created_at)"
            " VALUES (?, ?, ?, ?)",
            (actor_id, kind, object_id, iso_now()),
        )

    async def unmark(self, actor_id: int, kind: MarkKind, object_id: str) -> None:
        """Take a mark off a post (nothing when it had none)."""
        await self._db.execute(
            "DELETE FROM status_marks WHERE actor_id = ? AND kind = ? AND object = ?",
            (actor_id, kind, object_id),
        )

    async def marks_on(self, actor_id: int, object_id: str) -> set[str]:
        """The kinds of mark an account put on a post."""
        rows = await self._db.fetch_all(
            "SELECT kind FROM status_marks WHERE actor_id = ? AND object = ?",
            (actor_id, object_id),
        )
        return {r[0] for r in rows}

    async def count(self, actor_id: int, kind: MarkKind) -> int:
        """How many posts an account marked so."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM status_marks WHERE actor_id = ? AND kind = ?",
                (actor_id, kind),
            )
        )

    async def page(self, actor_id: int, kind: MarkKind, page: PageRequest) -> list[tuple[int, str]]:
        """(mark id, post id) of an account's marks, newest first: the mark ids page."""
        rows = await fetch_page(
            self._db,
            "SELECT id, object FROM status_marks",
            ["actor_id = ?", "kind = ?"],
            [actor_id, kind],
            page,
        )
        return [(r[0], r[1]) for r in rows]

    async def marked_by(self, kind: MarkKind, object_id: str) -> list[int]:
        """The local accounts that marked a post so."""
        rows = await self._db.fetch_all(
            "SELECT actor_id FROM status_marks WHERE kind = ? AND object = ?", (kind, object_id)
        )
        return [r[0] for r in rows]

    async def mute_account(self, actor_id: int, target: str, *, notifications: bool) -> None:
        """Mute an account (again: with the new notification choice)."""
        await self._db.execute(
            "INSERT INTO account_mutes (actor_id, target, hide_notifications, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (actor_id, target)"
            " DO UPDATE SET hide_notifications = excluded.hide_notifications",
            (actor_id, target, int(notifications), iso_now()),
        )

    async def unmute_account(self, actor_id: int, target: str) -> None:
        """Stop muting an account."""
        await self._db.execute(
            "DELETE FROM account_mutes WHERE actor_id = ? AND target = ?", (actor_id, target)
        )

    async def account_mute(self, actor_id: int, target: str) -> bool | None:
        """None when the account is not muted, else whether its notifications are hidden too."""
        value = await self._db.fetch_value(
            "SELECT hide_notifications FROM account_mutes WHERE actor_id = ? AND target = ?",
            (actor_id, target),
        )
        return None if value is None else bool(value)

    async def muted_accounts(self, actor_id: int, page: PageRequest) -> list[tuple[int, str]]:
        """(mute id, actor id) of the accounts one mutes, newest first."""
        rows = await fetch_page(
            self._db,
            "SELECT id, target FROM account_mutes",
            ["actor_id = ?"],
            [actor_id],
            page,
        )
        return [(r[0], r[1]) for r in rows]
