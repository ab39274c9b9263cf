"""What a resident acts on when another server sends them here to act
(``/authorize_interaction?uri=``, Mastodon's convention): a proposal, a comment, a
process, another account, a post or a process's panel draw, found on this node or
fetched from its origin and kept (a draw stays with its node), so the resident's own
pages can offer support, comments, follows and sign-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from federation.errors import FetchError, NotFound
from federation.social_handlers import ACTOR_TYPES
from node.participation.comments import thread_proposal
from node.participation.handlers import record_fetched_proposal, validate_quietly
from node.participation.processes import known_process

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

TargetKind = Literal["proposal", "comment", "process", "actor", "post", "draw"]


@dataclass(frozen=True)
class InteractionTarget:
    """What an interaction address names, as this node now holds it. ``proposal`` is the
    proposal itself, or the one whose thread a comment belongs to."""

    kind: TargetKind
    uri: str
    proposal: str | None = None


def _unknown(uri: str, exc: Exception | None = None) -> NotFound:
    return NotFound(
        "that post or account could not be found",
        detail=f"{uri}: {exc}" if exc else uri,
        code="interaction_unknown",
    )


async def _actor_target(services: ParticipationServices, uri: str) -> InteractionTarget:
    process = await known_process(services, uri, fetch=True)
    return InteractionTarget("process" if process else "actor", uri)


async def _post_target(services: ParticipationServices, uri: str) -> InteractionTarget | None:
    """A post this node holds: a proposal, a comment in a proposal's thread, or a post."""
    if await services.store.get_proposal(uri) is not None:
        return InteractionTarget("proposal", uri, uri)
    record = await services.objects.record(uri)
    if record is None or record.deleted_at is not None:
        return None
    proposal = await thread_proposal(services, record.in_reply_to)
    if proposal is not None:
        return InteractionTarget("comment", uri, proposal.uri)
    return InteractionTarget("post", uri)


async def find_interaction_target(services: ParticipationServices, uri: str) -> InteractionTarget:
    """The proposal, comment, process, account or post ``uri`` names: one this node holds,
    or one fetched from its origin (origin-checked) and kept here. A proposal fetched this
    way is kept as a proposal of its process, so the resident's node counts it as such."""
    if await services.actors.by_uri(uri) is not None:
        return await _actor_target(services, uri)
    if await services.draws.get(uri) is not None:
        return InteractionTarget("draw", uri)
    if (held := await _post_target(services, uri)) is not None:
        return held
    if await services.actors.remote_actor(uri) is not None:
        return await _actor_target(services, uri)
    try:
        obj = await services.fetcher.fetch(uri)
        if obj.type == "PanelDraw":
            # Another node's panel draw: nothing to keep, its node holds the sign-ups.
            return InteractionTarget("draw", uri)
        if obj.type in ACTOR_TYPES:
            await services.resolver.get(uri)
            return await _actor_target(services, uri)
        if obj.attributed_to is not None:
            await services.resolver.get(obj.attributed_to)
    except FetchError as exc:
        raise _unknown(uri, exc) from exc
    await services.objects.save_remote_object(obj)
    process = await known_process(services, obj.audience, fetch=True) if obj.audience else None
    if (
        process is not None
        and obj.in_reply_to is None
        and validate_quietly("proposal", dict(obj.raw))
    ):
        await record_fetched_proposal(services, process, dict(obj.raw))
    found = await _post_target(services, uri)
    if found is None:
        raise _unknown(uri)
    return found
