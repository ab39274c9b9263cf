"""The composition root: one running node with its storage, federation and domain wired."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from activitypub.jsonld import LocalDocumentLoader, normalise
from federation.actors import ActorResolver
from federation.delivery import DeliveryWorker, OwnInbox, Recipients
from federation.fetch import ObjectFetcher
from federation.handlers import Handler, HandlerKey, HandlerTable, InboxContext
from federation.inbox import InboxPipeline
from federation.social_handlers import CORE_HANDLERS
from federation.transport import Transport
from moderation.handlers import REPLACED_CORE_KEYS as MODERATION_REPLACES
from moderation.handlers import ModerationInboxServices, moderation_handlers
from moderation.inbox_gate import InboxGate
from moderation.policy import FederationPolicy
from moderation.spam import ActionGuard, Limits
from node.clock import DEFAULT_CLOCK, Clock
from node.config import NodeConfig, load_config, moderation_rules
from node.mail import send_due_mail
from node.moderator_services import ModeratorServices
from node.outbox import NodeOutbox
from node.participation.agreements import agreement_handlers
from node.participation.eligibility import EligibilityPolicy
from node.participation.handlers import REPLACED_CORE_KEYS as PARTICIPATION_REPLACES
from node.participation.handlers import participation_handlers
from node.participation.schedule import run_schedule
from node.participation.services import ParticipationServices
from node.participation.signup import remove_unconfirmed
from node.participation.sortition_handlers import sortition_handlers
from node.participation.trail import publish_due_support_counts
from node.participation.voting import publish_due_tallies
from node.participation.voting_handlers import voting_handlers
from node.social_actions import SocialServices, tell_refusal
from node.storage.account_changes import AccountChanges
from node.storage.accounts import AccountRepository
from node.storage.actors import ActorRepository, LocalActor
from node.storage.addresses import AddressRegister
from node.storage.agreements import AgreementStore
from node.storage.ballots import BallotStore
from node.storage.database import Database
from node.storage.deliveries import JOB_LEASE, JOBS_CHANNEL, DeliveryRepository
from node.storage.follows import FollowRepository
from node.storage.inbox_log import InboxLogRepository
from node.storage.job_runners import JobRunners, process_name
from node.storage.mail import MailQueue, MailSubscribers
from node.storage.moderation_store import ModerationRepository
from node.storage.notifications import NotificationRepository
from node.storage.objects import ObjectRepository, OutboxRepository
from node.storage.panel_draws import PanelDraws
from node.storage.participants import ProcessParticipants
from node.storage.participation import ParticipationStore
from node.storage.process_moves import ProcessMoves
from node.storage.rate_buckets import SharedRateBuckets
from node.storage.reactions import ReactionRepository
from node.storage.registrar import CredentialRevocations, RegisterStore
from node.storage.residents import ResidentRegistry
from node.storage.signups import SignupStore
from node.storage.trust import TrustList
from node.storage.votes import Receipts, SentVotes, VotingStore
from node.urls import INSTANCE_USERNAME, Urls
from schemas import CONTEXT_URL, context_document, outgoing_context

log = logging.getLogger(__name__)


def handler_entries(
    participation: ParticipationServices, moderation: ModerationInboxServices
) -> list[tuple[HandlerKey, Handler]]:
    """Every handler this node registers: the social core, then the domains', each bound
    to the services it uses."""
    replaced = PARTICIPATION_REPLACES | MODERATION_REPLACES
    core = [entry for entry in CORE_HANDLERS if entry[0] not in replaced]
    return [
        *core,
        *participation_handlers(participation),
        *voting_handlers(participation),
        *agreement_handlers(participation),
        *sortition_handlers(participation),
        *moderation_handlers(moderation),
    ]


PeriodicJob = Callable[[], Awaitable[object]]
PERIODIC_INTERVAL = 15.0
DELIVERY_POLL = 5.0


@dataclass
class Node:
    """Everything one node needs at run time. Build it with ``open_node``."""

    config: NodeConfig
    data_dir: Path
    db: Database
    urls: Urls
    actors: ActorRepository
    accounts: AccountRepository
    follows: FollowRepository
    objects: ObjectRepository
    reactions: ReactionRepository
    inbox_log: InboxLogRepository
    outbox_store: OutboxRepository
    deliveries: DeliveryRepository
    transport: Transport
    resolver: ActorResolver
    fetcher: ObjectFetcher
    recipients: Recipients
    worker: DeliveryWorker
    outbox: NodeOutbox
    inbox: InboxPipeline
    loader: LocalDocumentLoader
    participation_store: ParticipationStore
    votes: VotingStore
    ballots: BallotStore
    residents: ResidentRegistry
    addresses: AddressRegister
    trust: TrustList
    moderation_store: ModerationRepository
    policy: FederationPolicy
    limits: Limits
    guard: ActionGuard
    notifications: NotificationRepository
    social_services: SocialServices
    participation_services: ParticipationServices
    moderator_services: ModeratorServices
    # Every reading of the time; tests and the shifted CI pass move it (node/clock.py).
    clock: Clock = DEFAULT_CLOCK
    # Jobs the running node runs at start and then every PERIODIC_INTERVAL seconds: the
    # process schedule (node/participation/schedule.py), batched tally updates.
    periodic: list[PeriodicJob] = field(default_factory=list)

    async def run_periodic_once(self) -> None:
        """One round of the periodic jobs; tests call it directly."""
        for job in self.periodic:
            await job()

    async def run_background(self, poll: float = DELIVERY_POLL) -> None:
        """Deliver the queue and repeat the periodic jobs until cancelled. The delivery
        worker wakes when this process sends, when another process announces a fan-out
        (on a shared database) and otherwise every ``poll`` seconds, for retries."""
        async with (
            self.db.listening(JOBS_CHANNEL, self.worker.wake),
            asyncio.TaskGroup() as tasks,
        ):
            tasks.create_task(self.worker.run_forever(idle=poll), name="delivery-worker")
            tasks.create_task(self._run_periodic_forever(), name="periodic-jobs")
            if self.db.shared:
                tasks.create_task(self._say_alive_forever(), name="job-runner-alive")

    async def _say_alive_forever(self) -> None:
        # Web processes that leave the jobs to others read this for /healthz.
        name = process_name()
        runners = JobRunners(self.db)
        while True:
            await runners.alive(name, time.time())
            await asyncio.sleep(PERIODIC_INTERVAL)

    async def _run_periodic_forever(self) -> None:
        # The first round runs at start: what fell due while the node was down (a vote's
        # end, a phase's date) is handled now, not a round later.
        while True:
            # Several processes on one PostgreSQL database take turns: a round runs in
            # one of them at a time (each move is made once anyway, node/participation/
            # moves.py, but a tally update would go out from each).
            async with self.db.exclusive("periodic-jobs") as ours:
                if ours:
                    await self.run_periodic_once()
            await asyncio.sleep(PERIODIC_INTERVAL)

    async def instance_actor(self) -> LocalActor:
        """The node's instance actor."""
        actor = await self.actors.by_username(INSTANCE_USERNAME)
        if actor is None:
            raise RuntimeError("node has no instance actor")
        return actor

    async def organisation(self) -> LocalActor:
        """The collective or municipality that runs this node."""
        return await self.participation_services.organisation()

    async def start(self) -> None:
        """Open outbound connections."""
        await self.transport.start()

    async def close(self) -> None:
        """Close connections and the database."""
        await self.transport.close()
        await self.db.close()


