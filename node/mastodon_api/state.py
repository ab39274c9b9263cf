"""What the client API keeps per running node: its repositories."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from node.node import Node
from node.storage.client_state import AccountIdRepository, IdempotencyRepository, MarkerRepository
from node.storage.media import MediaRepository
from node.storage.notifications import NotificationRepository
from node.storage.oauth import OAuthRepository
from node.storage.status_marks import StatusMarkRepository
from node.storage.timelines import TimelineRepository


@dataclass(frozen=True)
class ClientApi:
    """The repositories behind the client API of one node."""

    oauth: OAuthRepository
    account_ids: AccountIdRepository
    idempotency: IdempotencyRepository
    markers: MarkerRepository
    notifications: NotificationRepository
    timelines: TimelineRepository
    marks: StatusMarkRepository
    media: MediaRepository

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
            marks=StatusMarkRepository(node.db),
            media=MediaRepository(node.db),
        )


CLIENT_API = web.AppKey("client_api", ClientApi)
