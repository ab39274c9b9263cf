"""``/organise``: the organisers' page of the node's own processes, with their live
participation figures and the actions the CLI has (``process phase``, ``vote open|close``,
``budget open|close``, ``proposal status|merge``), calling the same domain functions. Each form
says beforehand what federates and to whom; the page after it confirms what was sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from urllib.parse import urlsplit

from aiohttp import web

from federation.errors import Invalid, NotAllowed, NotFound, Refusal
from node.clock import iso
from node.i18n import LOCAL_TIME, N_, STATUS_LABELS
from node.node import Node
from node.participation.ballots import close_budget, open_budget_ballot
from node.participation.figures import ProcessFigures, process_figures
from node.participation.merging import NOT_MERGEABLE_INTO, merge_proposal
from node.participation.models import PHASE_LIFECYCLE, BudgetRound, Process, Proposal, Question
from node.participation.processes import local_process, set_phase
from node.participation.status import PROPOSAL_LIFECYCLE, STATUSES
from node.participation.trail import change_status
from node.participation.voting import close_vote, open_vote
from node.roles import organised_processes, require_organiser_of
from node.storage.accounts import Account
from node.web.app import NODE, FormData
from node.web.form_state import FormState
from node.web.i18n import PHASE_LABELS
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason, refusal_page
from node.web.sessions import current_account, posted_form, require_account

ORGANISE_PAGE = "/organise"
ORGANISERS_ONLY = N_("This page is for the organisers and administrators of this node only.")


@dataclass(frozen=True)
class Audience:
    """Who hears of a process's changes: its accepted followers and their servers."""

    followers: int
    servers: int


@dataclass(frozen=True)
class ProposalRow:
    """A proposal on the organisers' page, with its supports and its vote."""

    proposal: Proposal
    supports: int
    question: Question | None
    votes: int
    # The statuses the process may give it now (withdrawing is the author's, merging
    # has its own form).
    next_statuses: tuple[str, ...]
    mergeable: bool


@dataclass(frozen=True)
class ProcessRow:
    """A local process on the organisers' page with its live figures."""

    process: Process
    later_phases: tuple[str, ...]
    proposals: tuple[ProposalRow, ...]
    supports: int
    audience: Audience
    ballot: BudgetRound | None
    ballots: int
    # The proposals a duplicate may be merged into.
    merge_targets: tuple[Proposal, ...]
    figures: ProcessFigures


async def audience(node: Node, process: Process) -> Audience:
    """The accepted followers of a process and how many servers they are on."""
    followers = await node.follows.followers_of(process.uri)
    return Audience(len(followers), len({urlsplit(uri).netloc for uri in followers}))


async def _proposal_row(node: Node, proposal: Proposal) -> ProposalRow:
    store = node.participation_services.votes
    question = await store.question_for(proposal.uri)
    votes = sum((await store.option_counts(question.uri)).values()) if question else 0
    supports = await node.participation_store.support_count(proposal.uri)
    next_statuses = tuple(
        status
        for status in STATUSES
        if status not in {"withdrawn", "merged"}
        and PROPOSAL_LIFECYCLE.allows(proposal.status, status)
    )
    mergeable = PROPOSAL_LIFECYCLE.allows(proposal.status, "merged")
    return ProposalRow(proposal, supports, question, votes, next_statuses, mergeable)


async def _process_row(node: Node, process: Process) -> ProcessRow:
    proposals = tuple(
        [
            await _proposal_row(node, p)
            for p in await node.participation_store.proposals_of(process.uri)
        ]
    )
    ballots = node.participation_services.ballots
    ballot = await ballots.budget_round(process.uri) if process.budget else None
    return ProcessRow(
        process=process,
        later_phases=tuple(
            phase
            for phase in PHASE_LIFECYCLE.states
            if PHASE_LIFECYCLE.allows(process.current_phase, phase)
        ),
        proposals=proposals,
        supports=sum(row.supports for row in proposals),
        audience=await audience(node, process),
        ballot=ballot,
        ballots=len(await ballots.receipt_hashes(process.uri)) if ballot else 0,
        merge_targets=tuple(
            row.proposal for row in proposals if row.proposal.status not in NOT_MERGEABLE_INTO
        ),
        figures=await process_figures(node.participation_services, process),
    )


async def organise_page_with(
    request: web.Request, form: FormState | None = None, done: str | None = None, status: int = 200
) -> web.Response:
    """The organisers' page, with a refused form or the confirmation of an action."""
    node = request.app[NODE]
    account = await current_account(request)
    allowed = await organised_processes(node.accounts, account) if account else frozenset()
    processes = [
        process
        for process in await node.participation_store.local_processes()
        if allowed is None or process.uri in allowed
    ]
    return render(
        request,
        "organise.html",
        status=status,
        every_process=allowed is None,
        rows=[await _process_row(node, process) for process in processes],
        form=form or FormState(""),
        done=done,
    )


