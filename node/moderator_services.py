"""What moderators' actions use (``node/moderator_actions.py``): built once by ``open_node``."""

from __future__ import annotations

from dataclasses import dataclass

from federation.actors import ActorResolver
from federation.ports import Notifier
from moderation.policy import FederationPolicy
from moderation.spam import ActionGuard, Limits
from node.outbox import NodeOutbox
from node.storage.accounts import AccountRepository
from node.storage.actors import ActorRepository
from node.storage.database import Database
from node.storage.deliveries import DeliveryRepository
from node.storage.follows import FollowRepository
from node.storage.moderation_store import ModerationRepository
from node.storage.objects import ObjectRepository
from node.urls import Urls


@dataclass(frozen=True)
class ModeratorServices:
    """The stores and services behind reports, hiding, sanctions and federation policy."""

    db: Database
    urls: Urls
    accounts: AccountRepository
    actors: ActorRepository
    objects: ObjectRepository
    follows: FollowRepository
    deliveries: DeliveryRepository
    resolver: ActorResolver
    outbox: NodeOutbox
    moderation_store: ModerationRepository
    notifier: Notifier
    guard: ActionGuard
    # The node's limits, not a copy of their rules: a moderator may configure new ones.
    limits: Limits
    policy: FederationPolicy
