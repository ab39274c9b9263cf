"""What a resident did, shown back to them as the process counts it: their own vote on a
poll (counted here, or sent to another node's process), and their support of a proposal
with the supports its process counts. The client API and the pages show these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from node.participation.models import Proposal
from node.participation.transparency import support_count

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


async def own_vote(services: ParticipationServices, question_uri: str, voter: str) -> str | None:
    """The option a local account chose on a poll: its vote counted here when the poll is
    ours, else the last vote it sent to the poll's process that was not refused."""
    if await services.votes.question(question_uri) is not None:
        return await services.votes.vote_of(question_uri, voter)
    return await services.sent_votes.standing(voter, question_uri)


@dataclass(frozen=True)
class SupportShown:
    """A proposal's supports as its process counts them, and whether the viewer gave one."""

    count: int
    given: bool


async def support_shown(
    services: ParticipationServices, proposal: Proposal, viewer: str | None
) -> SupportShown:
    """The supports of a proposal, here or on another node, as a viewer should see them."""
    process = await services.store.get_process(proposal.process_uri)
    count = await support_count(services, process, proposal) if process is not None else 0
    given = viewer is not None and (
        await services.store.support_activity(proposal.uri, viewer) is not None
    )
    return SupportShown(count, given)
