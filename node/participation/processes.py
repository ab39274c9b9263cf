"""Processes: local Group actors with Samenspraak properties, and remote ones we know.

A local process is two records kept in step: the Group actor in
``local_actors`` (whose ``properties["activitypub"]`` the actor document
merges) and its row in ``processes``, which the domain reads.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urlsplit

import schemas
from activitypub.vocabulary import PUBLIC, as_list, id_of
from federation.errors import Conflict, FetchError, Invalid, NotFound, Refused
from moderation.sanitize import sanitize_html
from node.config import ConfigError, validate_handle
from node.documents import actor_document
from node.participation.agreements import check_delegation
from node.participation.models import (
    ARCHETYPES,
    DEFAULT_VOTING_OPTIONS,
    ELIGIBILITIES,
    PHASE_LIFECYCLE,
    PHASE_NAMES,
    Budget,
    Phase,
    Process,
)
from node.participation.moves import record_move
from node.setup import create_actor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

log = logging.getLogger(__name__)


def process_page_url(services: ParticipationServices, slug: str) -> str:
    """The public page of a local process."""
    return f"{services.urls.base}/processes/{slug}"


def process_properties(process: Process, page: str) -> dict[str, Any]:
    """The Samenspraak fields of a process's Group actor document."""
    threshold: dict[str, Any] = {"type": "SupportThreshold"}
    if process.threshold_count is not None:
        threshold["count"] = process.threshold_count
    else:
        threshold["share"] = process.threshold_share
    doc: dict[str, Any] = {
        "url": page,
        "hostedBy": process.hosted_by,
        "archetype": process.archetype,
        "phases": [
            {"type": "ProcessPhase", "name": p.name, "startTime": p.start, "endTime": p.end}
            for p in process.phases
        ],
        "currentPhase": process.current_phase,
        "eligibility": process.eligibility,
        "supportThreshold": threshold,
        "electorateSize": process.electorate_size,
        "votingOptions": list(process.voting_options),
    }
    limits = {
        key: value
        for key, value in (
            ("perServer", process.per_server_cap),
            ("minAccountAgeDays", process.min_account_age_days),
        )
        if value is not None
    }
    if limits:
        doc["openLimits"] = {"type": "OpenLimits", **limits}
    if process.agreement is not None:
        doc["agreement"] = process.agreement
    if process.budget is not None:
        doc["budget"] = {
            "type": "Budget",
            "amount": process.budget.amount,
            "currency": process.budget.currency,
            "minPicks": process.budget.min_picks,
            "maxPicks": process.budget.max_picks,
        }
    return doc


def check_process(process: Process) -> None:
    """Refuse a process whose fields contradict each other (what JSON Schema cannot see)."""
    if process.archetype not in ARCHETYPES:
        raise Refused(f"archetype must be one of {', '.join(ARCHETYPES)}")
    if process.eligibility not in ELIGIBILITIES:
        raise Refused(f"eligibility must be one of {', '.join(ELIGIBILITIES)}")
    if not process.phases:
        raise Refused("a process needs at least one phase", code="process_no_phases")
    names = [p.name for p in process.phases]
    if len(set(names)) != len(names):
        raise Refused("each phase may be listed only once")
    for phase in process.phases:
        if phase.name not in PHASE_NAMES:
            raise Refused(f"unknown phase {phase.name!r}; use {', '.join(PHASE_NAMES)}")
        if _moment(phase.end) <= _moment(phase.start):
            raise Refused(
                f"phase {phase.name} must end after it starts",
                code="phase_end_before_start",
                values={"phase": phase.name},
            )
    if process.current_phase != "closed" and process.current_phase not in names:
        raise Refused(
            f"the current phase {process.current_phase!r} is not one of the phases: "
            + ", ".join(names)
        )
    if (process.threshold_count is None) == (process.threshold_share is None):
        raise Refused("give the support threshold as a count or as a share, not both")
    if process.threshold_count is not None and process.threshold_count < 1:
        raise Refused("the support threshold must be at least 1", code="threshold_too_low")
    if process.threshold_share is not None:
        if not 0 < process.threshold_share <= 1:
            raise Refused("a share threshold must be above 0% and at most 100%")
        if process.electorate_size < 1:
            raise Refused(
                "a share threshold needs the size of the electorate", code="electorate_missing"
            )
    if process.electorate_size < 0:
        raise Refused("the electorate cannot be negative")
    budget = process.budget
    if budget is not None:
        if budget.amount <= 0:
            raise Refused("the budget must be more than 0", code="budget_not_positive")
        if not 0 <= budget.min_picks <= budget.max_picks or budget.max_picks < 1:
            raise Refused(
                "picks must satisfy 0 ≤ min-picks ≤ max-picks and max-picks ≥ 1",
                code="picks_out_of_order",
            )
    limits = (process.per_server_cap, process.min_account_age_days)
    if any(limit is not None for limit in limits) and process.eligibility != "open":
        raise Refused(
            "a per-server cap and a minimum account age are for open processes; a"
            f" {process.eligibility} process counts verified residents only already"
        )
    if any(limit is not None and limit < 1 for limit in limits):
        raise Refused("a per-server cap and a minimum account age must be at least 1")
    if len(set(process.voting_options)) != len(process.voting_options) or (
        len(process.voting_options) < 2
    ):
        raise Refused("a vote needs at least two different options")


