"""What the participation domain works with: the stores and services it uses, built once.

``open_node`` builds one ``ParticipationServices`` and hands it to every
domain function, to the domain's inbox handlers (bound in
``node/participation/handlers.py`` ``participation_handlers``) and to the
surfaces (pages, client API, CLI), so no domain function reaches for the
whole node.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from federation.actors import ActorResolver
from federation.fetch import ObjectFetcher
from moderation.spam import ActionGuard
from node.clock import Clock
from node.config import NodeConfig
from node.outbox import NodeOutbox
from node.participation.models import EligibilityCheck
from node.social_actions import SocialServices
from node.storage.account_changes import AccountChanges
from node.storage.accounts import AccountRepository
from node.storage.actors import ActorRepository, LocalActor
from node.storage.addresses import AddressRegister
from node.storage.agreements import AgreementStore
from node.storage.ballots import BallotStore
from node.storage.database import Database
from node.storage.follows import FollowRepository
from node.storage.mail import MailQueue, MailSubscribers
from node.storage.moderation_store import ModerationRepository
from node.storage.notifications import NotificationRepository
from node.storage.objects import ObjectRepository
from node.storage.panel_draws import PanelDraws
from node.storage.participants import ProcessParticipants
from node.storage.participation import ParticipationStore
from node.storage.process_moves import ProcessMoves
from node.storage.reactions import ReactionRepository
from node.storage.registrar import CredentialRevocations, RegisterStore
from node.storage.residents import ResidentRegistry
from node.storage.signups import SignupStore
from node.storage.trust import TrustList
from node.storage.votes import Receipts, SentVotes, VotingStore
from node.urls import Urls

if TYPE_CHECKING:
    from node.participation.eligibility import Attestation


@dataclass(frozen=True)
class ParticipationServices:
    """The participation domain's stores and services."""

    db: Database
    config: NodeConfig
    urls: Urls
    social: SocialServices
    actors: ActorRepository
    accounts: AccountRepository
    objects: ObjectRepository
    reactions: ReactionRepository
    follows: FollowRepository
    notifications: NotificationRepository
    outbox: NodeOutbox
    resolver: ActorResolver
    fetcher: ObjectFetcher
    guard: ActionGuard
    store: ParticipationStore
    votes: VotingStore
    sent_votes: SentVotes
    # The receipt codes this node's residents were given for their votes.
    receipts: Receipts
    ballots: BallotStore
    moves: ProcessMoves
    participants: ProcessParticipants
    residents: ResidentRegistry
    addresses: AddressRegister
    trust: TrustList
    agreements: AgreementStore
    # The registrar's slots and credentials, and the credentials registrars withdrew.
    register: RegisterStore
    revocations: CredentialRevocations
    eligibility: EligibilityCheck
    # The residency a remote person's node attests (node/participation/eligibility.py).
    attestation: Callable[[str], Awaitable[Attestation]]
    draws: PanelDraws
    # Residents' e-mail addresses and choices, and the mails waiting to go out.
    mail_subscribers: MailSubscribers
    mail_queue: MailQueue
    # Accounts residents opened themselves, and invitation links.
    signups: SignupStore
    # Password resets, e-mail changes and ending an account's logins.
    account_changes: AccountChanges
    # The public moderation log, where sign-up decisions and invitations are written.
    moderation_log: ModerationRepository
    # Every reading of the time in the domain (node/clock.py).
    clock: Clock

    async def organisation(self) -> LocalActor:
        """The collective or municipality that runs this node."""
        actor = await self.actors.by_username(self.config.handle)
        if actor is None:
            raise RuntimeError("node has no organisation actor")
        return actor
