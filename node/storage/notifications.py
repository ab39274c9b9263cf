"""Notifications of local accounts: who followed, mentioned, favourited or boosted them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.clock import iso_now
from node.storage.database import Database, Row
from node.storage.paging import PageRequest, fetch_page


@dataclass(frozen=True)
class Notification:
    """Something another actor did that concerns a local account."""

    id: int
    recipient: str
    type: str
    actor: str
    object: str | None
    created_at: str


def _notification(row: Row) -> Notification:
    return Notification(
        id=row["id"],
        recipient=row["recipient"],
        type=row["type"],
        actor=row["actor"],
        object=row["object"] or None,
        created_at=row["created_at"],
    )


class NotificationRepository:
    """Implements federation's Notifier over SQLite, plus what the client API reads."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def notify(
        self, kind: str, recipient: str, actor: str, object_id: str | None = None
    ) -> None:
        """Record a notification once; nothing when the recipient has no login here
        or acted on itself."""
        if recipient == actor:
            return
        await self._db.execute(
            "INSERT OR IGNORE INTO notifications (recipient, type, actor, object, created_at)"
            " SELECT ?, ?, ?, ?, ? FROM local_actors a JOIN accounts c ON c.actor_id = a.id"
            " WHERE a.uri = ?",
            (recipient, kind, actor, object_id or "", iso_now(), recipient),
        )

    async def page(
        self,
        recipient: str,
        page: PageRequest,
        *,
        types: Sequence[str] = (),
        exclude_types: Sequence[str] = (),
    ) -> list[Notification]:
        """A page of visible notifications, newest first, without those from accounts the
        recipient muted with their notifications."""
        muted = (
            "SELECT m.target FROM account_mutes m JOIN local_actors a ON a.id = m.actor_id"
            " WHERE a.uri = ? AND m.hide_notifications = 1"
        )
        where = ["recipient = ?", "dismissed = 0", f"actor NOT IN ({muted})"]
        params: list[object] = [recipient, recipient]
        if types:
            where.append(f"type IN ({', '.join('?' * len(types))})")
            params += types
        if exclude_types:
            where.append(f"type NOT IN ({', '.join('?' * len(exclude_types))})")
            params += exclude_types
        rows = await fetch_page(self._db, "SELECT * FROM notifications", where, params, page)
        return [_notification(r) for r in rows]

    async def count_after(self, recipient: str, after_id: int, limit: int) -> int:
        """How many visible notifications came after ``after_id``, counted up to ``limit``."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE recipient = ?"
                " AND dismissed = 0 AND id > ? LIMIT ?) AS unread",
                (recipient, after_id, limit),
            )
        )

    async def get(self, recipient: str, notification_id: int) -> Notification | None:
        """One visible notification of a recipient."""
        row = await self._db.fetch_one(
            "SELECT * FROM notifications WHERE id = ? AND recipient = ? AND dismissed = 0",
            (notification_id, recipient),
        )
        return _notification(row) if row else None

    async def dismiss(self, recipient: str, notification_id: int | None = None) -> None:
        """Hide one notification, or all of a recipient's."""
        if notification_id is None:
            await self._db.execute(
                "UPDATE notifications SET dismissed = 1 WHERE recipient = ?", (recipient,)
            )
        else:
            await self._db.execute(
                "UPDATE notifications SET dismissed = 1 WHERE recipient = ? AND id = ?",
                (recipient, notification_id),
            )