def _moment(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refused(f"{value!r} is not a timestamp") from exc


async def create_process(
    services: ParticipationServices,
    *,
    slug: str,
    title: str,
    summary: str = "",
    archetype: str,
    eligibility: str = "open",
    threshold_count: int | None = None,
    threshold_share: float | None = None,
    electorate_size: int = 0,
    budget: Budget | None = None,
    phases: tuple[Phase, ...],
    current_phase: str | None = None,
    voting_options: tuple[str, ...] = DEFAULT_VOTING_OPTIONS,
    per_server_cap: int | None = None,
    min_account_age_days: int | None = None,
    agreement: str | None = None,
) -> Process:
    """Open a new local process: a Group actor anyone can follow, hosted by the organisation.

    A decide process that spends a municipal budget names the ``agreement`` that
    delegates it here (node/participation/agreements.py)."""
    await _check_slug(services, slug)
    organisation = await services.organisation()
    process = Process(
        uri=services.urls.actor(slug),
        local=True,
        slug=slug,
        title=title,
        # Shown as HTML on its page and sent as the Group's summary: never as given.
        summary=sanitize_html(summary),
        archetype=archetype,
        phases=phases,
        current_phase=current_phase or (phases[0].name if phases else "proposing"),
        eligibility=eligibility,
        threshold_count=threshold_count,
        threshold_share=threshold_share,
        electorate_size=electorate_size,
        budget=budget,
        voting_options=voting_options,
        hosted_by=organisation.uri,
        per_server_cap=per_server_cap,
        min_account_age_days=min_account_age_days,
        agreement=agreement,
    )
    check_process(process)
    await check_delegation(services, process)
    async with services.db.transaction():
        await create_actor(services.actors, services.urls, slug, "process", title, summary)
        await _store(services, process)
    return process


async def _check_slug(services: ParticipationServices, slug: str) -> None:
    """Refuse a slug that is no handle, or that another actor of this node has."""
    try:
        validate_handle(slug)
    except ConfigError as exc:
        raise Invalid(str(exc), code="process_slug_invalid", values={"slug": slug}) from exc
    if await services.actors.by_username(slug) is not None:
        raise Conflict(
            f"the name {slug!r} is already taken on this node",
            code="process_slug_taken",
            values={"slug": slug},
        )


async def _store(services: ParticipationServices, process: Process) -> dict[str, Any]:
    """Save a local process row and its actor properties; return the actor document."""
    before = await services.actors.by_uri(process.uri)
    published = before.properties.get("activitypub", {}) if before is not None else {}
    # An open ballot's window (node/participation/ballots.py) stays as a phase moves or
    # the process is edited.
    window = {"ballotWindow": published["ballotWindow"]} if "ballotWindow" in published else {}
    properties = {
        "activitypub": process_properties(process, process_page_url(services, process.slug))
        | window
    }
    await services.actors.update_local(
        process.uri, display_name=process.title, summary=process.summary, properties=properties
    )
    await services.store.save_process(process)
    actor = await services.actors.by_uri(process.uri)
    assert actor is not None
    document = actor_document(actor, services.urls)
    problems = schemas.validate("process", document)
    if problems:
        raise Refused(f"invalid process at {problems[0].path}: {problems[0].message}")
    return document


async def local_process(services: ParticipationServices, slug: str) -> Process:
    """A process this node hosts, or NotFound."""
    process = await services.store.local_process_by_slug(slug)
    if process is None:
        raise NotFound(
            f"there is no process {slug!r} on this node",
            code="process_unknown",
            values={"slug": slug},
        )
    return process


def page_name(process: Process) -> str:
    """The name of a process in this node's page addresses: its slug when it is hosted
    here, ``slug@host`` for a process of another node."""
    return process.slug if process.local else f"{process.slug}@{urlsplit(process.uri).netloc}"


async def shown_process(services: ParticipationServices, name: str) -> Process:
    """The process a page address names (``page_name``), hosted here or known from
    another node; NotFound otherwise."""
    slug, _, host = name.partition("@")
    if not host:
        return await local_process(services, slug)
    for process in await services.store.remote_processes_by_slug(slug):
        if urlsplit(process.uri).netloc == host:
            return process
    raise NotFound(
        f"there is no process {name!r} known on this node",
        code="process_unknown",
        values={"slug": name},
    )


async def set_phase(
    services: ParticipationServices, process: Process, phase: str, *, due_at: str | None = None
) -> Process:
    """Move a local process to a later phase, write the move to the decision log and tell
    its followers (Update of the Group); IllegalMove when PHASE_LIFECYCLE does not allow
    it. ``due_at`` is the date that made the move due, when the scheduler makes it."""
    if not process.local:
        raise Refused(
            "only the node hosting a process can change its phase", code="not_hosted_here"
        )
    PHASE_LIFECYCLE.require_move(process.current_phase, phase)
    async with services.db.transaction():
        # Read again under the write lock: another scheduler or the CLI may have moved it.
        current = await services.store.get_process(process.uri) or process
        PHASE_LIFECYCLE.require_move(current.current_phase, phase)
        changed = replace(current, current_phase=phase)
        check_process(changed)
        await record_move(
            services, process.uri, "phase", process.uri, phase, current.current_phase, due_at
        )
        await send_process_update(services, current, await _store(services, changed))
    return changed


class ProcessEdit(TypedDict, total=False):
    """What an organiser may change of a running process; a key left out stays as it is.
    The threshold is given as a pair (one of count and share None), as create_process
    takes it; ``agreement`` None takes the process out of its agreement."""

    title: str
    summary: str
    phases: tuple[Phase, ...]
    threshold_count: int | None
    threshold_share: float | None
    electorate_size: int
    budget: Budget | None
    agreement: str | None


async def edit_process(
    services: ParticipationServices, process: Process, changes: ProcessEdit
) -> Process:
    """Change a local process that is running and tell its followers (an Update of the
    Group, as a phase move does), with the same checks as a new process has.

    What would break a running process is refused and nothing changes: editing a closed
    process (its result is published), a budget once its ballot has been opened (ballots
    were cast against it), the agreement during voting (its registrars say whose votes
    count), leaving out the phase the process is in, and an edit that changes nothing.
    New dates are taken as they come: the scheduler moves a process on once the dates
    say so (also at once, when the current phase now ended in the past) and never moves
    it back, so an earlier start of a past phase changes nothing but the dates shown.
    A new threshold counts for supports from now on; statuses already reached stay."""
    if not process.local:
        raise Refused("only the node hosting a process can change it", code="not_hosted_here")
    if "title" in changes and not changes["title"].strip():
        raise Invalid("a process needs a title", code="process_no_title")
    if "summary" in changes:
        changes = {**changes, "summary": sanitize_html(changes["summary"])}
    async with services.db.transaction():
        # Read again under the write lock: the scheduler may have moved it meanwhile.
        current = await services.store.get_process(process.uri) or process
        if current.current_phase == "closed":
            raise Refused(
                "a closed process cannot be changed: its result is published",
                code="process_edit_closed",
            )
        changed = replace(current, **changes)
        if changed == current:
            raise Refused("the edit changes nothing", code="process_edit_unchanged")
        if changed.budget != current.budget and await services.ballots.budget_round(current.uri):
            raise Refused(
                "the budget cannot change once its ballot has been opened",
                code="process_edit_budget_ballot",
            )
        if changed.agreement != current.agreement and current.current_phase == "voting":
            raise Refused(
                "the agreement cannot change during voting: it says whose votes count",
                code="process_edit_agreement_voting",
            )
        if current.current_phase not in {phase.name for phase in changed.phases}:
            raise Refused(
                f"the process is in the phase {current.current_phase}, which must keep its dates",
                code="process_edit_current_phase",
                values={"phase": current.current_phase},
            )
        check_process(changed)
        if changed.agreement is not None and (
            changed.agreement != current.agreement or changed.budget != current.budget
        ):
            await check_delegation(services, changed)
        await send_process_update(services, current, await _store(services, changed))
    return changed


async def send_process_update(
    services: ParticipationServices, process: Process, document: dict[str, Any]
) -> None:
    """The process tells its followers its Group document changed (phase, result)."""
    followers = services.urls.followers(process.slug)
    await services.outbox.send(
        process.uri,
        {
            "id": services.outbox.new_activity_id(),
            "type": "Update",
            "object": {k: v for k, v in document.items() if k != "@context"},
            "to": [PUBLIC],
            "cc": [followers],
        },
        [followers],
    )


def process_from_document(document: Mapping[str, Any]) -> Process | None:
    """Read a remote Group actor as a process; None when it carries no Samenspraak fields."""
    if "archetype" not in document or schemas.validate("process", dict(document)):
        return None
    threshold = document.get("supportThreshold") or {}
    budget_doc = document.get("budget")
    budget = None
    if isinstance(budget_doc, Mapping):
        budget = Budget(
            amount=float(budget_doc["amount"]),
            currency=budget_doc["currency"],
            min_picks=int(budget_doc["minPicks"]),
            max_picks=int(budget_doc["maxPicks"]),
        )
    options = tuple(str(o) for o in as_list(document.get("votingOptions")))
    limits = document.get("openLimits")
    limits = limits if isinstance(limits, Mapping) else {}
    return Process(
        uri=document["id"],
        local=False,
        slug=str(document["preferredUsername"]),
        title=str(document.get("name") or document["preferredUsername"]),
        summary=str(document.get("summary") or ""),
        archetype=document["archetype"],
        phases=tuple(
            Phase(p["name"], p["startTime"], p["endTime"]) for p in as_list(document["phases"])
        ),
        current_phase=document["currentPhase"],
        eligibility=document["eligibility"],
        threshold_count=threshold.get("count"),
        threshold_share=threshold.get("share"),
        electorate_size=int(document["electorateSize"]),
        budget=budget,
        voting_options=options if len(options) >= 2 else DEFAULT_VOTING_OPTIONS,
        hosted_by=id_of(document.get("hostedBy")) or "",
        per_server_cap=limits.get("perServer"),
        min_account_age_days=limits.get("minAccountAgeDays"),
        agreement=id_of(document.get("agreement")),
    )


async def known_process(
    services: ParticipationServices, uri: str, *, fetch: bool = False
) -> Process | None:
    """A process by its actor id: ours, or a remote Group read from its latest actor document.

    Remote processes are re-read from the cached actor document, which the core
    refreshes on every ``Update`` of the Group, so phase changes are seen.
    """
    stored = await services.store.get_process(uri)
    if stored is not None and stored.local:
        return stored
    if await services.actors.is_local(uri):
        return None
    document = await services.actors.remote_document(uri)
    if document is None and fetch:
        try:
            await services.resolver.get(uri)
        except FetchError as exc:
            log.info("%s could not be read as a process: %s", uri, exc)
            return None
        document = await services.actors.remote_document(uri)
    if document is None or document.get("type") != "Group":
        return stored
    process = process_from_document(document)
    if process is not None and process != stored:
        await services.store.save_process(process)
    return process or stored
