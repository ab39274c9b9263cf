"""Activities received, by id: what makes the inbox idempotent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from node.clock import iso_now
from node.storage.database import Database


class _RecordedAlready(Exception):
    """A concurrent delivery of the same activity committed first: roll this one back."""


class InboxLogRepository:
    """Implements federation's InboxLog over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, activity_id: str) -> bool:
        """Whether an activity was processed."""
        found = await self._db.lookup(
            "SELECT 1 FROM inbox_log WHERE activity_id = ?", (activity_id,)
        )
        return found is not None

    async def record_with_effects(
        self,
        activity_id: str,
        actor: str,
        activity_type: str,
        effects: Callable[[], Awaitable[None]],
    ) -> bool:
        """Run ``effects`` and log the activity in one deferred transaction.

        The transaction begins at the effects' first write (reads and fetches
        before it hold no lock) and takes the log row with it; False, with the
        effects rolled back, when the activity was logged already.
        """
        try:
            async with self._db.deferred_transaction():
                await effects()
                logged = await self._db.write_row(
                    "INSERT OR IGNORE INTO inbox_log (activity_id, actor, type, received_at)"
                    " VALUES (?, ?, ?, ?)",
                    (activity_id, actor, activity_type, iso_now()),
                )
                if not logged:
                    raise _RecordedAlready(activity_id)
        except _RecordedAlready:
            return False
        return True
