"""``/organise/<slug>/edit``: the organisers' form that changes a running process, through
the same ``edit_process`` as ``samenspraak process edit``. It reads the fields as the form
that opens a process does (``new_process_page``); a refusal is shown beside its field and
nothing changes then. Saving sends an Update of the process to its followers.

On the same page an administrator makes an account organiser of this process only, or no
longer (``POST /organise/<slug>/organisers``, ``set_process_organiser`` as ``samenspraak
process organiser``); such an organiser opens this page for its own processes only."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from federation.errors import NotAllowed, NotFound, Refusal
from moderation.sanitize import html_to_text
from node.i18n import N_
from node.moderator_actions import acting_as
from node.participation.models import Phase, Process
from node.participation.processes import ProcessEdit, edit_process, local_process
from node.roles import set_process_organiser
from node.storage.accounts import Account
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.new_process_page import (
    DATED_PHASES,
    agreement_choices,
    read_process_form,
    refused_beside,
)
from node.web.organiser_pages import (
    audience,
    forbidden_page,
    local_day,
    organise_page_with,
    organiser_access,
    text_fields,
)
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason
from node.web.sessions import posted_form

EDIT_PAGE = "/organise/{slug}/edit"
ORGANISERS_FORM = "/organise/{slug}/organisers"
# Where a refusal of set_process_organiser is shown, by its code (else beside the name).
ORGANISER_REFUSAL_FIELDS = {"reason_missing": "reason"}


def form_values(process: Process) -> dict[str, str]:
    """The form's fields filled in with what the process has now."""
    values = {
        "title": process.title,
        "summary": html_to_text(process.summary),
        "threshold": str(process.threshold_count)
        if process.threshold_count is not None
        else f"{(process.threshold_share or 0) * 100:g}%",
        "electorate": str(process.electorate_size),
        "agreement": process.agreement or "",
        "budget_currency": "EUR",
    }
    for phase in process.phases:
        values[f"{phase.name}_start"] = local_day(phase.start)
        values[f"{phase.name}_end"] = local_day(phase.end)
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

    def days(phase: Phase) -> tuple[str, str, str]:
        return phase.name, local_day(phase.start), local_day(phase.end)

    before = {days(p): p for p in process.phases}
    return tuple(before.get(days(p), p) for p in phases)


async def _form_page(
    request: web.Request,
    process: Process,
    form: FormState,
    status: int = 200,
    *,
    account: Account,
    organisers: FormState | None = None,
    done: str | None = None,
) -> web.Response:
    node = request.app[NODE]
    return render(
        request,
        "organise_edit.html",
        status=status,
        process=process,
        form=form,
        organisers_form=organisers or FormState(""),
        done=done,
        phases=DATED_PHASES,
        agreements=await agreement_choices(request, process.agreement),
        heard=await audience(node, process),
        administrator=account.role == "admin",
        organisers=await node.accounts.process_organisers(process.uri),
    )


async def _organised(
    request: web.Request, account: Account | None = None
) -> tuple[Account, Process]:
    """The account and the process of the page; 403 unless it organises that process."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    account, _ = await organiser_access(request, account, process)
    return account, process


async def edit_page(request: web.Request) -> web.Response:
    """``GET /organise/<slug>/edit``: the form with the process as it is now."""
    account, process = await _organised(request)
    form = FormState("process", form_values(process))
    return await _form_page(request, process, form, account=account)


async def edit_from_form(request: web.Request) -> web.Response:
    """``POST /organise/<slug>/edit``: change the process, or show the form again with
    its problems."""
    account, posted = await posted_form(request)
    account, process = await _organised(request, account)
    node = request.app[NODE]
    services = node.participation_services
    fields: Mapping[str, str] = text_fields(posted)
    arguments, errors = read_process_form(request, fields)
    if errors:
        state = FormState("process", dict(fields), errors)
        return await _form_page(request, process, state, 422, account=account)
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
        return await _form_page(request, process, state, http_status(exc), account=account)
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


async def change_organisers(request: web.Request) -> web.Response:
    """``POST /organise/<slug>/organisers``: an administrator makes an account organiser of
    this process only, or no longer (``change`` is ``add`` or ``remove``), for a reason."""
    account, posted = await posted_form(request)
    account, process = await _organised(request, account)
    node = request.app[NODE]
    fields = text_fields(posted)
    adding = fields.get("change") != "remove"
    if account.role != "admin":
        raise forbidden_page(
            request, NotAllowed("only administrators give roles", code="role_not_admin")
        )
    actor = await node.actors.by_uri(account.actor_uri)
    if actor is None:
        raise NotFound("your account has no actor on this node")
    form = FormState("process", form_values(process))
    try:
        await set_process_organiser(
            node.moderator_services,
            await acting_as(node.moderator_services, actor),
            fields.get("username", ""),
            process,
            fields.get("reason", ""),
            organiser=adding,
        )
    except Refusal as exc:
        field = ORGANISER_REFUSAL_FIELDS.get(exc.code, "username")
        state = FormState("organisers", fields, {field: page_reason(request, exc)})
        return await _form_page(
            request, process, form, http_status(exc), account=account, organisers=state
        )
    done = page_translator(request)(
        N_("%(name)s now organises %(title)s only. The moderation log shows it with its reason.")
        if adding
        else N_(
            "%(name)s no longer organises %(title)s. The moderation log shows it with its reason."
        ),
        name=fields.get("username", "").lstrip("@"),
        title=process.title,
    )
    return await _form_page(request, process, form, account=account, done=done)


def register(app: web.Application) -> None:
    """Add the form that changes a process and the one that names its organisers."""
    app.router.add_get(EDIT_PAGE, edit_page)
    app.router.add_post(EDIT_PAGE, edit_from_form)
    app.router.add_post(ORGANISERS_FORM, change_organisers)
