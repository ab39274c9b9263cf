"""Budget ballots: each eligible person picks proposals that fit the process's budget.

When the ballot opens, the proposals with a cost that are still in the
running are put on it, in the order they were submitted. A ``BudgetBallot``
(sent in a ``Create`` to the process, or cast on this node) is refused with
its reason when a pick is not on the ballot, there are fewer than ``minPicks``
or more than ``maxPicks`` picks, or together they cost more than the budget.
A later ballot from the same person replaces the earlier one until the ballot
closes; then the process publishes the ``budgetResult`` (rule in tally.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import schemas
from federation.errors import Conflict, NotFound, Reason, Refused, coded
from node.clock import iso, iso_now, utc_now
from node.documents import actor_document
from node.participation.credentials import counted_under, credential_to_send
from node.participation.eligibility import claim_place
from node.participation.mail_notices import mail_voting_opened
from node.participation.models import Budget, BudgetRound, Process, parse_moment
from node.participation.moves import record_move
from node.participation.processes import known_process, send_process_update, set_phase
from node.participation.receipts import new_receipt, receipt_hash
from node.participation.tally import (
    Allocation,
    BallotEntry,
    ServerCount,
    allocate_budget,
    by_server,
    cents,
    count_picks,
)
from node.participation.voting import VOTING_WINDOW, servers_document
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

# Proposals in these states are no longer in the running for money.
OFF_BALLOT_STATUSES = frozenset({"withdrawn", "rejected"})


def money(amount: float, currency: str) -> str:
    """An amount for people: ``EUR 7,800`` or ``EUR 12.50``."""
    whole = cents(amount) % 100 == 0
    return f"{currency} {amount:,.0f}" if whole else f"{currency} {amount:,.2f}"


def ballot_problem(
    picks: Sequence[str], entries: Mapping[str, BallotEntry], budget: Budget
) -> str | None:
    """Why a ballot is invalid, or None: every check that JSON Schema cannot make."""
    if len(set(picks)) != len(picks):
        return Reason("a proposal is picked more than once", "ballot_picked_twice")
    unknown = [p for p in picks if p not in entries]
    if unknown:
        return Reason(f"{unknown[0]} is not a proposal on this ballot", "ballot_unknown_pick")
    if len(picks) < budget.min_picks:
        return Reason(
            f"{len(picks)} pick(s) is too few: pick at least {budget.min_picks}",
            "ballot_too_few",
            picks=len(picks),
            low=budget.min_picks,
        )
    if len(picks) > budget.max_picks:
        return Reason(
            f"{len(picks)} picks is too many: pick at most {budget.max_picks}",
            "ballot_too_many",
            picks=len(picks),
            high=budget.max_picks,
        )
    total = sum(cents(entries[p].cost) for p in picks)
    if total > cents(budget.amount):
        return Reason(
            f"the picks cost {money(total / 100, budget.currency)} together, over the budget of"
            f" {money(budget.amount, budget.currency)}",
            "ballot_over_budget",
            total_amount=total / 100,
            budget_amount=budget.amount,
            currency=budget.currency,
        )
    return None


async def _local_budget_process(
    services: ParticipationServices, process_uri: str
) -> tuple[Process, Budget]:
    process = await services.store.get_process(process_uri)
    if process is None or not process.local:
        raise NotFound("there is no such process on this node", detail=process_uri)
    if process.budget is None:
        raise Refused(
            f"{process.title} has no budget to divide",
            code="ballot_no_budget",
            values={"process": process.title},
        )
    return process, process.budget


async def open_budget_ballot(
    services: ParticipationServices, process_uri: str, end_time: str
) -> list[BallotEntry]:
    """Open the budget ballot of a local process in its voting phase; return what is on it."""
    process, budget = await _local_budget_process(services, process_uri)
    if process.current_phase != "voting":
        raise Refused(
            f"{process.title} is in its {process.current_phase} phase; the ballot opens only in"
            " the voting phase",
            code="ballot_wrong_phase",
            values={"process": process.title, "phase": process.current_phase},
        )
    store = services.ballots
    if await store.budget_round(process.uri) is not None:
        raise Conflict(
            f"the budget ballot of {process.title} has already been opened",
            code="ballot_opened_already",
            values={"process": process.title},
        )
    if parse_moment(end_time) <= utc_now():
        raise Refused(f"the ballot must end in the future, not at {end_time}", code="end_in_past")
    proposals = [
        p
        for p in await services.store.proposals_of(process.uri)
        if p.cost is not None and p.status not in OFF_BALLOT_STATUSES
    ]
    if not proposals:
        raise Refused(
            f"{process.title} has no proposals with a cost to put on a ballot",
            code="ballot_no_costed_proposals",
            values={"process": process.title},
        )
    entries = [
        BallotEntry(p.uri, p.cost.amount, i) for i, p in enumerate(proposals) if p.cost is not None
    ]
    budget_round = BudgetRound(process.uri, iso_now(), iso(parse_moment(end_time)), None)
    async with services.db.transaction():
        await store.open_round(budget_round, entries, budget.currency)
        # Followers on other nodes hear of it too (node/participation/openings_elsewhere.py).
        window = {
            "type": "BallotWindow",
            "startTime": budget_round.opened_at,
            "endTime": budget_round.end_time,
            # What is on the ballot, in its order: their nodes show residents the same
            # ballot (node/participation/remote_ballots.py); the costs are on the proposals.
            "entries": [e.proposal for e in entries],
        }
        document = await _with_property(services, process, "ballotWindow", window)
        await send_process_update(services, process, document)
        await mail_voting_opened(
            services,
            process,
            f"ballot:{process.uri}:{budget_round.opened_at}",
            None,
            budget_round.end_time,
        )
    return entries


async def _with_property(
    services: ParticipationServices, process: Process, name: str, value: dict[str, Any]
) -> dict[str, Any]:
    """Keep ``name`` in the process's Group document from now on; return the document."""
    actor = await services.actors.by_uri(process.uri)
    assert actor is not None
    properties = dict(actor.properties)
    properties["activitypub"] = {**properties.get("activitypub", {}), name: value}
    await services.actors.update_local(process.uri, properties=properties)
    return actor_document(replace(actor, properties=properties), services.urls)


