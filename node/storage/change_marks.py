"""Marks of things whose state changed since their last ``Update`` went out.

A change marks its thing; a periodic task sends one Update for each thing
marked long enough ago and clears the mark. Many changes within the delay thus
cost one delivery per follower, as Mastodon batches poll tallies. The tables
(``pending_tally_updates``, ``pending_support_counts``) have a text key and a
``since`` time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from node.storage.database import Database


class ChangeMarks:
    """The marks in one table: ``table (key_column TEXT PRIMARY KEY, since REAL)``."""

    def __init__(self, db: Database, table: str, key_column: str) -> None:
        self._db = db
        self._table = table
        self._key = key_column

    async def mark(self, key: str, now: float) -> None:
        """Note a change; the first change since the last Update sets the clock."""
        await self._db.execute(
            f"INSERT OR IGNORE INTO {self._table} ({self._key}, since) VALUES (?, ?)",
            (key, now),
        )

    async def due(self, changed_before: float) -> list[str]:
        """What changed before a moment and has not been sent since, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {self._key} FROM {self._table} WHERE since <= ? ORDER BY since",
            (changed_before,),
        )
        return [r[0] for r in rows]

    async def send_due(
        self, changed_before: float, now: float, send: Callable[[str], Awaitable[bool]]
    ) -> int:
        """Hand each key marked before ``changed_before`` to ``send``; return how many it
        sent. A mark is cleared before its send, so a change arriving meanwhile marks
        it again; a send that fails marks it again at ``now``."""
        sent = 0
        for key in await self.due(changed_before):
            await self.clear(key)
            try:
                sent += await send(key)
            except BaseException:
                await self.mark(key, now)
                raise
        return sent

    async def clear(self, key: str) -> None:
        """The current state of ``key`` went out."""
        await self._db.execute(f"DELETE FROM {self._table} WHERE {self._key} = ?", (key,))
