"""Transparency: a process's public decision log and its open-data export (JSON and CSV).

The export lists every proposal with its supports, status and decisions.
Vote and budget tallies are added by the voting domain through the
``process_results`` slot in ``node.extras`` (see ``ResultsSource``), so one
file holds everything anyone needs to recount.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from node.participation.models import Process, Proposal
from node.participation.status import STATUS_LABELS_NL

if TYPE_CHECKING:
    from node.node import Node

ResultsSource = Callable[["Node", Process], Awaitable[list[dict[str, Any]]]]
"""Tallies of a process's votes and ballots for the export; installed as
``node.extras["process_results"]`` by the voting domain."""

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


async def support_count(node: Node, process: Process, proposal: Proposal) -> int:
    """Supports of a proposal: counted here for our processes, as published for others."""
    if process.local:
        return await node.participation.support_count(proposal.uri)
    record = await node.objects.record(proposal.uri)
    published = record.document.get("supportCount") if record else None
    return published if isinstance(published, int) else 0


async def decision_log(node: Node, process: Process) -> list[dict[str, Any]]:
    """Every status change in a process, oldest first: who decided what, when and why."""
    titles = {p.uri: p.title for p in await node.participation.proposals_of(process.uri)}
    return [
        {
            "proposal": change.proposal_uri,
            "title": titles.get(change.proposal_uri, ""),
            "status": change.status,
            "statusLabel": STATUS_LABELS_NL[change.status],
            "previousStatus": change.previous_status,
            "reason": change.reason,
            "actor": change.actor,
            "progress": change.progress,
            "published": change.published,
        }
        for change in await node.participation.decision_log(process.uri)
    ]


async def proposal_rows(node: Node, process: Process) -> list[dict[str, Any]]:
    """One row per proposal, with the columns of ``EXPORT_COLUMNS``."""
    rows = []
    for proposal in await node.participation.proposals_of(process.uri):
        record = await node.objects.record(proposal.uri)
        if record is None or record.deleted_at is not None:
            continue
        trail = await node.participation.status_trail(proposal.uri)
        last = trail[-1] if trail else None
        rows.append(
            {
                "proposal": proposal.uri,
                "title": proposal.title,
                "author": proposal.author,
                "published": proposal.published,
                "status": proposal.status,
                "progress": proposal.progress,
                "supports": await support_count(node, process, proposal),
                "cost_amount": proposal.cost.amount if proposal.cost else None,
                "cost_currency": proposal.cost.currency if proposal.cost else None,
                "area": proposal.area,
                "awaiting_response": proposal.awaiting_response,
                "official_responses": len(
                    await node.participation.official_responses(proposal.uri)
                ),
                "last_decision": last.reason if last else None,
                "last_decision_at": last.published if last else None,
            }
        )
    return rows


async def export_document(node: Node, process: Process) -> dict[str, Any]:
    """The open-data export of a process as one JSON document."""
    results_source: ResultsSource | None = node.extras.get("process_results")
    return {
        "process": process.uri,
        "title": process.title,
        "archetype": process.archetype,
        "currentPhase": process.current_phase,
        "eligibility": process.eligibility,
        "supportThreshold": process.support_threshold,
        "electorateSize": process.electorate_size,
        "proposals": await proposal_rows(node, process),
        "decisions": await decision_log(node, process),
        "results": await results_source(node, process) if results_source else [],
    }


def export_csv(rows: list[dict[str, Any]]) -> str:
    """Proposal rows as CSV with a header line, for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in EXPORT_COLUMNS})
    return out.getvalue()
