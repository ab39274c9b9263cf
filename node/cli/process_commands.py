"""The organiser's commands: ``samenspraak process create|edit|organiser|phase|close|list`` and
``samenspraak proposal list|status|merge``.

Arguments are read here into domain values; every wrong one is refused with a
``CliError``. Phase and status changes are queued for federation and go out
when the node serves.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path

from moderation.sanitize import text_to_html
from node.cli.errors import CliError
from node.cli.opened_node import opened_node
from node.clock import utc_now
from node.moderator_actions import OPERATOR
from node.node import Node
from node.participation.merging import merge_proposal
from node.participation.models import (
    ARCHETYPES,
    DEFAULT_VOTING_OPTIONS,
    ELIGIBILITIES,
    PHASE_NAMES,
    Budget,
    Phase,
    Process,
    Proposal,
)
from node.participation.processes import (
    ProcessEdit,
    create_process,
    edit_process,
    local_process,
    set_phase,
)
from node.participation.status import STATUSES
from node.participation.trail import change_status
from node.roles import set_process_organiser
from node.storage.actors import LocalActor

DEFAULT_WEEKS = {"proposing": 6, "supporting": 4, "voting": 2}


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add the ``process`` and ``proposal`` subcommands to the ``samenspraak`` parser."""
    process = sub.add_parser("process", help="run participatory processes")
    actions = process.add_subparsers(dest="process_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="open a new process")
    create.add_argument("directory", type=Path)
    create.add_argument("--slug", required=True, help="short name in addresses, e.g. groen")
    create.add_argument("--title", required=True)
    create.add_argument("--summary", default="")
    create.add_argument("--archetype", required=True, help=" | ".join(ARCHETYPES))
    create.add_argument("--eligibility", default="open", help=" | ".join(ELIGIBILITIES))
    create.add_argument("--threshold", required=True, help="supports needed: 25, or 5%%")
    create.add_argument(
        "--per-server-cap",
        default=None,
        help="open processes: count at most this many accounts from one server",
    )
    create.add_argument(
        "--min-account-age-days",
        default=None,
        help="open processes: count only accounts at least this many days old",
    )
    create.add_argument("--electorate", default="0", help="how many people may take part")
    create.add_argument("--budget", default=None, help="amount to divide (decide processes)")
    create.add_argument("--currency", default="EUR")
    create.add_argument("--min-picks", default="1")
    create.add_argument("--max-picks", default="3")
    create.add_argument(
        "--phases",
        default=None,
        help="proposing=2026-11-01..2026-12-15,supporting=...,voting=...",
    )
    create.add_argument(
        "--voting-options", default=None, help="comma-separated, e.g. voor,tegen,onthouding"
    )
    create.add_argument(
        "--agreement", default=None, help="id of the agreement that delegates this process"
    )
    create.set_defaults(handler=process_create)
    edit = actions.add_parser("edit", help="change a running process; its followers get an Update")
    edit.add_argument("directory", type=Path)
    edit.add_argument("slug")
    edit.add_argument("--title", default=None)
    edit.add_argument("--summary", default=None)
    edit.add_argument("--threshold", default=None, help="supports needed: 25, or 5%%")
    edit.add_argument("--electorate", default=None, help="how many people may take part")
    edit.add_argument("--budget", default=None, help="amount to divide; 'none' for no budget")
    edit.add_argument("--currency", default=None)
    edit.add_argument("--min-picks", default=None)
    edit.add_argument("--max-picks", default=None)
    edit.add_argument(
        "--phases", default=None, help="all phases: proposing=2026-11-01..2026-12-15,voting=..."
    )
    edit.add_argument(
        "--agreement", default=None, help="id of the agreement it falls under; 'none' for none"
    )
    edit.set_defaults(handler=process_edit)
    organiser = actions.add_parser(
        "organiser", help="make an account organiser of this process only, or no longer"
    )
    organiser.add_argument("directory", type=Path)
    organiser.add_argument("slug")
    organiser.add_argument("username")
    organiser.add_argument("--reason", required=True, help="why; the moderation log shows it")
    organiser.add_argument("--remove", action="store_true", help="no longer organiser")
    organiser.set_defaults(handler=process_organiser)
    phase = actions.add_parser("phase", help="move a process to another phase")
    phase.add_argument("directory", type=Path)
    phase.add_argument("slug")
    phase.add_argument("phase", help=" | ".join(PHASE_NAMES))
    phase.set_defaults(handler=process_phase)
    close = actions.add_parser("close", help="close a process")
    close.add_argument("directory", type=Path)
    close.add_argument("slug")
    close.set_defaults(handler=process_phase, phase="closed")
    listing = actions.add_parser("list", help="list the processes of a node")
    listing.add_argument("directory", type=Path)
    listing.set_defaults(handler=process_list)

    proposal = sub.add_parser("proposal", help="decide on proposals")
    proposal_actions = proposal.add_subparsers(
        dest="proposal_command", required=True, metavar="ACTION"
    )
    proposals = proposal_actions.add_parser("list", help="list the proposals of a process")
    proposals.add_argument("directory", type=Path)
    proposals.add_argument("slug")
    proposals.set_defaults(handler=proposal_list)
    status = proposal_actions.add_parser("status", help="give a proposal a new status")
    status.add_argument("directory", type=Path)
    status.add_argument("proposal", help="the proposal's id (URL)")
    status.add_argument("status", help=" | ".join(STATUSES))
    status.add_argument("--reason", required=True, help="why, in plain words; it is published")
    status.add_argument("--progress", default=None, help="percentage done, with in_progress")
    status.add_argument(
        "--by", default=None, help="the account deciding (default: the organisation)"
    )
    status.set_defaults(handler=proposal_status)
    merge = proposal_actions.add_parser(
        "merge", help="mark a proposal as a duplicate of another in the same process"
    )
    merge.add_argument("directory", type=Path)
    merge.add_argument("proposal", help="the duplicate's id (URL)")
    merge.add_argument("--into", required=True, help="the id (URL) of the proposal it duplicates")
    merge.add_argument("--reason", required=True, help="why, in plain words; it is published")
    merge.add_argument(
        "--by", default=None, help="the account deciding (default: the organisation)"
    )
    merge.set_defaults(handler=proposal_merge)


async def process_create(args: argparse.Namespace) -> int:
    """``samenspraak process create``: open a process, followable at once."""
    async with opened_node(args.directory) as node:
        process = await create_process(node.participation_services, **parse_create(args))
        print(f"Opened {process.archetype} process {process.title} ({process.uri})")
        print(f"  page: {node.urls.base}/processes/{process.slug}")
        print(f"  followable as @{process.slug}@{node.urls.host}")
    return 0


async def process_edit(args: argparse.Namespace) -> int:
    """``samenspraak process edit``: change what the options name, keep the rest."""
    async with opened_node(args.directory) as node:
        process = await local_process(node.participation_services, args.slug)
        changed = await edit_process(
            node.participation_services, process, parse_edit(args, process)
        )
    print(f"{changed.title} is changed; its followers will get an Update")
    return 0


def parse_edit(args: argparse.Namespace, process: Process) -> ProcessEdit:
    """The changes ``process edit`` asks for: only the options given."""
    changes: ProcessEdit = {}
    if args.title is not None:
        changes["title"] = args.title.strip()
    if args.summary is not None:
        changes["summary"] = text_to_html(args.summary)
    if args.threshold is not None:
        changes["threshold_count"], changes["threshold_share"] = parse_threshold(args.threshold)
    if args.electorate is not None:
        changes["electorate_size"] = _whole(args.electorate, "--electorate")
    if args.phases is not None:
        changes["phases"] = parse_phases(args.phases)
    if args.agreement is not None:
        changes["agreement"] = None if args.agreement == "none" else args.agreement
    if args.budget == "none":
        changes["budget"] = None
    elif any(
        value is not None for value in (args.budget, args.currency, args.min_picks, args.max_picks)
    ):
        before = process.budget or Budget(0, "EUR", 1, 3)
        if args.budget is None and process.budget is None:
            raise CliError("--budget: the process has no budget yet; give its amount")
        currency = args.currency or before.currency
        if len(currency) != 3 or not currency.isalpha():
            raise CliError("--currency must be a three-letter code such as EUR")
        changes["budget"] = Budget(
            before.amount if args.budget is None else _number(args.budget, "--budget"),
            currency.upper(),
            before.min_picks if args.min_picks is None else _whole(args.min_picks, "--min-picks"),
            before.max_picks if args.max_picks is None else _whole(args.max_picks, "--max-picks"),
        )
    return changes


async def process_organiser(args: argparse.Namespace) -> int:
    """``samenspraak process organiser``: as an administrator on the process's edit page."""
    async with opened_node(args.directory) as node:
        process = await local_process(node.participation_services, args.slug)
        await set_process_organiser(
            node.moderator_services,
            OPERATOR,
            args.username,
            process,
            args.reason,
            organiser=not args.remove,
        )
    change = "no longer organises" if args.remove else "now organises"
    print(f"{args.username} {change} {process.title}; the moderation log shows why")
    return 0


async def process_list(args: argparse.Namespace) -> int:
    """``samenspraak process list``: slug, archetype, phase and title per local process."""
    async with opened_node(args.directory) as node:
        for process in await node.participation_store.local_processes():
            print(f"{process.slug}\t{process.archetype}\t{process.current_phase}\t{process.title}")
    return 0


async def process_phase(args: argparse.Namespace) -> int:
    """``samenspraak process phase|close``: move a process to a phase, or close it."""
    async with opened_node(args.directory) as node:
        process = await local_process(node.participation_services, args.slug)
        changed = await set_phase(node.participation_services, process, args.phase)
    print(f"{changed.title} is now in phase {changed.current_phase}; followers will be told")
    return 0


async def proposal_list(args: argparse.Namespace) -> int:
    """``samenspraak proposal list``: id, status, supports and title per proposal."""
    async with opened_node(args.directory) as node:
        process = await local_process(node.participation_services, args.slug)
        for proposal in await node.participation_store.proposals_of(process.uri):
            supports = await node.participation_store.support_count(proposal.uri)
            print(f"{proposal.uri}\t{proposal.status}\t{supports}\t{proposal.title}")
    return 0


async def proposal_status(args: argparse.Namespace) -> int:
    """``samenspraak proposal status``: a new status with a published reason."""
    async with opened_node(args.directory) as node:
        proposal = await _stored_proposal(node, args.proposal)
        actor = await _deciding(node, args.by)
        changed = await change_status(
            node.participation_services,
            proposal,
            args.status,
            reason=args.reason,
            actor=actor.uri,
            progress=_whole(args.progress, "--progress") if args.progress is not None else None,
        )
    print(f"{changed.title}: {changed.status}; followers and the author will be told")
    return 0


async def proposal_merge(args: argparse.Namespace) -> int:
    """``samenspraak proposal merge``: a duplicate's final status, pointing to the other."""
    async with opened_node(args.directory) as node:
        duplicate = await _stored_proposal(node, args.proposal)
        into = await _stored_proposal(node, args.into)
        await merge_proposal(
            node.participation_services,
            duplicate,
            into,
            reason=args.reason,
            actor=(await _deciding(node, args.by)).uri,
        )
    print(f"{duplicate.title} is merged into {into.title}; followers and the author will be told")
    return 0


async def _stored_proposal(node: Node, uri: str) -> Proposal:
    proposal = await node.participation_store.get_proposal(uri)
    if proposal is None:
        raise CliError(f"no proposal {uri} on this node")
    return proposal


async def _deciding(node: Node, username: str | None) -> LocalActor:
    """The account ``--by`` names, or the organisation."""
    if username is None:
        return await node.organisation()
    found = await node.actors.by_username(username)
    if found is None or found.kind != "person":
        raise CliError(f"--by: no account {username!r} on this node")
    return found


def parse_create(args: argparse.Namespace) -> dict[str, object]:
    """The keyword arguments of ``create_process`` from the command line."""
    _one_of(args.archetype, ARCHETYPES, "--archetype")
    _one_of(args.eligibility, ELIGIBILITIES, "--eligibility")
    count, share = parse_threshold(args.threshold)
    budget = None
    if args.budget is not None:
        amount = _number(args.budget, "--budget")
        if len(args.currency) != 3 or not args.currency.isalpha():
            raise CliError("--currency must be a three-letter code such as EUR")
        budget = Budget(
            amount,
            args.currency.upper(),
            _whole(args.min_picks, "--min-picks"),
            _whole(args.max_picks, "--max-picks"),
        )
    options = DEFAULT_VOTING_OPTIONS
    if args.voting_options is not None:
        options = tuple(o.strip() for o in args.voting_options.split(",") if o.strip())
    phases = (
        parse_phases(args.phases)
        if args.phases is not None
        else default_phases(args.archetype, utc_now().date())
    )
    return {
        "slug": args.slug,
        "title": args.title.strip(),
        "summary": text_to_html(args.summary),
        "archetype": args.archetype,
        "eligibility": args.eligibility,
        "threshold_count": count,
        "threshold_share": share,
        "electorate_size": _whole(args.electorate, "--electorate"),
        "budget": budget,
        "phases": phases,
        "voting_options": options,
        "per_server_cap": _optional_whole(args.per_server_cap, "--per-server-cap"),
        "min_account_age_days": _optional_whole(
            args.min_account_age_days, "--min-account-age-days"
        ),
        "agreement": args.agreement,
    }


def parse_threshold(text: str) -> tuple[int | None, float | None]:
    """``25`` is a count of supports, ``5%`` a share of the electorate."""
    text = text.strip()
    if text.endswith("%"):
        percent = _number(text[:-1], "--threshold")
        if not 0 < percent <= 100:
            raise CliError("--threshold as a share must be above 0% and at most 100%")
        return None, round(percent / 100, 6)
    count = _whole(text, "--threshold")
    if count < 1:
        raise CliError("--threshold must be at least 1 support")
    return count, None


def parse_phases(text: str) -> tuple[Phase, ...]:
    """``proposing=2026-11-01..2026-12-15,voting=...`` as phases (dates in UTC)."""
    phases = []
    for part in text.split(","):
        name, _, span = part.strip().partition("=")
        start, _, end = span.partition("..")
        if not name or not start or not end:
            raise CliError(f"--phases: {part.strip()!r} is not NAME=START..END")
        _one_of(name, PHASE_NAMES, "--phases")
        phases.append(Phase(name, _moment(start), _moment(end)))
    return tuple(phases)


def default_phases(archetype: str, today: date) -> tuple[Phase, ...]:
    """Proposing, supporting and (for decide) voting, back to back from today."""
    names = ["proposing", "supporting"] + (["voting"] if archetype == "decide" else [])
    phases, start = [], today
    for name in names:
        end = start + timedelta(weeks=DEFAULT_WEEKS[name])
        phases.append(Phase(name, f"{start.isoformat()}T00:00:00Z", f"{end.isoformat()}T00:00:00Z"))
        start = end
    return tuple(phases)


def _moment(text: str) -> str:
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError
            return text
        return f"{date.fromisoformat(text).isoformat()}T00:00:00Z"
    except ValueError as exc:
        raise CliError(f"--phases: {text!r} is not a date (YYYY-MM-DD)") from exc


def _one_of(value: str, allowed: tuple[str, ...], option: str) -> None:
    if value not in allowed:
        raise CliError(f"{option} must be one of {', '.join(allowed)}, not {value!r}")


def _whole(text: str, option: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise CliError(f"{option} must be a whole number, not {text!r}") from exc
    if value < 0:
        raise CliError(f"{option} cannot be negative")
    return value


def _optional_whole(text: str | None, option: str) -> int | None:
    return None if text is None else _whole(text, option)


def _number(text: str, option: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise CliError(f"{option} must be a number, not {text!r}") from exc
