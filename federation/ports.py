"""What federation needs from storage, stated as small protocols.

``node/`` implements them (SQLite today) and wires them in at start-up, so
nothing in ``federation/`` knows about SQL or about participation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from activitypub.vocabulary import ActorDocument, ASObject
from federation.lifecycle import StateGraph

# Where federation reads the time; node/ hands in its own clock (node/clock.py) instead.
Now = Callable[[], datetime]
SYSTEM_TIME: Now = partial(datetime.now, UTC)


@dataclass(frozen=True)
class LocalSigner:
    """A local actor's signing identity."""

    actor_id: str
    key_id: str
    private_key_pem: str


@dataclass(frozen=True)
class RemoteActor:
    """A cached remote actor: where to deliver and which key verifies it."""

    uri: str
    as_type: str
    username: str
    domain: str
    inbox: str
    shared_inbox: str | None
    key_id: str | None
    public_key_pem: str | None
    fetched_at: float

    @property
    def delivery_inbox(self) -> str:
        """Shared inbox when the actor has one, its own inbox otherwise."""
        return self.shared_inbox or self.inbox


@dataclass(frozen=True)
class StoredObject:
    """An object as this node knows it."""

    uri: str
    as_type: str
    attributed_to: str | None
    in_reply_to: str | None
    local: bool
    deleted: bool
    updated: str | None


@dataclass(frozen=True)
class Follow:
    """A follow relation between two actors, one of which is local."""

    follower: str
    followed: str
    activity_id: str
    state: str


@dataclass(frozen=True)
class DeliveryJob:
    """One signed POST of one activity to one inbox."""

    id: int
    activity: str
    inbox: str
    host: str
    signer: str
    attempts: int
    body: bytes
    created_at: float


# A delivery job stays pending, also between retries, until it is delivered, given up
# (failed) or cancelled because its host was blocked. A paused host holds its jobs pending.
DELIVERY_LIFECYCLE = StateGraph(
    "pending",
    {
        "pending": frozenset({"pending", "delivered", "failed", "cancelled"}),
        "delivered": frozenset(),
        "failed": frozenset(),
        "cancelled": frozenset(),
    },
    noun="delivery state",
    refusal="a delivery that is {current} cannot become {new} (allowed: {allowed})",
)


@dataclass(frozen=True)
class FanoutJob:
    """An activity's addressing, waiting to be resolved into one delivery per inbox."""

    id: int
    activity: str
    signer: str
    recipients: tuple[str, ...]
    # Each recipient's own inbox instead of shared ones (Mastodon poll votes).
    personal_inboxes: bool
    created_at: float
    # Hosts left out: servers that have the activity's object already.
    skip_hosts: tuple[str, ...] = ()


class LocalActors(Protocol):
    """The actors this node hosts."""

    async def signer_for(self, actor_id: str) -> LocalSigner | None:
        """The signing identity of a local actor, or None when it is not local."""
        ...

    async def instance_signer(self) -> LocalSigner:
        """The instance actor's identity, which signs fetches and reports."""
        ...


class ActorCache(Protocol):
    """Remote actors seen before."""

    async def remote_actor(self, uri: str) -> RemoteActor | None:
        """A cached remote actor by id."""
        ...

    async def remote_actors(self, uris: Sequence[str]) -> dict[str, RemoteActor]:
        """The cached ones among several remote actors, by id, read in one go."""
        ...

    async def remote_actor_by_key(self, key_id: str) -> RemoteActor | None:
        """A cached remote actor by the id of its public key."""
        ...

    async def save_remote_actor(self, actor: ActorDocument, fetched_at: float) -> RemoteActor:
        """Insert or refresh a remote actor."""
        ...

    async def host_checked_at(self, host: str) -> float | None:
        """When a server's NodeInfo was last asked for, or None when never."""
        ...

    async def save_host(
        self, host: str, software: str | None, node_name: str | None, checked_at: float
    ) -> None:
        """Keep what a server's NodeInfo said (None where it said nothing)."""
        ...


