"""``/organise/<slug>/edit``: the organisers' form that changes a running process, through
the same ``edit_process`` as ``samenspraak process edit``. It reads the fields as the form
that opens a process does (``new_process_page``); a refusal is shown beside its field and
nothing changes then. Saving sends an Update of the process to its followers."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from federation.errors import Refusal
from node.i18n import N_
from node.participation.models import Phase, Process
from node.participation.processes import ProcessEdit, edit_process, local_process
from node.roles import ORGANISING_ROLES
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.new_process_page import (
    DATED_PHASES,
    agreement_choices,
    read_process_form,
    refused_beside,
)
from node.web.organiser_pages import ORGANISERS_ONLY, audience, organise_page_with, text_fields
from node.web.pages import page_translator, render
from node.web.refusals import http_status
from node.web.sessions import posted_form, require_account

EDIT_PAGE = "/organise/{slug}/edit"


def form_values(process: Process) -> dict[str, str]:
    """The form's fields filled in with what the process has now."""
    values = {
        "title": process.title,
        "summary": process.summary,
        "threshold": str(process.threshold_count)
        if process.threshold_count is not None
        else f"{(process.threshold_share or 0) * 100:g}%",
        "electorate": str(process.electorate_size),
        "agreement": process.agreement or "",
        "budget_currency": "EUR",
    }
    for phase in process.phases:
        values[f"{phase.name}_start"] = phase.start[:10]
        values[f"{phase.name}_end"] = phase.end[:10]
    if process.budget is not None:
        values |= {
            "budget_amount": f"{process.budget.amount:g}",
            "budget_currency": process.budget.currency,
            "min_picks": str(process.budget.min_picks),
            "max_picks": str(process.budget.max_picks),
        }
    return values


def _same_days(phases: tuple[Phase, ...], process: Process) -> tuple[Phase, ...]:
    """The phases read from the form, keeping the exact moments of those whose days did
    not change (a process opened from the command line may start at another hour)."""
    before = {(p.name, p.start[:10], p.end[:10]): p for p in process.phases}
    return tuple(before.get((p.name, p.start[:10], p.end[:10]), p) for p in phases)


async def _form_page(
    request: web.Request, process: Process, form: FormState, status: int = 200
) -> web.Response:
    return render(
        request,
        "organise_edit.html",
        status=status,
        process=process,
        form=form,
        phases=DATED_PHASES,
        agreements=await agreement_choices(request, process.agreement),
        heard=await audience(request.app[NODE], process),
    )


async def edit_page(request: web.Request) -> web.Response:
    """``GET /organise/<slug>/edit``: the form with the process as it is now."""
    await require_account(request, ORGANISING_ROLES, ORGANISERS_ONLY)
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    return await _form_page(request, process, FormState("process", form_values(process)))


async def edit_from_form(request: web.Request) -> web.Response:
    """``POST /organise/<slug>/edit``: change the process, or show the form again with
    its problems."""
    _, posted = await posted_form(request, ORGANISING_ROLES, ORGANISERS_ONLY)
    node = request.app[NODE]
    services = node.participation_services
    process = await local_process(services, request.match_info["slug"])
    fields: Mapping[str, str] = text_fields(posted)
    arguments, errors = read_process_form(request, fields)
    if errors:
        return await _form_page(request, process, FormState("process", dict(fields), errors), 422)
    changes: ProcessEdit = {
        "title": arguments["title"],
        "summary": arguments["summary"],
        "phases": _same_days(arguments["phases"], process),
        "threshold_count": arguments["threshold_count"],
        "threshold_share": arguments["threshold_share"],
        "electorate_size": arguments["electorate_size"],
        "budget": arguments["budget"],
        "agreement": arguments["agreement"],
    }
    try:
        changed = await edit_process(services, process, changes)
    except Refusal as exc:
        state = refused_beside(request, fields, exc)
        return await _form_page(request, process, state, status=http_status(exc))
    heard = await audience(node, changed)
    done = page_translator(request)(
        N_(
            "%(title)s is changed. An Update of the process goes to its followers"
            " (%(followers)d) on their servers (%(servers)d)."
        ),
        title=changed.title,
        followers=heard.followers,
        servers=heard.servers,
    )
    return await organise_page_with(request, done=done)


def register(app: web.Application) -> None:
    """Add the form that changes a process."""
    app.router.add_get(EDIT_PAGE, edit_page)
    app.router.add_post(EDIT_PAGE, edit_from_form)
