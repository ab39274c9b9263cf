"""Who took part in each process, and from which server: the count behind an open
process's per-server cap and its results per server."""

from __future__ import annotations

from node.clock import iso_now
from node.storage.database import Database


class ProcessParticipants:
    """Accounts that supported, voted or cast a ballot in a process, with their server."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def take_part(
        self, process_uri: str, actor_uri: str, server: str, cap: int | None
    ) -> bool:
        """Count an account among a process's participants; False when its server has
        ``cap`` participants already and the account is not one of them.

        One statement checks the count and inserts, so accounts of one server
        arriving at the same moment cannot together pass the cap.
        """
        if cap is None:
            await self._db.execute(
                "INSERT OR IGNORE INTO process_participants"
                " (process_uri, actor_uri, server, first_at) VALUES (?, ?, ?, ?)",
                (process_uri, actor_uri, server, iso_now()),
            )
            return True
        await self._db.execute(
            "INSERT OR IGNORE INTO process_participants (process_uri, actor_uri, server, first_at)"
            " SELECT ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM process_participants"
            " WHERE process_uri = ? AND server = ?) < ?",
            (process_uri, actor_uri, server, iso_now(), process_uri, server, cap),
        )
        return await self.takes_part(process_uri, actor_uri)

    async def takes_part(self, process_uri: str, actor_uri: str) -> bool:
        """Whether an account is counted among a process's participants already."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM process_participants WHERE process_uri = ? AND actor_uri = ?",
            (process_uri, actor_uri),
        )
        return found is not None

    async def count_from(self, process_uri: str, server: str) -> int:
        """How many accounts of one server take part in a process."""
        count = await self._db.fetch_value(
            "SELECT COUNT(*) FROM process_participants WHERE process_uri = ? AND server = ?",
            (process_uri, server),
        )
        return int(count or 0)
