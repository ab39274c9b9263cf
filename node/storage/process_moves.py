"""Storage of what moved a process on (``process_moves``): the decision log's process
steps and the scheduler's "done" marks."""

from __future__ import annotations

from node.participation.models import ProcessMove
from node.storage.database import Database, Row


def _move(row: Row) -> ProcessMove:
    return ProcessMove(
        process_uri=row["process_uri"],
        kind=row["kind"],
        subject=row["subject"],
        state=row["state"],
        previous_state=row["previous_state"],
        due_at=row["due_at"],
        actor=row["actor"],
        done_at=row["done_at"],
    )


class ProcessMoves:
    """Moves of processes, one row per (kind, subject, state)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, move: ProcessMove) -> bool:
        """Write a move; False when the same move was written before (it happened)."""
        count = await self._db.execute_rowcount(
            "INSERT INTO process_moves (process_uri, kind, subject, state, previous_state,"
            " due_at, actor, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, subject, state) DO NOTHING",
            (
                move.process_uri,
                move.kind,
                move.subject,
                move.state,
                move.previous_state,
                move.due_at,
                move.actor,
                move.done_at,
            ),
        )
        return count == 1

    async def done(self, kind: str, subject: str, state: str) -> bool:
        """Whether a move was made."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM process_moves WHERE kind = ? AND subject = ? AND state = ?",
            (kind, subject, state),
        )
        return found is not None

    async def of_process(self, process_uri: str) -> list[ProcessMove]:
        """Every move of a process, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM process_moves WHERE process_uri = ? ORDER BY id", (process_uri,)
        )
        return [_move(r) for r in rows]