async def record_ballot(
    services: ParticipationServices,
    process_uri: str,
    voter: str,
    picks: Sequence[str],
    ballot_id: str,
    credential: str | None = None,
    *,
    local_voter: bool = False,
) -> str:
    """Store a ballot for a local process, or refuse it (Refused) storing nothing; under
    an agreement one ballot per ``credential`` pseudonym counts, as for votes. Returns the
    ballot's receipt code, kept for a ``local_voter`` in the same transaction."""
    process, budget = await _local_budget_process(services, process_uri)
    store = services.ballots
    budget_round = await store.budget_round(process.uri)
    if budget_round is None:
        reason: str | None = f"the budget ballot of {process.title} has not been opened"
    else:
        reason = budget_round.refusal()
    if reason is None and process.current_phase != "voting":
        reason = (
            f"{process.title} is in its {process.current_phase} phase; ballots are taken only"
            " in the voting phase"
        )
    if reason is None:
        entries = {e.proposal: e for e in await store.entries(process.uri)}
        reason = ballot_problem(picks, entries, budget)
    counted = None
    if reason is None:
        counted, reason = await counted_under(services, process, voter, credential)
    if reason is not None:
        raise Refused(f"ballot refused: {reason}", **coded(reason))
    async with services.db.transaction():
        reason = await claim_place(services, process, voter)
        if reason is not None:
            raise Refused(f"ballot refused: {reason}", **coded(reason))
        receipt = new_receipt()
        await store.put_ballot(
            process.uri,
            voter,
            ballot_id,
            picks,
            receipt_hash(receipt),
            counted.pseudonym if counted else None,
            counted.id if counted else None,
        )
        if local_voter:
            await services.receipts.keep(ballot_id, voter, process.uri, receipt)
    return receipt


async def cast_ballot(
    services: ParticipationServices, voter: LocalActor, process_uri: str, picks: list[str]
) -> str:
    """A local account casts a ballot: stored here when the process is ours, otherwise sent
    to the process in a Create. Returns the ballot's id."""
    await services.guard.check(voter.uri, "vote")
    ballot_id = services.urls.new_object()
    credential = await credential_to_send(
        services, voter, await known_process(services, process_uri, fetch=True)
    )
    if await services.actors.is_local(process_uri):
        await record_ballot(
            services, process_uri, voter.uri, picks, ballot_id, credential, local_voter=True
        )
        return ballot_id
    ballot = {
        "id": ballot_id,
        "type": "BudgetBallot",
        "attributedTo": voter.uri,
        "process": process_uri,
        "to": [process_uri],
        "picks": picks,
        "published": iso_now(),
    }
    if credential is not None:
        ballot["credential"] = credential

    async def remember() -> None:
        await services.sent_votes.sent(ballot_id, voter.uri, process_uri, json.dumps(picks))

    await services.outbox.send(
        voter.uri,
        {"id": f"{ballot_id}/activity", "type": "Create", "object": ballot, "to": [process_uri]},
        [process_uri],
        local_write=remember,
        personal_inboxes=True,
    )
    return ballot_id


