"""The one table that maps incoming activities to their handlers.

Keys are (activity type, object type); ``"*"`` as object type matches any
object the more specific entries do not claim. The table is built once at
start-up from explicit entry lists, and the same key twice is an error then,
not a silent override.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from activitypub.vocabulary import Activity
from federation.actors import ActorResolver
from federation.fetch import ObjectFetcher
from federation.forwarding import InboxRequest
from federation.ports import (
    FollowStore,
    InboxLog,
    LocalActors,
    Notifier,
    ObjectStore,
    ReactionStore,
)

ANY = "*"

POLL_ANSWER = "PollAnswer"
"""The object type under which the table files a Note that answers a poll (see
``ASObject.is_poll_answer``): Mastodon sends votes as Notes, and a node counts
them apart from posts. Without an entry for it, a poll answer goes to the Note's
handler."""


class Outbox(Protocol):
    """Sending activities from a local actor; implemented by the node."""

    async def send(self, actor_id: str, activity: dict[str, Any], recipients: list[str]) -> None:
        """Store an activity from a local actor and queue its delivery."""
        ...

    def new_activity_id(self) -> str:
        """A fresh id for an activity this node creates."""
        ...


class Announcer(Protocol):
    """Forwarding of received activities by a local group (FEP-1b12); set by the node."""

    async def forward(self, activity: Activity) -> None:
        """Announce a valid activity addressed to one of our groups to its followers."""
        ...


@dataclass(frozen=True)
class InboxContext:
    """What every handler may use: storage ports, the resolver, the fetcher and the outbox.

    Services only some handlers need reach them by closure instead, built once when
    the node builds its table (see ``moderation.handlers.moderation_handlers``).
    """

    own_host: str
    local: LocalActors
    follows: FollowStore
    objects: ObjectStore
    reactions: ReactionStore
    inbox_log: InboxLog
    resolver: ActorResolver
    outbox: Outbox
    is_local_actor: Callable[[str], Awaitable[bool]]
    fetcher: ObjectFetcher
    # None on a node that keeps no notifications.
    notifier: Notifier | None
    # The request being handled, as received from its sender, for a handler that must
    # pass it on (federation/forwarding.py); None for what was not received directly.
    received: InboxRequest | None = None


Handler = Callable[[InboxContext, Activity], Awaitable[None]]
HandlerKey = tuple[str, str]

Services = TypeVar("Services")
ServiceHandler = Callable[[Services, InboxContext, Activity], Awaitable[None]]


def bind_all(
    services: Services, entries: Iterable[tuple[HandlerKey, ServiceHandler[Services]]]
) -> list[tuple[HandlerKey, Handler]]:
    """Entries whose handlers also take a domain's services, bound to them once.

    A domain (participation, moderation) writes its handlers as
    ``handler(services, ctx, activity)`` and registers them through this, so the
    table stays one table and each domain gets its own typed services.
    """
    return [(key, _bound(handler, services)) for key, handler in entries]


def _bound(handler: ServiceHandler[Services], services: Services) -> Handler:
    @functools.wraps(handler)
    async def bound(ctx: InboxContext, activity: Activity) -> None:
        await handler(services, ctx, activity)

    return bound


class DuplicateHandler(Exception):
    """Two handlers registered for the same (activity type, object type)."""


class HandlerTable:
    """Dispatch from (activity type, object type) to a handler."""

    def __init__(self, entries: Iterable[tuple[HandlerKey, Handler]]) -> None:
        table: dict[HandlerKey, Handler] = {}
        for key, handler in entries:
            if key in table:
                raise DuplicateHandler(
                    f"{key} is handled by both {table[key].__qualname__} and {handler.__qualname__}"
                )
            table[key] = handler
        self._table = table

    def handler_for(self, activity: Activity) -> Handler | None:
        """The handler for an activity, or None when this node does not act on it."""
        if activity.object is not None and activity.object.is_poll_answer:
            answer = self._table.get((activity.type, POLL_ANSWER))
            if answer is not None:
                return answer
        return self._table.get((activity.type, activity.object_type)) or self._table.get(
            (activity.type, ANY)
        )

    def keys(self) -> list[HandlerKey]:
        """Every registered key, for the documentation and the tests."""
        return sorted(self._table)
