"""Outgoing delivery: who receives an activity, and the worker that sends the queue.

The sender writes the activity and one fan-out job (its addressing) in its own
transaction, with no network. The worker's fan-out step, outside any
transaction, expands recipients (followers collections, actors, fetched when
not cached) into inboxes, merging shared inboxes, then writes one delivery per
inbox and finishes the fan-out job in one transaction. Its delivery step sends
due jobs with a per-host concurrency limit, so a dead peer only ever occupies
its own slots.

An activity may also be addressed to this node's own inbox (``OwnInbox``): a
post or a like from a local app that local actors must act on. The worker then
hands it to the node's own handlers, as one more delivery after the sender's
commit, so it is handled once, in its own transaction, by the same rules as an
activity from elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from activitypub.vocabulary import PUBLIC_ALIASES
from federation.actors import ActorResolver, host_of
from federation.errors import FetchError, Refusal
from federation.ports import (
    SYSTEM_TIME,
    DeliveryJob,
    DeliveryQueue,
    FanoutJob,
    FollowStore,
    LocalActors,
    LocalSigner,
    Now,
    RemoteActor,
)
from federation.transport import PostOutcome, Transport

log = logging.getLogger(__name__)

FIRST_RETRY = 30.0
MAX_RETRY_INTERVAL = 12 * 3600.0
GIVE_UP_AFTER = 3 * 24 * 3600.0
MAX_RETRY_AFTER = 6 * 3600.0
# After this many failures in a row a host is paused instead of being tried per job.
PAUSE_AFTER_FAILURES = 5
PAUSE_BASE = 60.0


def next_attempt_delay(attempts: int, retry_after: float | None = None) -> float:
    """Seconds until the next try after ``attempts`` failures: exponential with jitter.

    The first retry comes within a minute; the interval doubles up to twelve
    hours. A peer's Retry-After is honoured up to six hours.
    """
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY_INTERVAL)
    delay = base * random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def is_permanent_failure(outcome: PostOutcome) -> bool:
    """Whether retrying can never help: the inbox is gone or refuses us for good."""
    return outcome.status in (400, 403, 404, 405, 410, 413, 422)


def host_pause(consecutive_failures: int) -> float:
    """How long to hold a host that keeps failing: grows with the failures, capped."""
    if consecutive_failures < PAUSE_AFTER_FAILURES:
        return 0.0
    steps = consecutive_failures - PAUSE_AFTER_FAILURES
    return min(PAUSE_BASE * 2**steps, MAX_RETRY_INTERVAL)


class Recipients:
    """Expands addressing into the inboxes to deliver to."""

    def __init__(
        self,
        *,
        own_host: str,
        follows: FollowStore,
        resolver: ActorResolver,
        followers_collection: Callable[[str], Awaitable[str | None]],
        host_allowed: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        self._own_host = own_host
        self._host_allowed = host_allowed
        self._follows = follows
        self._resolver = resolver
        self._followers_owner = followers_collection

    async def inboxes(self, recipients: Iterable[str]) -> list[str]:
        """Distinct remote inboxes for the recipients, shared inboxes merged.

        Local recipients are skipped (the node writes local effects itself);
        an actor that cannot be fetched is logged and skipped.
        """
        actors: list[str] = []
        for recipient in recipients:
            if recipient in PUBLIC_ALIASES:
                continue
            owner = await self._followers_owner(recipient)
            if owner is not None:
                actors.extend(await self._follows.followers_of(owner))
            else:
                actors.append(recipient)
        allowed: dict[str, bool] = {}
        candidates: list[str] = []
        for actor in dict.fromkeys(actors):
            host = host_of(actor)
            if host == self._own_host:
                continue
            # One policy question per host: a thousand followers on fifty nodes ask fifty.
            if host not in allowed:
                allowed[host] = await self._host_may_receive(host)
            if allowed[host]:
                candidates.append(actor)
            else:
                log.info("not delivering to %s: its node is blocked", actor)
        cached = await self._resolver.fresh_cached(candidates)
        # Actors not cached are fetched side by side: two slow peers cost one timeout.
        fetched = await asyncio.gather(
            *(self._fetch(actor) for actor in candidates if actor not in cached)
        )
        resolved = cached | {remote.uri: remote for remote in fetched if remote is not None}
        inboxes = [resolved[a].delivery_inbox for a in candidates if a in resolved]
        return list(dict.fromkeys(inboxes))

    async def _fetch(self, actor: str) -> RemoteActor | None:
        try:
            return await self._resolver.get(actor)
        except FetchError as exc:
            log.warning("not delivering to %s: %s", actor, exc)
            return None

    async def personal_inbox(self, actor: str) -> str | None:
        """An actor's own inbox (Mastodon poll votes must go there, not to a shared inbox)."""
        if not await self._may_deliver(actor):
            return None
        try:
            return (await self._resolver.get(actor)).inbox
        except FetchError as exc:
            log.warning("no inbox for %s: %s", actor, exc)
            return None

    async def _may_deliver(self, actor: str) -> bool:
        if await self._host_may_receive(host_of(actor)):
            return True
        log.info("not delivering to %s: its node is blocked", actor)
        return False

    async def _host_may_receive(self, host: str) -> bool:
        # A blocked node is neither fetched from nor delivered to.
        return self._host_allowed is None or await self._host_allowed(host)


