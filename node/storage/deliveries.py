"""The persistent delivery queue."""

from __future__ import annotations

import json
from collections.abc import Sequence

from federation.actors import host_of
from federation.ports import DELIVERY_LIFECYCLE, DeliveryJob, FanoutJob
from node.storage.database import Database


def _may_become(state: str) -> str:
    """SQL matching the jobs DELIVERY_LIFECYCLE lets move to ``state``, so no statement moves
    a job the lifecycle does not allow to move (a delivered job is never retried)."""
    return "state IN (" + ", ".join(f"'{s}'" for s in DELIVERY_LIFECYCLE.sources(state)) + ")"


class DeliveryRepository:
    """Implements federation's DeliveryQueue over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_fanout(
        self,
        activity_id: str,
        signer: str,
        recipients: Sequence[str],
        *,
        personal_inboxes: bool,
        now: float,
        skip_hosts: Sequence[str] = (),
    ) -> None:
        """Queue an activity's addressing for the worker to resolve into deliveries, leaving
        out the inboxes on ``skip_hosts``."""
        await self._db.execute(
            "INSERT INTO fanouts (activity, signer, recipients, personal_inboxes, created_at,"
            " skip_hosts) VALUES (?, ?, ?, ?, ?, ?)",
            (
                activity_id,
                signer,
                json.dumps(list(recipients)),
                int(personal_inboxes),
                now,
                json.dumps(list(skip_hosts)),
            ),
        )

    async def pending_fanouts(self, limit: int) -> list[FanoutJob]:
        """Fan-out jobs not done yet, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT id, activity, signer, recipients, personal_inboxes, created_at, skip_hosts"
            " FROM fanouts ORDER BY id LIMIT ?",
            (limit,),
        )
        return [
            FanoutJob(
                id=r["id"],
                activity=r["activity"],
                signer=r["signer"],
                recipients=tuple(json.loads(r["recipients"])),
                personal_inboxes=bool(r["personal_inboxes"]),
                created_at=r["created_at"],
                skip_hosts=tuple(json.loads(r["skip_hosts"])),
            )
            for r in rows
        ]

    async def fanned_out(self, job: FanoutJob, inboxes: Sequence[str]) -> None:
        """One pending delivery per inbox, and the fan-out job done, in one transaction.

        The deliveries are due from when the activity was sent, in inbox order;
        a fan-out done twice (a crash before this commit) queues nothing twice.
        """
        sent = job.created_at
        async with self._db.transaction():
            await self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (activity, inbox, host, signer, state,"
                " next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                [(job.activity, i, host_of(i), job.signer, sent, sent) for i in inboxes],
            )
            await self._db.execute("DELETE FROM fanouts WHERE id = ?", (job.id,))

    async def due(self, now: float, limit: int) -> list[DeliveryJob]:
        """Pending jobs that are due, leaving out paused hosts."""
        rows = await self._db.fetch_all(
            "SELECT d.id, d.activity, d.inbox, d.host, d.signer, d.attempts, d.created_at,"
            " o.document FROM deliveries d JOIN outbox o ON o.uri = d.activity"
            " LEFT JOIN delivery_hosts h ON h.host = d.host"
            " WHERE d.state = 'pending' AND d.next_attempt_at <= ?"
            " AND (h.paused_until IS NULL OR h.paused_until <= ?)"
            " ORDER BY d.next_attempt_at, d.id LIMIT ?",
            (now, now, limit),
        )
        return [
            DeliveryJob(
                id=r["id"],
                activity=r["activity"],
                inbox=r["inbox"],
                host=r["host"],
                signer=r["signer"],
                attempts=r["attempts"],
                body=r["document"].encode("utf-8"),
                created_at=r["created_at"],
            )
            for r in rows
        ]

    async def delivered(self, jobs: Sequence[DeliveryJob]) -> None:
        """Mark jobs done in one transaction; their hosts are healthy again."""
        if not jobs:
            return
        async with self._db.transaction():
            await self._db.executemany(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
                f" last_error = NULL WHERE id = ? AND {_may_become('delivered')}",
                [(job.id,) for job in jobs],
            )
            await self._db.executemany(
                "UPDATE delivery_hosts SET consecutive_failures = 0, paused_until = 0"
                " WHERE host = ?",
                [(host,) for host in dict.fromkeys(job.host for job in jobs)],
            )

    async def retry_later(self, job: DeliveryJob, error: str, next_attempt_at: float) -> None:
        """Count a failed attempt and schedule the next."""
        await self._db.execute(
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
            f" WHERE id = ? AND {_may_become('pending')}",
            (next_attempt_at, error[:500], job.id),
        )

    async def give_up(self, job: DeliveryJob, error: str) -> None:
        """A final failure."""
        await self._db.execute(
            "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?"
            f" WHERE id = ? AND {_may_become('failed')}",
            (error[:500], job.id),
        )

    async def host_failed(self, host: str, error: str, now: float) -> int:
        """Count a failure against a host."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO delivery_hosts (host, consecutive_failures, last_error)"
                " VALUES (?, 1, ?) ON CONFLICT (host) DO UPDATE SET"
                " consecutive_failures = delivery_hosts.consecutive_failures + 1,"
                " last_error = excluded.last_error",
                (host, error[:500]),
            )
            return int(
                await self._db.fetch_value(
                    "SELECT consecutive_failures FROM delivery_hosts WHERE host = ?", (host,)
                )
            )

    async def pause_host(self, host: str, until: float) -> None:
        """Hold deliveries to a host."""
        await self._db.execute(
            "UPDATE delivery_hosts SET paused_until = ? WHERE host = ?", (until, host)
        )

    async def cancel_for_host(self, host: str) -> int:
        """Cancel what is queued for a host."""
        return await self._db.execute_rowcount(
            "UPDATE deliveries SET state = 'cancelled'"
            f" WHERE host = ? AND {_may_become('cancelled')}",
            (host,),
        )

    async def counts(self) -> dict[str, int]:
        """Jobs per state, for the status page and the tests."""
        rows = await self._db.fetch_all("SELECT state, COUNT(*) FROM deliveries GROUP BY state")
        return {r[0]: r[1] for r in rows}

    async def fanouts_waiting(self) -> int:
        """How many sent activities still wait for their recipients to be resolved."""
        return int(await self._db.fetch_value("SELECT COUNT(*) FROM fanouts"))
