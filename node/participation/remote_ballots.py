"""The budget ballot of a process on another node, filled in by a resident here.

When its ballot opens, the process sends its followers an ``Update`` of itself whose
``ballotWindow`` lists the ``entries`` on the ballot in their order
(node/participation/ballots.py ``open_budget_ballot``). This node shows its residents
the same ballot from that list and the proposals it knows (a missing one is fetched
from its origin, as any post named by its address), checks the picks as the process
will (``ballot_problem``) so that a ballot that could only be refused is not sent, and
sends the rest in a ``Create{BudgetBallot}`` (``cast_ballot``). What the process makes
of it, a receipt or a refusal with its reason, comes back to ``sent_votes`` and
``receipts`` (node/participation/voting_handlers.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from federation.errors import Refusal, Refused, coded
from node.participation.ballots import ballot_problem, cast_ballot
from node.participation.interactions import find_interaction_target
from node.participation.models import Process
from node.participation.openings_elsewhere import ballot_window
from node.participation.tally import BallotEntry
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


@dataclass(frozen=True)
class RemoteBallot:
    """The budget ballot of another node's process, as this node can show it; ``open``
    while its window runs and no result is published."""

    open: bool
    entries: tuple[BallotEntry, ...]


@dataclass(frozen=True)
class SentBallot:
    """The last ballot a resident sent to a process elsewhere, and what became of it:
    ``sent`` (no answer yet), ``counted`` (with its receipt) or ``refused`` (with the
    process's reason)."""

    picks: tuple[str, ...]
    state: str
    reason: str | None
    receipt: str | None


def _entry_uris(document: Mapping[str, Any]) -> list[str]:
    entries = document["ballotWindow"].get("entries")
    return [e for e in entries if isinstance(e, str)] if isinstance(entries, list) else []


async def ballot_open_elsewhere(services: ParticipationServices, process: Process) -> bool:
    """Whether a process on another node has a budget ballot open that residents here can
    fill in (its window names the entries on it)."""
    if process.local or process.budget is None:
        return False
    document = await services.actors.remote_document(process.uri)
    return (
        ballot_window(document) is not None and document is not None and bool(_entry_uris(document))
    )


async def remote_ballot(services: ParticipationServices, process: Process) -> RemoteBallot | None:
    """The budget ballot of a process on another node, open or closed, or None when it has
    opened none (or its window names no entries). Fetches the proposals on it this node
    does not hold yet; call it outside a transaction."""
    if process.local or process.budget is None:
        return None
    document = await services.actors.remote_document(process.uri)
    if document is None or not isinstance(document.get("ballotWindow"), Mapping):
        return None
    entries = []
    for position, uri in enumerate(_entry_uris(document)):
        proposal = await services.store.get_proposal(uri)
        if proposal is None:
            try:
                await find_interaction_target(services, uri)
            except Refusal:
                continue
            proposal = await services.store.get_proposal(uri)
        # Only the process's own proposals with a cost can be on its ballot.
        if proposal is None or proposal.process_uri != process.uri or proposal.cost is None:
            continue
        entries.append(BallotEntry(uri, proposal.cost.amount, position))
    if not entries:
        return None
    return RemoteBallot(ballot_window(document) is not None, tuple(entries))


async def send_remote_ballot(
    services: ParticipationServices, voter: LocalActor, process: Process, picks: list[str]
) -> str:
    """Send a resident's ballot to a process on another node; refused here (Refused, nothing
    sent) when the process would refuse it for its picks, or has no open ballot. Returns
    the ballot's id."""
    ballot = await remote_ballot(services, process)
    if ballot is None or not ballot.open or process.budget is None:
        raise Refused(
            f"the budget ballot of {process.title} is not open",
            code="ballot_not_open",
            values={"process": process.title},
        )
    reason = ballot_problem(picks, {e.proposal: e for e in ballot.entries}, process.budget)
    if reason is not None:
        raise Refused(f"ballot refused: {reason}", **coded(reason))
    return await cast_ballot(services, voter, process.uri, picks)


async def sent_ballot(
    services: ParticipationServices, voter: str, process_uri: str
) -> SentBallot | None:
    """The last ballot ``voter`` sent to a process on another node, if any."""
    latest = await services.sent_votes.latest(voter, process_uri)
    if latest is None:
        return None
    refused = latest["state"] == "refused"
    # Only the last ballot sent counts: an earlier ballot's receipt is void.
    receipt = None if refused else await services.receipts.of_vote(latest["activity_object"])
    state = "refused" if refused else ("counted" if receipt else "sent")
    picks = json.loads(latest["choice"])
    return SentBallot(tuple(str(p) for p in picks), state, latest["reason"], receipt)