@dataclass(frozen=True)
class OwnInbox:
    """This node's own inbox, for activities its local actors send to its local actors.

    ``address`` is the node's shared inbox URL: the sender lists it among the
    recipients, and the worker queues one delivery to it. ``receive`` runs the
    body through the node's inbox handlers without HTTP or signature (the body
    comes from the node's own outbox); it raises a ``Refusal`` to refuse, which
    ``refused`` then tells the local sender, as an inbox's answer tells a remote one.
    """

    address: str
    receive: Callable[[bytes], Awaitable[object]]
    refused: Callable[[bytes, Refusal], Awaitable[None]]


class _PassSigners:
    """Signing identities read once per worker pass, not once per job.

    A post to a thousand inboxes has one signer; a concurrent second request for
    the same actor waits for the first read.
    """

    def __init__(self, local: LocalActors) -> None:
        self._local = local
        self._reads: dict[str, asyncio.Task[LocalSigner | None]] = {}

    async def get(self, actor_id: str) -> LocalSigner | None:
        """The signer of a local actor, or None when it no longer exists."""
        if actor_id not in self._reads:
            self._reads[actor_id] = asyncio.create_task(self._local.signer_for(actor_id))
        return await self._reads[actor_id]


@dataclass
class DeliveryReport:
    """What one pass of the worker did."""

    fanned_out: int = 0
    # Sent to other servers; what this node's own inbox took is ``handled_here``.
    delivered: int = 0
    handled_here: int = 0
    retried: int = 0
    given_up: int = 0


