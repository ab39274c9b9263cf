"""The node's front page: what a resident can do now, what was decided lately, and the
latest posts, a page at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from node.clock import utc_now
from node.i18n import N_, STATUS_LABELS, labels
from node.node import Node
from node.participation.models import Process, parse_moment
from node.participation.transparency import decision_log, proposal_rows
from node.web.app import NODE
from node.web.i18n import ARCHETYPE_EXPLAINED, PHASE_LABELS, language_of
from node.web.pages import author_names, page_translator, render

POSTS_PER_PAGE = 20
RECENT_DECISIONS = 5
# What a resident can do in a process in each phase, and where on its pages.
PHASE_ACTIONS = {
    "proposing": (N_("Make a proposal"), "#voorstel-doen"),
    "supporting": (N_("Support the proposals you agree with"), "#voorstellen"),
    "voting": (N_("Vote"), "/vote"),
}
# The steps a process takes on a proposal that residents want to hear of.
DECIDED = frozenset(
    {"threshold_reached", "on_agenda", "accepted", "rejected", "in_progress", "done"}
)


@dataclass(frozen=True)
class ProcessCard:
    """An open process as the front page shows it."""

    process: Process
    page: str
    explained: str
    phase: str
    phase_ends: str | None
    days_left: int | None
    action: str | None
    action_link: str | None
    proposals: int
    supports: int


async def home(request: web.Request) -> web.Response:
    """``/``: the open processes as cards, recent decisions, and the latest posts
    (``?page=N`` for older ones)."""
    node = request.app[NODE]
    organisation = await node.organisation()
    page = _page_number(request)
    posts = await node.objects.latest_public(
        POSTS_PER_PAGE + 1, offset=(page - 1) * POSTS_PER_PAGE, top_level=True
    )
    open_processes = [p for p in await node.participation_store.local_processes() if p.is_open]
    return render(
        request,
        "home.html",
        organisation=organisation,
        handle=f"@{organisation.username}@{node.urls.host}",
        cards=[await _card(request, node, process) for process in open_processes],
        decisions=await _recent_decisions(request, node, open_processes),
        posts=posts[:POSTS_PER_PAGE],
        names=await author_names(request, posts),
        page=page,
        older=page + 1 if len(posts) > POSTS_PER_PAGE else None,
    )


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


async def _card(request: web.Request, node: Node, process: Process) -> ProcessCard:
    t = page_translator(request)
    rows = await proposal_rows(node.participation_services, process)
    current = next((p for p in process.phases if p.name == process.current_phase), None)
    days_left = None
    if current is not None:
        left = (parse_moment(current.end) - utc_now()).total_seconds()
        days_left = max(math.ceil(left / 86400), 0)
    page = f"{node.urls.base}/processes/{process.slug}"
    action = PHASE_ACTIONS.get(process.current_phase)
    return ProcessCard(
        process=process,
        page=page,
        explained=t(ARCHETYPE_EXPLAINED[process.archetype]),
        phase=t(PHASE_LABELS[process.current_phase]),
        phase_ends=current.end if current is not None else None,
        days_left=days_left,
        action=t(action[0]) if action else None,
        action_link=page + action[1] if action else None,
        proposals=len(rows),
        supports=sum(int(row["supports"]) for row in rows),
    )


async def _recent_decisions(
    request: web.Request, node: Node, processes: list[Process]
) -> list[dict[str, Any]]:
    """The latest steps the open processes took on proposals, newest first."""
    language = language_of(request, node.config.language, node.config.languages)
    status_labels = labels(STATUS_LABELS, language)
    found = []
    for process in processes:
        for entry in await decision_log(node.participation_services, process):
            if entry["kind"] == "status" and entry["status"] in DECIDED:
                record = await node.objects.record(entry["proposal"])
                found.append(
                    entry
                    | {
                        "process_title": process.title,
                        "label": status_labels[entry["status"]],
                        "page": f"{node.urls.base}/proposals/{record.row_id}" if record else None,
                    }
                )
    found.sort(key=lambda entry: entry["published"], reverse=True)
    return found[:RECENT_DECISIONS]


def register(app: web.Application) -> None:
    """Add the front page."""
    app.router.add_get("/", home)
