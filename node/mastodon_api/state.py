"""What the client API keeps per running node: its repositories and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from aiohttp import web

from moderation.rate_limit import DEFAULT_RATES, Rate, RateLimiter
from node.node import Node
from node.storage.client_state import AccountIdRepository, IdempotencyRepository, MarkerRepository
from node.storage.notifications import NotificationRepository
from node.storage.oauth import OAuthRepository
from node.storage.timelines import TimelineRepository

# Ten password attempts per five minutes from one address stop guessing, not typos.
CLIENT_API_RATES = MappingProxyType({**DEFAULT_RATES, "login": Rate(10, 300)})


@dataclass(frozen=True)
class ClientApi:
    """The repositories and the rate limiter behind the client API of one node."""

    oauth: OAuthRepository
    account_ids: AccountIdRepository
    idempotency: IdempotencyRepository
    markers: MarkerRepository
    notifications: NotificationRepository
    timelines: TimelineRepository
    limiter: RateLimiter

    @classmethod
    def for_node(cls, node: Node) -> ClientApi:
        """Build the client API's parts over a node's database."""
        return cls(
            oauth=OAuthRepository(node.db),
            account_ids=AccountIdRepository(node.db),
            idempotency=IdempotencyRepository(node.db),
            markers=MarkerRepository(node.db),
            notifications=node.notifications,
            timelines=TimelineRepository(node.db),
            limiter=RateLimiter(CLIENT_API_RATES),
        )


CLIENT_API = web.AppKey("client_api", ClientApi)