class DeliveryWorker:
    """Fans out sent activities and sends due jobs from the queue.

    ``run_once`` is one pass of both; tests call it directly.
    """

    def __init__(
        self,
        *,
        queue: DeliveryQueue,
        local: LocalActors,
        transport: Transport,
        recipients: Recipients,
        per_host: int = 4,
        batch: int = 200,
        now: Now = SYSTEM_TIME,
        own_inbox: OwnInbox | None = None,
    ) -> None:
        self._queue = queue
        self._own_inbox = own_inbox
        self._local = local
        # The node's clock: the outbox dates fan-out jobs on it too (node/outbox.py).
        self._now = now
        self._transport = transport
        self._recipients = recipients
        self._per_host = per_host
        self._batch = batch
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tell a running worker there is new work."""
        self._wake.set()

    async def run_once(self, now: float | None = None) -> DeliveryReport:
        """Fan out what was sent, then send every job that is due now, hosts in
        parallel, each host limited."""
        report = DeliveryReport()
        await self.fan_out(report)
        signers = _PassSigners(self._local)
        while True:
            jobs = await self._queue.due(now or self._now().timestamp(), self._batch)
            if not jobs:
                return report
            by_host: dict[str, list[DeliveryJob]] = {}
            for job in jobs:
                by_host.setdefault(job.host, []).append(job)
            await asyncio.gather(
                *(self._send_host(host_jobs, report, signers) for host_jobs in by_host.values())
            )
            if len(jobs) < self._batch:
                return report

    async def fan_out(self, report: DeliveryReport | None = None) -> int:
        """Resolve every waiting fan-out job into deliveries; return how many jobs.

        Recipients are resolved side by side (fetching actors as needed, with no
        transaction open); the jobs are written in the order they were sent, so
        one inbox's deliveries keep that order.
        """
        done = 0
        while True:
            jobs = await self._queue.pending_fanouts(self._batch)
            resolving = [asyncio.create_task(self._inboxes_for(job)) for job in jobs]
            try:
                for job, inboxes in zip(jobs, resolving, strict=True):
                    await self._queue.fanned_out(job, await inboxes)
            finally:
                for task in resolving:
                    task.cancel()
            done += len(jobs)
            if report is not None:
                report.fanned_out += len(jobs)
            if len(jobs) < self._batch:
                return done

    async def _inboxes_for(self, job: FanoutJob) -> list[str]:
        own = self._own_inbox.address if self._own_inbox is not None else None
        recipients = [r for r in job.recipients if r != own]
        if not job.personal_inboxes:
            inboxes = await self._recipients.inboxes(recipients)
        else:
            found = [await self._recipients.personal_inbox(r) for r in recipients]
            inboxes = [inbox for inbox in found if inbox]
        inboxes = [inbox for inbox in inboxes if host_of(inbox) not in job.skip_hosts]
        if own is not None and own in job.recipients:
            inboxes.append(own)
        return inboxes

    async def run_forever(self, idle: float = 5.0) -> None:
        """Loop: fan out and send what is due, then sleep until woken or ``idle`` seconds pass."""
        while True:
            self._wake.clear()
            await self.run_once()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            except TimeoutError:
                pass

    async def _send_host(
        self, jobs: list[DeliveryJob], report: DeliveryReport, signers: _PassSigners
    ) -> None:
        limit = asyncio.Semaphore(self._per_host)
        failed_host = False
        # Successes are marked together, when the host's jobs are done or before a
        # failure is counted against the host, so the failure count sees them in order.
        delivered: list[DeliveryJob] = []

        async def send(job: DeliveryJob) -> None:
            nonlocal failed_host
            async with limit:
                if failed_host:
                    # The host failed during this pass: do not hammer it with the rest.
                    await self._queue.retry_later(
                        job, "host unreachable in this pass", self._now().timestamp() + FIRST_RETRY
                    )
                    report.retried += 1
                    return
                if not await self._deliver(job, report, signers, delivered):
                    failed_host = True

        async def send_in_order(inbox_jobs: list[DeliveryJob]) -> None:
            for job in inbox_jobs:
                await send(job)

        by_inbox: dict[str, list[DeliveryJob]] = {}
        for job in jobs:
            by_inbox.setdefault(job.inbox, []).append(job)
        # Inboxes in parallel, but one inbox's jobs one after another in queue order:
        # a changed vote must not overtake the vote it replaces.
        await asyncio.gather(*(send_in_order(inbox_jobs) for inbox_jobs in by_inbox.values()))
        await self._mark_delivered(delivered)

    async def _mark_delivered(self, delivered: list[DeliveryJob]) -> None:
        done = list(delivered)
        delivered.clear()
        await self._queue.delivered(done)

    async def _deliver(
        self,
        job: DeliveryJob,
        report: DeliveryReport,
        signers: _PassSigners,
        delivered: list[DeliveryJob],
    ) -> bool:
        if self._own_inbox is not None and job.inbox == self._own_inbox.address:
            await self._deliver_here(self._own_inbox, job, report, delivered)
            return True
        signer = await signers.get(job.signer)
        if signer is None:
            await self._queue.give_up(job, f"signer {job.signer} no longer exists")
            report.given_up += 1
            return True
        outcome = await self._transport.post_activity(job.inbox, job.body, signer)
        now = self._now().timestamp()
        if 200 <= outcome.status < 300:
            delivered.append(job)
            report.delivered += 1
            return True
        log.info("delivery of %s to %s failed: %s", job.activity, job.inbox, outcome.error)
        if is_permanent_failure(outcome):
            await self._queue.give_up(job, outcome.error)
            report.given_up += 1
            return True
        await self._mark_delivered(delivered)
        failures = await self._queue.host_failed(job.host, outcome.error, now)
        pause = host_pause(failures)
        if pause:
            log.warning(
                "pausing delivery to %s for %.0fs after %d failures", job.host, pause, failures
            )
            await self._queue.pause_host(job.host, now + pause)
        if now - job.created_at > GIVE_UP_AFTER:
            await self._queue.give_up(job, outcome.error)
            report.given_up += 1
        else:
            delay = next_attempt_delay(job.attempts + 1, outcome.retry_after)
            await self._queue.retry_later(job, outcome.error, now + max(delay, pause))
            report.retried += 1
        return False

    async def _deliver_here(
        self,
        own_inbox: OwnInbox,
        job: DeliveryJob,
        report: DeliveryReport,
        delivered: list[DeliveryJob],
    ) -> None:
        """Hand a job for this node's own inbox to its handlers; a refusal is final.

        The reason stays on the failed job and is told to the sender once, after
        the job is closed (a crash in between tells nobody rather than twice).
        """
        try:
            await own_inbox.receive(job.body)
        except Refusal as refusal:
            log.info("%s refused by this node's own inbox: %s", job.activity, refusal)
            await self._queue.give_up(job, str(refusal))
            report.given_up += 1
            await own_inbox.refused(job.body, refusal)
            return
        delivered.append(job)
        report.handled_here += 1


__all__ = [
    "DeliveryReport",
    "DeliveryWorker",
    "OwnInbox",
    "Recipients",
    "host_of",
    "host_pause",
    "is_permanent_failure",
    "next_attempt_delay",
]
