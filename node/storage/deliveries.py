"""The persistent delivery queue.

On a database several processes share (PostgreSQL: ``samenspraak worker``s and
``serve`` processes), a worker claims the fan-outs and deliveries it takes: the
rows are selected ``FOR UPDATE SKIP LOCKED`` and marked ``claimed_until`` (the
claim's lease) and ``claimed_by`` (the process) in one transaction, so no other
process takes them while the claim holds. Finishing a job ends its claim. A
process killed while holding jobs leaves them claimed until the lease lapses;
then another process takes them again, so a job is never lost. A delivery in
flight when its process died (the worker marks a host's deliveries done together,
after its batch) is then POSTed a second time: the receiving inbox takes an
activity once by its id (as every ActivityPub inbox must), so it has one effect.

Order is kept across processes: fan-outs are claimed by one process at a time
(their deliveries are written in the order sent), and a delivery is claimed only
when no earlier delivery to its inbox is claimed by someone else. Claims are made
one transaction at a time (``serialise_claims``), so that check is exact.

On SQLite one process serves the node, and its single worker loop takes jobs
without a claim, as before.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from federation.actors import host_of
from federation.ports import DELIVERY_LIFECYCLE, DeliveryJob, FanoutJob
from node.storage.database import Database, Row
from node.storage.job_runners import process_name


def _may_become(state: str) -> str:
    """SQL matching the jobs DELIVERY_LIFECYCLE lets move to ``state``, so no statement moves
    a job the lifecycle does not allow to move (a delivered job is never retried)."""
    return "state IN (" + ", ".join(f"'{s}'" for s in DELIVERY_LIFECYCLE.sources(state)) + ")"


# How long a claim holds: longer than a worker's pass over one batch takes (a
# delivery times out after 10 s, four per host at a time), short enough that jobs
# of a killed process go out again within minutes.
JOB_LEASE = 300.0
# What worker processes listen on (Database.listening) to take new fan-outs at once
# instead of at their next poll.
JOBS_CHANNEL = "samenspraak_jobs"


class DeliveryRepository:
    """Implements federation's DeliveryQueue over the node's database.

    ``lease`` is how many seconds a claim of a shared database holds.
    """

    def __init__(self, db: Database, lease: float = JOB_LEASE) -> None:
        self._db = db
        self._lease = lease
        self._name = process_name()

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
        await self._db.announce(JOBS_CHANNEL)

    async def pending_fanouts(self, limit: int) -> list[FanoutJob]:
        """Fan-out jobs not done yet, oldest first; claimed for this process on a shared
        database, and none while another process holds some."""
        query = (
            "SELECT f.id, f.activity, f.signer, f.recipients, f.personal_inboxes, f.created_at,"
            " f.skip_hosts FROM fanouts f"
        )
        if not self._db.shared:
            rows = await self._db.fetch_all(f"{query} ORDER BY f.id LIMIT ?", (limit,))
            return [_fanout(r) for r in rows]
        now = time.time()
        async with self._db.transaction():
            await self._db.serialise_claims("fanouts")
            rows = await self._db.fetch_all(
                f"{query} WHERE NOT EXISTS (SELECT 1 FROM fanouts e WHERE e.claimed_until > ?)"
                f" ORDER BY f.id LIMIT ?{self._db.skip_locked('f')}",
                (now, limit),
            )
            await self._claim("fanouts", [r["id"] for r in rows], now)
        return [_fanout(r) for r in rows]

    async def _claim(self, table: str, ids: list[int], now: float) -> None:
        await self._db.executemany(
            f"UPDATE {table} SET claimed_until = ?, claimed_by = ? WHERE id = ?",
            [(now + self._lease, self._name, job_id) for job_id in ids],
        )

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
        """Pending jobs that are due, leaving out paused hosts; claimed for this process
        on a shared database, leaving out what others hold."""
        query = (
            "SELECT d.id, d.activity, d.inbox, d.host, d.signer, d.attempts, d.created_at,"
            " o.document FROM deliveries d JOIN outbox o ON o.uri = d.activity"
            " LEFT JOIN delivery_hosts h ON h.host = d.host"
            " WHERE d.state = 'pending' AND d.next_attempt_at <= ?"
            " AND (h.paused_until IS NULL OR h.paused_until <= ?)"
        )
        order = " ORDER BY d.next_attempt_at, d.id LIMIT ?"
        if not self._db.shared:
            rows = await self._db.fetch_all(query + order, (now, now, limit))
            return [_delivery(r) for r in rows]
        # The lease runs on the machine's time: ``now`` may be a test's or a shifted clock's.
        claimed_at = time.time()
        async with self._db.transaction():
            await self._db.serialise_claims("deliveries")
            rows = await self._db.fetch_all(
                f"{query} AND (d.claimed_until IS NULL OR d.claimed_until <= ?)"
                " AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.inbox = d.inbox"
                " AND e.state = 'pending' AND e.id < d.id AND e.claimed_until > ?)"
                f"{order}{self._db.skip_locked('d')}",
                (now, now, claimed_at, claimed_at, limit),
            )
            await self._claim("deliveries", [r["id"] for r in rows], claimed_at)
        return [_delivery(r) for r in rows]

    async def delivered(self, jobs: Sequence[DeliveryJob]) -> None:
        """Mark jobs done in one transaction; their hosts are healthy again."""
        if not jobs:
            return
        async with self._db.transaction():
            await self._db.executemany(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
                " last_error = NULL, claimed_until = NULL"
                f" WHERE id = ? AND {_may_become('delivered')}",
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
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,"
            f" claimed_until = NULL WHERE id = ? AND {_may_become('pending')}",
            (next_attempt_at, error[:500], job.id),
        )

    async def give_up(self, job: DeliveryJob, error: str) -> None:
        """A final failure."""
        await self._db.execute(
            "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?,"
            f" claimed_until = NULL WHERE id = ? AND {_may_become('failed')}",
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
            "UPDATE deliveries SET state = 'cancelled', claimed_until = NULL"
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


def _fanout(row: Row) -> FanoutJob:
    return FanoutJob(
        id=row["id"],
        activity=row["activity"],
        signer=row["signer"],
        recipients=tuple(json.loads(row["recipients"])),
        personal_inboxes=bool(row["personal_inboxes"]),
        created_at=row["created_at"],
        skip_hosts=tuple(json.loads(row["skip_hosts"])),
    )


def _delivery(row: Row) -> DeliveryJob:
    return DeliveryJob(
        id=row["id"],
        activity=row["activity"],
        inbox=row["inbox"],
        host=row["host"],
        signer=row["signer"],
        attempts=row["attempts"],
        body=row["document"].encode("utf-8"),
        created_at=row["created_at"],
    )