async def open_node(
    data_dir: Path,
    config: NodeConfig | None = None,
    clock: Clock = DEFAULT_CLOCK,
    job_lease: float = JOB_LEASE,
) -> Node:
    """Open an initialised node directory and wire its parts together, on ``clock``.

    ``job_lease`` is how long this process's claim of a job holds on a database
    other processes share (``node/storage/deliveries.py``)."""
    config = config or load_config(data_dir)
    db = await Database.open(config.database_location(data_dir))
    # Processes that share the database spend one allowance per subject together.
    rate_buckets = SharedRateBuckets(db) if db.shared else None
    limits = Limits(moderation_rules(data_dir), shared=rate_buckets)
    urls = Urls(config.base_url)
    actors = ActorRepository(db)
    follows = FollowRepository(db)
    objects = ObjectRepository(db)
    reactions = ReactionRepository(db)
    inbox_log = InboxLogRepository(db)
    outbox_store = OutboxRepository(db)
    deliveries = DeliveryRepository(db, job_lease)
    # Always on: a request made while holding the write lock is a programming error.
    transport = Transport(
        allow_private=config.dev, write_transaction_open=db.in_write_transaction, now=clock.now
    )
    resolver = ActorResolver(actors, actors, transport, now=clock.now)
    fetcher = ObjectFetcher(actors, transport)
    moderation_store = ModerationRepository(db)
    policy = FederationPolicy(moderation_store, urls.host)

    async def followers_owner(collection: str) -> str | None:
        username = urls.username_of_followers(collection)
        return urls.actor(username) if username else None

    recipients = Recipients(
        own_host=urls.host,
        follows=follows,
        resolver=resolver,
        followers_collection=followers_owner,
        host_allowed=policy.may_deliver,
    )
    worker = DeliveryWorker(
        queue=deliveries,
        local=actors,
        transport=transport,
        recipients=recipients,
        now=clock.now,
        # ``inbox`` and ``social`` are built below, from parts that need the worker;
        # the worker only calls these once the node runs.
        own_inbox=OwnInbox(
            urls.shared_inbox(),
            lambda body: inbox.receive_local(body),
            lambda body, refusal: tell_refusal(social, notifications, body, refusal),
        ),
    )
    outbox = NodeOutbox(db=db, urls=urls, outbox=outbox_store, queue=deliveries, worker=worker)
    notifications = NotificationRepository(db)
    accounts = AccountRepository(db)
    guard = ActionGuard(limits, moderation_store, moderation_store, clock.now)
    context = InboxContext(
        own_host=urls.host,
        local=actors,
        follows=follows,
        objects=objects,
        reactions=reactions,
        inbox_log=inbox_log,
        resolver=resolver,
        outbox=outbox,
        is_local_actor=actors.is_local,
        fetcher=fetcher,
        notifier=notifications,
    )
    loader = LocalDocumentLoader({CONTEXT_URL: context_document()})
    # Built once: building it copies the whole Samenspraak context, on every inbox POST.
    canonical_context = outgoing_context()
    social = SocialServices(
        db=db,
        urls=urls,
        actors=actors,
        objects=objects,
        reactions=reactions,
        follows=follows,
        outbox=outbox,
        resolver=resolver,
        guard=guard,
        notifications=notifications,
    )
    residents = ResidentRegistry(db)
    trust = TrustList(db)
    participants = ProcessParticipants(db)
    eligibility = EligibilityPolicy(
        residents=residents,
        trust=trust,
        resolver=resolver,
        cached_actor=actors.remote_actor,
        remote_document=actors.remote_document,
        is_local=actors.is_local,
        normalise=lambda document: normalise(document, canonical_context, loader),
        participants=participants,
        account_published=actors.published,
    )
    participation = ParticipationServices(
        db=db,
        config=config,
        urls=urls,
        social=social,
        actors=actors,
        accounts=accounts,
        objects=objects,
        reactions=reactions,
        follows=follows,
        notifications=notifications,
        outbox=outbox,
        resolver=resolver,
        fetcher=fetcher,
        guard=guard,
        clock=clock,
        store=ParticipationStore(db),
        votes=VotingStore(db),
        sent_votes=SentVotes(db),
        receipts=Receipts(db),
        ballots=BallotStore(db),
        moves=ProcessMoves(db),
        participants=participants,
        residents=residents,
        addresses=AddressRegister(db),
        trust=trust,
        agreements=AgreementStore(db),
        register=RegisterStore(db),
        revocations=CredentialRevocations(db),
        eligibility=eligibility.check,
        attestation=eligibility.remote_attestation,
        draws=PanelDraws(db),
        mail_subscribers=MailSubscribers(db),
        mail_queue=MailQueue(db, job_lease),
        signups=SignupStore(db),
        account_changes=AccountChanges(db),
        moderation_log=moderation_store,
    )
    gate = InboxGate(policy, limits, moderation_store)
    inbox = InboxPipeline(
        table=HandlerTable(
            handler_entries(participation, ModerationInboxServices(moderation_store, limits))
        ),
        context=context,
        lookup_key=resolver.lookup_key,
        normalise=lambda document: normalise(document, canonical_context, loader),
        host_policy=gate.check_host,
        actor_policy=gate.check_actor,
        now=clock.now,
    )
    node = Node(
        config=config,
        data_dir=data_dir,
        db=db,
        urls=urls,
        actors=actors,
        accounts=accounts,
        follows=follows,
        objects=objects,
        reactions=reactions,
        inbox_log=inbox_log,
        outbox_store=outbox_store,
        deliveries=deliveries,
        transport=transport,
        resolver=resolver,
        fetcher=fetcher,
        recipients=recipients,
        worker=worker,
        outbox=outbox,
        inbox=inbox,
        loader=loader,
        participation_store=participation.store,
        votes=participation.votes,
        ballots=participation.ballots,
        residents=residents,
        addresses=participation.addresses,
        trust=trust,
        moderation_store=moderation_store,
        policy=policy,
        limits=limits,
        guard=guard,
        notifications=notifications,
        social_services=social,
        participation_services=participation,
        moderator_services=ModeratorServices(
            db=db,
            urls=urls,
            accounts=accounts,
            actors=actors,
            objects=objects,
            follows=follows,
            deliveries=deliveries,
            resolver=resolver,
            outbox=outbox,
            moderation_store=moderation_store,
            notifier=notifications,
            guard=guard,
            limits=limits,
            policy=policy,
        ),
        clock=clock,
        periodic=[
            lambda: run_schedule(participation),
            lambda: publish_due_tallies(participation),
            lambda: publish_due_support_counts(participation),
            lambda: send_due_mail(
                participation.mail_queue, config.mail, config.name, clock.timestamp()
            ),
            lambda: remove_unconfirmed(participation),
            *([lambda: rate_buckets.remove_full(limits.longest_period)] if rate_buckets else []),
        ],
    )
    return node
