"""Transparency: a process's public decision log and its open-data export (JSON and CSV).

The export lists every proposal with its supports, status and decisions.
Its ``results`` hold the tallies of every vote and, once the budget ballot
has closed, the budget result, so one file holds everything anyone needs to
recount.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from node.i18n import STATUS_LABELS, labels
from node.participation.ballots import budget_allocations, budget_result, budget_servers
from node.participation.models import (
    PHASE_LABELS_NL,
    Process,
    ProcessMove,
    Proposal,
    StatusChange,
)
from node.participation.voting import current_tally, question_servers, servers_document
from node.participation.voting import receipts_url as voting_receipts_url
from node.participation.voting import recount_url as voting_recount_url
from node.storage.objects import ObjectRecord

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

EXPORT_COLUMNS = (
    "proposal",
    "title",
    "author",
    "published",
    "status",
    "progress",
    "supports",
    "cost_amount",
    "cost_currency",
    "area",
    "awaiting_response",
    "official_responses",
    "last_decision",
    "last_decision_at",
)


async def support_count(
    services: ParticipationServices, process: Process, proposal: Proposal
) -> int:
    """Supports of a proposal: counted here for our processes, as published for others."""
    if process.local:
        return await services.store.support_count(proposal.uri)
    return _published_supports(await services.objects.record(proposal.uri))


def _published_supports(record: ObjectRecord | None) -> int:
    """The support count another node's process published on its proposal."""
    published = record.document.get("supportCount") if record else None
    return published if isinstance(published, int) else 0


MOVE_LABELS_NL = {
    "vote-closed": "stemming gesloten",
    "ballot-closed": "stembiljet gesloten",
    "reminder": "herinnering verstuurd",
}


def move_label(move: ProcessMove) -> str:
    """What a process move did, in Dutch."""
    if move.kind == "phase":
        return PHASE_LABELS_NL[move.state]
    return MOVE_LABELS_NL[move.kind]


def move_reason(move: ProcessMove) -> str:
    """Why a process moved, in the Dutch its other reasons are stored in."""
    if move.due_at is None:
        return "Met de hand gedaan door de organisatie."
    return f"Volgens planning: {move.due_at} is bereikt."


async def decision_log(services: ParticipationServices, process: Process) -> list[dict[str, Any]]:
    """Every status change in a process and every move of the process itself (phases,
    closes, reminders), oldest first: who decided what, when and why."""
    proposals = await services.store.proposals_of(process.uri)
    titles = {p.uri: p.title for p in proposals}
    questions = {q.uri: q.proposal_uri for q in await services.votes.questions_of(process.uri)}
    moves = [
        {
            "kind": move.kind,
            "proposal": questions.get(move.subject),
            "title": titles.get(questions.get(move.subject, ""), ""),
            "status": move.state,
            "statusLabel": move_label(move),
            "previousStatus": move.previous_state,
            "reason": move_reason(move),
            "dueAt": move.due_at,
            "actor": move.actor,
            "progress": None,
            "published": move.done_at,
        }
        for move in await services.moves.of_process(process.uri)
    ]
    status_labels = labels(STATUS_LABELS, services.config.language)
    changes = [
        {
            "kind": "status",
            "proposal": change.proposal_uri,
            "title": titles.get(change.proposal_uri, ""),
            "status": change.status,
            "statusLabel": status_labels[change.status],
            "previousStatus": change.previous_status,
            "reason": change.reason,
            "actor": change.actor,
            "progress": change.progress,
            "published": change.published,
        }
        for change in await services.store.decision_log(process.uri)
    ]
    return sorted(changes + moves, key=lambda entry: entry["published"])


async def proposal_rows(services: ParticipationServices, process: Process) -> list[dict[str, Any]]:
    """One row per proposal, with the columns of ``EXPORT_COLUMNS``. A handful of
    queries for the whole process, whatever its number of proposals: the process page
    reads it on every visit."""
    store = services.store
    records = await services.objects.records_of_process(process.uri)
    supports = await store.support_counts(process.uri) if process.local else {}
    responses = await store.official_response_counts(process.uri)
    last_change: dict[str, StatusChange] = {}
    for change in await store.decision_log(process.uri):
        last_change[change.proposal_uri] = change
    rows = []
    for proposal in await store.proposals_of(process.uri):
        record = records.get(proposal.uri)
        if record is None or record.deleted_at is not None:
            continue
        last = last_change.get(proposal.uri)
        rows.append(
            {
                "proposal": proposal.uri,
                "title": proposal.title,
                "author": proposal.author,
                "published": proposal.published,
                "status": proposal.status,
                "progress": proposal.progress,
                "supports": supports.get(proposal.uri, 0)
                if process.local
                else _published_supports(record),
                "cost_amount": proposal.cost.amount if proposal.cost else None,
                "cost_currency": proposal.cost.currency if proposal.cost else None,
                "area": proposal.area,
                "awaiting_response": proposal.awaiting_response,
                "official_responses": responses.get(proposal.uri, 0),
                "last_decision": last.reason if last else None,
                "last_decision_at": last.published if last else None,
            }
        )
    return rows


async def export_document(services: ParticipationServices, process: Process) -> dict[str, Any]:
    """The open-data export of a process as one JSON document."""
    return {
        "process": process.uri,
        "title": process.title,
        "archetype": process.archetype,
        "currentPhase": process.current_phase,
        "eligibility": process.eligibility,
        "supportThreshold": process.support_threshold,
        "electorateSize": process.electorate_size,
        "proposals": await proposal_rows(services, process),
        "decisions": await decision_log(services, process),
        "results": await process_results(services, process),
    }


def export_csv(rows: list[dict[str, Any]]) -> str:
    """Proposal rows as CSV with a header line, for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in EXPORT_COLUMNS})
    return out.getvalue()


def _per_option(options: tuple[str, ...], counts: Mapping[str, int]) -> dict[str, int]:
    return {option: counts.get(option, 0) for option in options}


async def process_results(
    services: ParticipationServices, process: Process
) -> list[dict[str, Any]]:
    """The tallies of a process's votes, and its budget result once the ballot closed."""
    results: list[dict[str, Any]] = []
    for question in await services.votes.questions_of(process.uri):
        tally = await current_tally(services, question)
        result = {
            "question": question.uri,
            "proposal": question.proposal_uri,
            "closed": question.closed_at is not None,
            "voters": tally.voters_count,
            "tallies": {t.option: t.count for t in tally.tallies},
            "recount": voting_recount_url(question),
        }
        if question.closed_at is not None:
            result["receipts"] = voting_receipts_url(question)
        servers = await question_servers(services, question, process)
        if servers is not None:
            result |= servers_document(servers, partial(_per_option, question.options), "tallies")
        results.append(result)
    budget_round = await services.ballots.budget_round(process.uri)
    if budget_round is not None and budget_round.closed_at is not None:
        allocations, voters = await budget_allocations(services, process)
        results.append(
            budget_result(
                process,
                allocations,
                voters,
                budget_round.closed_at,
                await budget_servers(services, process),
            )
        )
    return results
