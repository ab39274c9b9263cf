"""Activities received, by id: what makes the inbox idempotent."""

from __future__ import annotations

from node.clock import iso_now
from node.storage.database import Database


class InboxLogRepository:
    """Implements federation's InboxLog over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, activity_id: str) -> bool:
        """Whether an activity was processed."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM inbox_log WHERE activity_id = ?", (activity_id,)
        )
        return found == 1

    async def record(self, activity_id: str, actor: str, activity_type: str) -> bool:
        """Remember an activity; False when it was there already."""
        count = await self._db.write_row(
            "INSERT OR IGNORE INTO inbox_log (activity_id, actor, type, received_at)"
            " VALUES (?, ?, ?, ?)",
            (activity_id, actor, activity_type, iso_now()),
        )
        return count > 0

    async def forget(self, activity_id: str) -> None:
        """Drop a record after a failed handler."""
        await self._db.execute("DELETE FROM inbox_log WHERE activity_id = ?", (activity_id,))
