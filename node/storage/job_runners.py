"""The processes that run a node's jobs (delivery, schedule, tallies) and when each
last said it was alive: what ``/healthz`` of a web process without jobs looks at."""

from __future__ import annotations

import os
import socket

from node.storage.database import Database


def process_name() -> str:
    """This process among those of a node: its machine and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobRunners:
    """One row per process running the jobs, by name (host and process id)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def alive(self, name: str, now: float) -> None:
        """Note that ``name`` runs the jobs at ``now``."""
        await self._db.execute(
            "INSERT INTO job_runners (name, seen_at) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at",
            (name, now),
        )

    async def last_seen(self) -> float | None:
        """When any process last said it runs the jobs; None when none ever did."""
        value = await self._db.fetch_value("SELECT MAX(seen_at) FROM job_runners")
        return float(value) if value is not None else None