def recount_url(process: Process) -> str:
    """The open-data export of a budget process's tallies."""
    return f"{process.uri}/budget-result.csv"


def receipts_url(process: Process) -> str:
    """The receipt hashes of a budget process's counted ballots, published once it closed."""
    return f"{process.uri}/receipts"


async def counted_ballot_receipts(services: ParticipationServices, process: Process) -> list[str]:
    """The receipt hashes of a process's counted ballots, one per voter; NotFound until its
    budget ballot has closed."""
    budget_round = await services.ballots.budget_round(process.uri)
    if budget_round is None or budget_round.closed_at is None:
        raise NotFound(
            f"the receipts of the budget ballot of {process.title} are published when it closes",
            detail=process.uri,
        )
    return await services.ballots.receipt_hashes(process.uri)


async def budget_allocations(
    services: ParticipationServices, process: Process
) -> tuple[list[Allocation], int]:
    """The allocation by the current ballots, and how many ballots there are."""
    store = services.ballots
    entries = await store.entries(process.uri)
    ballots = await store.all_picks(process.uri)
    budget = process.budget
    assert budget is not None
    return allocate_budget(budget.amount, entries, count_picks(entries, ballots)), len(ballots)


async def budget_servers(
    services: ParticipationServices, process: Process
) -> tuple[ServerCount, ...] | None:
    """The ballots of an open process per server they came from; None for other
    processes, whose voters are residents verified by known nodes."""
    if process.eligibility != "open":
        return None
    store = services.ballots
    return by_server(
        await store.ballots_by_server(process.uri), await store.picks_by_server(process.uri)
    )


def budget_result(
    process: Process,
    allocations: list[Allocation],
    voters: int,
    closed_at: str,
    servers: tuple[ServerCount, ...] | None = None,
) -> dict[str, Any]:
    """The ``budgetResult`` of a process (schema ``result``), with the ballots per server
    when given."""
    budget = process.budget
    assert budget is not None
    result: dict[str, Any] = {
        "type": "BudgetResult",
        "allocations": [
            {
                "proposal": a.proposal,
                "votes": a.votes,
                "cost": {"type": "MonetaryAmount", "amount": a.cost, "currency": budget.currency},
                "selected": a.selected,
            }
            for a in allocations
        ],
        "votersCount": voters,
        "eligibleCount": max(process.electorate_size, voters),
        "closedAt": closed_at,
        "recount": recount_url(process),
        "receipts": receipts_url(process),
    }
    if servers is not None:
        result |= servers_document(
            servers,
            lambda counts: [
                {"proposal": a.proposal, "votes": counts.get(a.proposal, 0)} for a in allocations
            ],
            "allocations",
        )
    return result


async def close_budget(
    services: ParticipationServices,
    process_uri: str,
    *,
    at: datetime | None = None,
    due_at: str | None = None,
) -> dict[str, Any]:
    """Close the ballot at ``at`` (now by default) and publish the result: an Update of
    the process with its ``budgetResult``, signed by the process actor. The process moves
    to its closed phase. The close and its decision-log entries are one transaction;
    ``due_at`` is the end time that made it due, when the scheduler closes it."""
    process, _ = await _local_budget_process(services, process_uri)
    store = services.ballots
    budget_round = await store.budget_round(process.uri)
    if budget_round is None:
        raise Refused(
            f"the budget ballot of {process.title} has not been opened",
            code="ballot_not_opened",
            values={"process": process.title},
        )
    VOTING_WINDOW.require_move(budget_round.state, "closed")
    closed_at = iso(at or utc_now())
    async with services.db.transaction():
        if not await store.close(process.uri, closed_at):
            raise Conflict(
                "this ballot was closed already; its result is published and final",
                code="vote_final",
            )
        await record_move(
            services, process.uri, "ballot-closed", process.uri, "closed", "open", due_at
        )
        current = await services.store.get_process(process.uri) or process
        if current.current_phase != "closed":
            process = await set_phase(services, current, "closed", due_at=due_at)
        allocations, voters = await budget_allocations(services, process)
        result = budget_result(
            process, allocations, voters, closed_at, await budget_servers(services, process)
        )
        document = await _with_property(services, process, "budgetResult", result)
        problems = schemas.validate("result", document)
        if problems:
            raise RuntimeError(f"the budget result is invalid: {problems}")
        await send_process_update(services, process, document)
    return document
