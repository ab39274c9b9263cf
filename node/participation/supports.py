"""Supports: a ``Like`` of a proposal, counted once per eligible actor by the process's node.

Reaching the support threshold moves the proposal on, as its process's
archetype says. A refused support is answered with a ``Reject`` of the Like
(and, through the inbox, a 422 with the reason); nothing is counted then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from activitypub.vocabulary import Activity
from federation.errors import Conflict, NotFound, Reason, Refused, coded
from node.participation.eligibility import claim_place
from node.participation.models import Process, Proposal
from node.participation.status import THRESHOLD_STATUS
from node.participation.trail import change_status, process_of, publish_support_count
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

SUPPORT_PHASES = frozenset({"proposing", "supporting"})
CLOSED_STATUSES = frozenset({"withdrawn", "rejected", "done"})


async def support_refusal(
    services: ParticipationServices, process: Process, proposal: Proposal, actor: str
) -> str | None:
    """Why this actor may not support this proposal now, or None when they may."""
    if process.current_phase not in SUPPORT_PHASES:
        return Reason(
            f"{process.title} takes no supports now (phase: {process.current_phase})",
            "support_wrong_phase",
            process=process.title,
        )
    if proposal.status in CLOSED_STATUSES:
        return Reason(
            f"this proposal is {proposal.status} and takes no more supports",
            "support_closed",
        )
    return await services.eligibility(process, actor)


async def _count(
    services: ParticipationServices,
    process: Process,
    proposal: Proposal,
    activity_id: str,
    actor: str,
) -> str | None:
    """Count a support; the reason when it cannot be (its server's places are taken)."""
    async with services.db.transaction():
        reason = await claim_place(services, process, actor)
        if reason is not None:
            return reason
        added = await services.store.add_support(activity_id, proposal.uri, actor)
        if added:
            await services.reactions.add_like(activity_id, actor, proposal.uri)
    if added and not await reach_threshold_if_due(services, process, proposal):
        await publish_support_count(services, proposal)
    return None


async def reach_threshold_if_due(
    services: ParticipationServices, process: Process, proposal: Proposal
) -> bool:
    """Move a submitted proposal on once its supports reach the process's threshold;
    whether it moved (its status change carries the new count)."""
    count = await services.store.support_count(proposal.uri)
    threshold = process.support_threshold
    if proposal.status != "submitted" or count < threshold:
        return False
    await change_status(
        services,
        proposal,
        THRESHOLD_STATUS[process.archetype],
        reason=f"{count} keer gesteund: de drempel van {threshold} is bereikt.",
        actor=process.uri,
    )
    return True


async def receive_support(
    services: ParticipationServices, process: Process, proposal: Proposal, like: Activity
) -> None:
    """A Like of a proposal in a local process, from anywhere."""
    refusal = await support_refusal(services, process, proposal, like.actor)
    if refusal is None:
        refusal = await _count(services, process, proposal, like.id, like.actor)
    if refusal is not None:
        await services.outbox.send(
            process.uri,
            {
                "id": services.outbox.new_activity_id(),
                "type": "Reject",
                "object": {
                    "id": like.id,
                    "type": "Like",
                    "actor": like.actor,
                    "object": proposal.uri,
                },
                "summary": f"support not counted: {refusal}",
                "to": [like.actor],
            },
            [like.actor],
            outlives_rollback=True,
            # A local person's refused like is forgotten by the Reject's handler.
            deliver_locally=True,
        )
        raise Refused(f"support not counted: {refusal}", **coded(refusal))


async def support(services: ParticipationServices, supporter: LocalActor, proposal_uri: str) -> str:
    """A local person supports a proposal; its process's node counts it. Return the Like id."""
    await services.guard.check(supporter.uri, "support")
    proposal = await services.store.get_proposal(proposal_uri)
    if proposal is None:
        raise NotFound(
            "there is no such proposal on this node", detail=proposal_uri, code="proposal_unknown"
        )
    process = await process_of(services, proposal)
    if await services.store.support_activity(proposal.uri, supporter.uri) is not None:
        raise Conflict("you already support this proposal", code="already_supported")
    activity_id = services.outbox.new_activity_id()
    recipients = list(dict.fromkeys([proposal.author, process.uri]))
    like = {"id": activity_id, "type": "Like", "object": proposal.uri, "to": recipients}
    if process.local:
        refusal = await support_refusal(services, process, proposal, supporter.uri)
        if refusal is None:
            refusal = await _count(services, process, proposal, activity_id, supporter.uri)
        if refusal is not None:
            raise Refused(f"support not counted: {refusal}", **coded(refusal))
        await services.outbox.send(supporter.uri, like, recipients)
    else:

        async def store() -> None:
            await services.store.add_support(activity_id, proposal.uri, supporter.uri)
            await services.reactions.add_like(activity_id, supporter.uri, proposal.uri)

        await services.outbox.send(supporter.uri, like, recipients, local_write=store)
    return activity_id


async def withdraw_support(
    services: ParticipationServices, supporter: LocalActor, proposal_uri: str
) -> None:
    """Undo a local person's support; the Undo embeds the Like, as Mastodon needs."""
    proposal = await services.store.get_proposal(proposal_uri)
    like_id = await services.store.support_activity(proposal_uri, supporter.uri)
    if proposal is None or like_id is None:
        raise NotFound("you do not support this proposal", code="not_supporting")
    recipients = list(dict.fromkeys([proposal.author, proposal.process_uri]))

    async def store() -> None:
        await forget_support(services, supporter.uri, proposal_uri)

    await services.outbox.send(
        supporter.uri,
        {
            "id": services.outbox.new_activity_id(),
            "type": "Undo",
            "object": {
                "id": like_id,
                "type": "Like",
                "actor": supporter.uri,
                "object": proposal_uri,
            },
            "to": recipients,
        },
        recipients,
        local_write=store,
    )


async def forget_support(services: ParticipationServices, actor: str, proposal_uri: str) -> bool:
    """Stop counting an actor's support (and its like); False when there was none.

    In a local process, the nodes that show the proposal hear its new count.
    """
    async with services.db.transaction():
        removed = await services.store.remove_support(proposal_uri, actor)
        await services.reactions.remove_like(actor, proposal_uri)
        proposal = await services.store.get_proposal(proposal_uri)
        process = await process_of(services, proposal) if removed and proposal else None
        if proposal is not None and process is not None and process.local:
            await publish_support_count(services, proposal)
    return removed
