"""What a resident did, shown back to them as the process counts it: their own vote on a
poll (counted here, or sent to another node's process), their support of a proposal
with the supports its process counts, and every vote and ballot they cast (on their own
page, without what they chose). The client API and the pages show these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from node.participation.models import Process, Proposal
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


@dataclass(frozen=True)
class CastVote:
    """A vote or budget ballot a resident cast, as their own page shows it: never what
    they chose, only where it went, whether it counts and its receipt."""

    kind: str  # "poll" or "ballot"
    target: str  # the question or budget process
    title: str
    process: Process | None
    state: str  # "counted" here, "sent" to another node, or "refused" there
    reason: str | None
    receipt: str | None
    closed: bool


async def votes_cast(services: ParticipationServices, voter: str) -> list[CastVote]:
    """Every poll vote and budget ballot of a local account that counts here or was sent
    to another node's process, with the receipt it was given."""
    store = services.store
    cast = []
    for question in await services.votes.voted_by(voter):
        proposal = await store.get_proposal(question.proposal_uri)
        process = await store.get_process(question.process_uri)
        title = proposal.title if proposal else question.uri
        closed = question.closed_at is not None
        cast.append(await _counted(services, voter, "poll", question.uri, title, process, closed))
    for budget_round in await services.ballots.rounds_voted_by(voter):
        uri = budget_round.process_uri
        process = await store.get_process(uri)
        title = process.title if process else uri
        closed = budget_round.closed_at is not None
        cast.append(await _counted(services, voter, "ballot", uri, title, process, closed))
    for target in await services.sent_votes.targets_of(voter):
        latest = await services.sent_votes.latest(voter, target)
        assert latest is not None
        cast.append(await _sent_vote(services, target, latest))
    return cast


async def _counted(
    services: ParticipationServices,
    voter: str,
    kind: str,
    target: str,
    title: str,
    process: Process | None,
    closed: bool,
) -> CastVote:
    receipt = await services.receipts.latest(voter, target)
    return CastVote(kind, target, title, process, "counted", None, receipt, closed)


async def _sent_vote(
    services: ParticipationServices, target: str, latest: Mapping[str, Any]
) -> CastVote:
    process = await services.store.get_process(target)
    refused = latest["state"] == "refused"
    # Only the last vote sent counts: an earlier vote's receipt is void.
    receipt = None if refused else await services.receipts.of_vote(latest["activity_object"])
    if process is not None:
        return CastVote(
            "ballot", target, process.title, process, latest["state"], latest["reason"],
            receipt, process.current_phase != "voting",
        )  # fmt: skip
    record = await services.objects.record(target)
    document = record.document if record else {}
    return CastVote(
        "poll",
        target,
        str(document.get("name") or target),
        await services.store.get_process(str(document.get("audience") or "")),
        latest["state"],
        latest["reason"],
        receipt,
        "closed" in document,
    )