class InboxLog(Protocol):
    """Activity ids already processed, which makes the inbox idempotent."""

    async def seen(self, activity_id: str) -> bool:
        """Whether this activity was processed before."""
        ...

    async def record_with_effects(
        self,
        activity_id: str,
        actor: str,
        activity_type: str,
        effects: Callable[[], Awaitable[None]],
    ) -> bool:
        """Run ``effects`` and remember the activity, committed together or not at all.

        False (and nothing kept) when the activity was recorded already, by a
        concurrent delivery of the same id. ``effects`` may use the network only
        before its first write; an exception rolls everything back.
        """
        ...


class FollowStore(Protocol):
    """Follow relations."""

    async def follow_by_activity(self, activity_id: str) -> Follow | None:
        """The follow created by this Follow activity."""
        ...

    async def follow_between(self, follower: str, followed: str) -> Follow | None:
        """The follow of ``followed`` by ``follower``, if any."""
        ...

    async def save_follow(self, follow: Follow) -> None:
        """Insert or replace the relation between follower and followed."""
        ...

    async def set_follow_state(self, follower: str, followed: str, state: str) -> None:
        """Change the state of an existing follow."""
        ...

    async def remove_follow(self, follower: str, followed: str) -> bool:
        """Remove a follow; False when there was none."""
        ...

    async def followers_of(self, actor_id: str) -> list[str]:
        """Accepted followers of a local actor."""
        ...

    async def followed_by(self, actor_id: str) -> list[str]:
        """Actors that ``actor_id`` follows, in any state."""
        ...


class ObjectStore(Protocol):
    """Objects (notes, questions, tombstones) known to this node."""

    async def get_object(self, uri: str) -> StoredObject | None:
        """An object by id."""
        ...

    async def save_remote_object(self, obj: ASObject) -> None:
        """Insert a remote object, or replace it with a newer version."""
        ...

    async def tombstone(self, uri: str) -> bool:
        """Mark an object deleted, keeping its id; False when unknown."""
        ...

    async def tombstone_by_author(self, actor_id: str) -> int:
        """Mark every object of an actor deleted; return how many."""
        ...


class ReactionStore(Protocol):
    """Likes and announces."""

    async def add_like(self, activity_id: str, actor: str, object_id: str) -> bool:
        """Record a like; False when the actor liked the object already."""
        ...

    async def remove_like(self, actor: str, object_or_like_id: str) -> bool:
        """Undo the actor's like of an object, or the like with that activity id."""
        ...

    async def add_announce(self, activity_id: str, actor: str, object_id: str) -> bool:
        """Record an announce; False when it was recorded already."""
        ...

    async def remove_announce(self, activity_id: str, actor: str) -> bool:
        """Undo an announce by its activity id; False when there was none."""
        ...


class DeliveryQueue(Protocol):
    """The persistent queue of outgoing POSTs."""

    async def pending_fanouts(self, limit: int) -> list[FanoutJob]:
        """Fan-out jobs not done yet, oldest first."""
        ...

    async def fanned_out(self, job: FanoutJob, inboxes: Sequence[str]) -> None:
        """Queue one delivery per inbox and finish the fan-out job, in one transaction;
        doing it twice queues nothing twice."""
        ...

    async def due(self, now: float, limit: int) -> list[DeliveryJob]:
        """Pending jobs whose time has come, skipping paused hosts."""
        ...

    async def delivered(self, jobs: Sequence[DeliveryJob]) -> None:
        """Mark jobs done and reset their hosts' failure counts, in one transaction."""
        ...

    async def retry_later(self, job: DeliveryJob, error: str, next_attempt_at: float) -> None:
        """Record a failed attempt and when to try again."""
        ...

    async def give_up(self, job: DeliveryJob, error: str) -> None:
        """Record a final failure."""
        ...

    async def host_failed(self, host: str, error: str, now: float) -> int:
        """Count a failure against a host; return its consecutive failures."""
        ...

    async def pause_host(self, host: str, until: float) -> None:
        """Hold every delivery to a host until ``until``."""
        ...

    async def cancel_for_host(self, host: str) -> int:
        """Cancel every pending job to a host (a blocked domain); return how many."""
        ...


class Notifier(Protocol):
    """Tells local accounts what others did to them; the node sets one as
    ``InboxContext.notifier``."""

    async def notify(
        self, kind: str, recipient: str, actor: str, object_id: str | None = None
    ) -> None:
        """Record that ``actor`` did ``kind`` (follow, mention, favourite, reblog, ...) to
        ``recipient``; nothing happens when the recipient is no local account."""
        ...