async def organise_page(request: web.Request) -> web.Response:
    """``GET /organise``: the node's processes, their figures and what organisers can do;
    for an account made organiser of some processes only, those."""
    await organiser_access(request)
    return await organise_page_with(request)


async def organiser_access(
    request: web.Request, account: Account | None = None, process: Process | None = None
) -> tuple[Account, frozenset[str] | None]:
    """The organiser's account and the processes it may run (None: every one); a 403 page
    for an account that organises none, or not ``process``."""
    account = account or await require_account(request)
    allowed = await organised_processes(request.app[NODE].accounts, account)
    try:
        if allowed is not None and not allowed:
            raise NotAllowed("this page is for organisers only", code="organisers_only")
        if process is not None:
            require_organiser_of(allowed, process)
    except NotAllowed as exc:
        raise forbidden_page(request, exc) from exc
    return account, allowed


def forbidden_page(request: web.Request, exc: NotAllowed) -> web.HTTPForbidden:
    """A 403 as an HTML page whatever the client accepts, as require_account answers."""
    return web.HTTPForbidden(text=refusal_page(request, exc).text, content_type="text/html")


async def _action_processes(node: Node, fields: Mapping[str, str]) -> list[Process]:
    """Every process an action on /organise names: by its slug, and as that of each
    proposal it names (the one acted on and the one merged into). All of them, as the
    action reads whichever field it needs: a form may name one process and carry
    another's proposal."""
    processes = []
    if "process" in fields:
        processes.append(await local_process(node.participation_services, fields["process"]))
    for key in ("proposal", "into"):
        if key in fields or not processes:
            proposal = await _proposal(node, {"proposal": fields.get(key, "")})
            process = await node.participation_store.get_process(proposal.process_uri)
            assert process is not None, "a stored proposal's process is stored"
            processes.append(process)
    return processes


def end_of_day(text: str, time: str = "23:59:59") -> str:
    """A date from a date input as the last second of that day, or as ``time`` that day,
    on the clock the pages show (Dutch time), stored in UTC: a vote that ends on
    11 December closes at 23:59 that evening, not an hour later."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid(
            f"{text!r} is not a date", code="organise_no_date", values={"date": text}
        ) from exc
    return iso(datetime.combine(day, dt_time.fromisoformat(time), tzinfo=LOCAL_TIME))


def local_day(moment: str) -> str:
    """The day of a stored UTC moment as a date input shows it, on the pages' clock."""
    return (
        datetime.fromisoformat(moment.replace("Z", "+00:00"))
        .astimezone(LOCAL_TIME)
        .date()
        .isoformat()
    )


# An action: what it does with the posted fields, returning the confirmation's msgid and
# its values; the field its refusals are shown beside ("submit": its button).
Action = Callable[[Node, Account, Mapping[str, str]], Awaitable[tuple[str, dict[str, object]]]]


async def _phase(
    node: Node, account: Account, fields: Mapping[str, str]
) -> tuple[str, dict[str, object]]:
    services = node.participation_services
    process = await local_process(services, fields.get("process", ""))
    changed = await set_phase(services, process, fields.get("phase", ""))
    heard = await audience(node, changed)
    return N_(
        "%(title)s is now in the phase %(phase)s. An Update of the process goes to its"
        " followers (%(followers)d) on their servers (%(servers)d)."
    ), {
        "title": changed.title,
        "phase": changed.current_phase,
        "followers": heard.followers,
        "servers": heard.servers,
    }


async def _proposal(node: Node, fields: Mapping[str, str]) -> Proposal:
    proposal = await node.participation_store.get_proposal(fields.get("proposal", ""))
    if proposal is None:
        raise NotFound("there is no such proposal on this node", code="proposal_unknown")
    return proposal


async def _vote_open(
    node: Node, account: Account, fields: Mapping[str, str]
) -> tuple[str, dict[str, object]]:
    proposal = await _proposal(node, fields)
    question = await open_vote(
        node.participation_services, proposal.uri, end_of_day(fields.get("until", ""))
    )
    process = await node.participation_store.get_process(question.process_uri)
    assert process is not None, "open_vote opened a vote in a process it knows"
    heard = await audience(node, process)
    return N_(
        "Voting on %(title)s is open. The question goes to the followers of the"
        " process (%(followers)d) on their servers (%(servers)d) and to the proposal's author."
    ), {"title": proposal.title, "followers": heard.followers, "servers": heard.servers}


async def _vote_close(
    node: Node, account: Account, fields: Mapping[str, str]
) -> tuple[str, dict[str, object]]:
    proposal = await _proposal(node, fields)
    if proposal.question_uri is None:
        raise NotFound("this proposal has no vote", code="vote_unknown")
    result = await close_vote(node.participation_services, proposal.question_uri)
    return N_(
        "The vote on %(title)s is closed: %(voters)d voters. The result goes to the"
        " followers of the process."
    ), {"title": proposal.title, "voters": result["votersCount"]}


