"""Merging duplicate proposals: an organiser marks proposal B as a duplicate of proposal A
in the same process, with a published reason. B takes the final status ``merged`` and
points to A (``mergedInto``); the supporters of B count toward A, each person once
(``ParticipationStore.support_count``). The step federates as every status step does
(``trail.change_status``), and A's new support count follows, moving A on when it now
reaches the threshold. Proposals from other nodes in a local process are stored here and
merge the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation.errors import Refused
from node.participation.models import Proposal
from node.participation.status import PROPOSAL_LIFECYCLE
from node.participation.supports import reach_threshold_if_due
from node.participation.trail import change_status, publish_support_count

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

# A proposal that is itself merged, withdrawn or rejected takes in no duplicates.
NOT_MERGEABLE_INTO = frozenset({"merged", "withdrawn", "rejected"})


def merge_refusal(duplicate: Proposal, into: Proposal) -> Refused | None:
    """Why ``duplicate`` cannot be merged into ``into``, or None when it can."""
    if duplicate.uri == into.uri:
        return Refused("a proposal cannot be merged into itself", code="merge_same_proposal")
    if duplicate.process_uri != into.process_uri:
        return Refused(
            "only proposals of the same process can be merged", code="merge_other_process"
        )
    if into.status in NOT_MERGEABLE_INTO:
        return Refused(
            f"{into.title} is {into.status} and takes in no duplicates",
            code="merge_into_closed",
            values={"title": into.title},
        )
    if not PROPOSAL_LIFECYCLE.allows(duplicate.status, "merged"):
        return Refused(
            f"{duplicate.title} is {duplicate.status} already and can no longer be merged",
            code="merge_decided",
            values={"title": duplicate.title},
        )
    return None


async def merge_proposal(
    services: ParticipationServices,
    duplicate: Proposal,
    into: Proposal,
    *,
    reason: str,
    actor: str,
) -> Proposal:
    """Mark ``duplicate`` as merged into ``into`` for ``reason`` and federate it; return
    the merged duplicate. Refused, changing nothing, across processes, into itself, into
    a proposal that is closed, for a duplicate already decided, and for one that other
    duplicates were merged into (merge those into ``into`` first, so none is lost)."""
    refusal = merge_refusal(duplicate, into)
    if refusal is not None:
        raise refusal
    if await services.store.merged_into(duplicate.uri):
        raise Refused(
            f"other proposals were merged into {duplicate.title}; merge them into"
            f" {into.title} first",
            code="merge_has_duplicates",
            values={"title": duplicate.title},
        )
    merged = await change_status(
        services, duplicate, "merged", reason=reason, actor=actor, merged_into=into.uri
    )
    process = await services.store.get_process(into.process_uri)
    assert process is not None, "change_status merged in a process it knows"
    if not await reach_threshold_if_due(services, process, into):
        await publish_support_count(services, into)
    return merged