async def _ballot_open(
    node: Node, account: Account, fields: Mapping[str, str]
) -> tuple[str, dict[str, object]]:
    process = await local_process(node.participation_services, fields.get("process", ""))
    entries = await open_budget_ballot(
        node.participation_services, process.uri, end_of_day(fields.get("until", ""))
    )
    heard = await audience(node, process)
    return N_(
        "The ballot of %(title)s is open with %(count)d proposals. An Update of the process"
        " goes to its followers (%(followers)d) on their servers (%(servers)d)."
    ), {
        "title": process.title,
        "count": len(entries),
        "followers": heard.followers,
        "servers": heard.servers,
    }


async def _ballot_close(
    node: Node, account: Account, fields: Mapping[str, str]
) -> tuple[str, dict[str, object]]:
    process = await local_process(node.participation_services, fields.get("process", ""))
    document = await close_budget(node.participation_services, process.uri)
    heard = await audience(node, process)
    return N_(
        "The ballot of %(title)s is closed: %(voters)d ballots. An Update of the process"
        " with the result goes to its followers (%(followers)d) on their servers (%(servers)d)."
    ), {
        "title": process.title,
        "voters": document["budgetResult"]["votersCount"],
        "followers": heard.followers,
        "servers": heard.servers,
    }


async def _status(
    node: Node, account: Account, fields: Mapping[str, str]
) -> tuple[str, dict[str, object]]:
    proposal = await _proposal(node, fields)
    progress_text = fields.get("progress", "").strip()
    progress = None
    if fields.get("status") == "in_progress" and progress_text:
        if not progress_text.isdigit():
            raise Invalid(
                f"{progress_text!r} is not a whole percentage",
                code="organise_no_progress",
                values={"progress": progress_text},
            )
        progress = int(progress_text)
    changed = await change_status(
        node.participation_services,
        proposal,
        fields.get("status", ""),
        reason=fields.get("reason", ""),
        actor=account.actor_uri,
        progress=progress,
    )
    return N_(
        "%(title)s now has the status %(status)s. An Update goes to the servers of the"
        " process's followers, the author and those who took part; the process posts the"
        " reason in the proposal's thread."
    ), {"title": changed.title, "status": changed.status}


async def _merge(
    node: Node, account: Account, fields: Mapping[str, str]
) -> tuple[str, dict[str, object]]:
    duplicate = await _proposal(node, fields)
    into = await _proposal(node, {"proposal": fields.get("into", "")})
    await merge_proposal(
        node.participation_services,
        duplicate,
        into,
        reason=fields.get("reason", ""),
        actor=account.actor_uri,
    )
    return N_(
        "%(title)s is merged into %(into)s. An Update goes to the servers of the process's"
        " followers, the author and those who took part, and the supporters now count"
        " toward %(into)s."
    ), {"title": duplicate.title, "into": into.title}


ACTIONS: Mapping[str, tuple[Action, str]] = {
    "phase": (_phase, "submit"),
    "vote-open": (_vote_open, "until"),
    "vote-close": (_vote_close, "submit"),
    "ballot-open": (_ballot_open, "until"),
    "ballot-close": (_ballot_close, "submit"),
    "status": (_status, "reason"),
    "merge": (_merge, "into"),
}
# Refusals shown beside another field than their action's.
REFUSED_FIELD = {"organise_no_progress": "progress", "status_reason_missing": "reason"}


async def organise_action(request: web.Request) -> web.Response:
    """``POST /organise``: one organiser's action, then the page with what was sent."""
    account, posted = await posted_form(request)
    _, allowed = await organiser_access(request, account)
    fields = text_fields(posted)
    node = request.app[NODE]
    action = fields.get("action", "")
    if action not in ACTIONS:
        raise web.HTTPBadRequest(text=f"unknown action {action!r}")
    act, field = ACTIONS[action]
    form_name = fields.get("form", action)
    try:
        if allowed is not None:
            for process in await _action_processes(node, fields):
                require_organiser_of(allowed, process)
        message, values = await act(node, account, fields)
    except Refusal as exc:
        beside = REFUSED_FIELD.get(exc.code, field)
        state = FormState(form_name, fields, {beside: page_reason(request, exc)})
        return await organise_page_with(request, form=state, status=http_status(exc))
    t = page_translator(request)
    # The phase and status codes read as the page's labels of them.
    for key, names in (("phase", PHASE_LABELS), ("status", STATUS_LABELS)):
        if key in values:
            values[key] = t(names[str(values[key])])
    return await organise_page_with(request, done=t(message, **values))


def text_fields(posted: FormData) -> dict[str, str]:
    """A posted form's text fields, trimmed."""
    return {name: value.strip() for name, value in posted.items() if isinstance(value, str)}


def register(app: web.Application) -> None:
    """Add the organisers' page."""
    app.router.add_get(ORGANISE_PAGE, organise_page)
    app.router.add_post(ORGANISE_PAGE, organise_action)
