"""The pages of a process's panel draws (loting): ``/processes/{slug}/panels`` lists them
and lets an organiser open one, ``/processes/{slug}/panels/{number}`` shows one draw as
residents need it (who may sign up, how many seats, who makes the seed) with the button
that signs a resident up, the organiser's button that starts the draw, and once drawn the
seed and the panel under their pseudonyms, with the published data to recompute it.

Each action is the same domain function as ``samenspraak panel create|start|join``
(``node/participation/sortition.py``); a refusal is shown on the page in the visitor's
language and changes nothing."""

from __future__ import annotations

from aiohttp import web

from federation.actors import host_of
from federation.errors import Invalid, Refusal
from node.i18n import N_
from node.node import Node
from node.participation.models import PanelDraw, Process
from node.participation.processes import local_process
from node.participation.sortition import create_draw, local_draw, opt_in, start_draw
from node.roles import organised_processes
from node.storage.accounts import Account
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.organiser_pages import audience, organiser_access, text_fields
from node.web.pages import page_translator, render
from node.web.participation_pages import names_of
from node.web.refusals import http_status, page_reason
from node.web.sessions import current_account, posted_form

PANELS = "/processes/{slug}/panels"
PANEL = PANELS + "/{number:\\d+}"
# Where a refusal of opening a draw is shown, by its code; others go with the button.
REFUSED_FIELD = {
    "draw_no_seats": "seats",
    "form_not_whole": "seats",
    "draw_areas": "areas",
    "draw_area_uncovered": "areas",
    "draw_no_party": "parties",
}
DRAW_STATES = {
    "open": N_("Open for sign-ups"),
    "committing": N_("Started: the parties commit to their part of the lot"),
    "revealing": N_("Started: the parties reveal their part of the lot"),
    "drawn": N_("Drawn"),
}
DONE = {
    "opened": N_(
        "The draw is open. Residents of its postcode areas can sign up on its page; nothing"
        " is sent to other servers until you start it."
    ),
    "signed-up": N_(
        "You have signed up. Your name is not published: the draw lists you under a number"
        " that only this node can link to you."
    ),
    "started": N_(
        "The draw has started: the list of candidates is fixed and published, and the"
        " other parties are asked to help make the seed. The panel follows when every party"
        " has revealed its part."
    ),
}


async def _organises(request: web.Request, account: Account | None, process: Process) -> bool:
    """Whether the visitor may run ``process``: a node-wide organiser or administrator, or
    an account made organiser of this process."""
    if account is None:
        return False
    allowed = await organised_processes(request.app[NODE].accounts, account)
    return allowed is None or process.uri in allowed


async def panels_page(request: web.Request) -> web.Response:
    """``GET /processes/{slug}/panels``: the process's draws, and the organisers' form."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    return await _panels_with(request, node, process)


async def _panels_with(
    request: web.Request,
    node: Node,
    process: Process,
    form: FormState | None = None,
    status: int = 200,
) -> web.Response:
    draws = await node.participation_services.draws.of_process(process.uri)
    return render(
        request,
        "panels.html",
        status=status,
        process=process,
        draws=[(_number(d), d) for d in draws],
        draw_states=_states(request),
        organiser=await _organises(request, await current_account(request), process),
        form=form or FormState(""),
    )


def _states(request: web.Request) -> dict[str, str]:
    t = page_translator(request)
    return {state: t(label) for state, label in DRAW_STATES.items()}


def _number(panel: PanelDraw) -> str:
    return panel.uri.rsplit("/draws/", 1)[1]


def _seats(text: str) -> int:
    if not text.isdigit():
        raise Invalid(
            f"{text!r} is not a whole number", code="form_not_whole", values={"value": text}
        )
    return int(text)


async def open_draw(request: web.Request) -> web.Response:
    """``POST /processes/{slug}/panels``: an organiser opens a draw for sign-ups."""
    account, posted = await posted_form(request)
    fields = text_fields(posted)
    node = request.app[NODE]
    services = node.participation_services
    process = await local_process(services, request.match_info["slug"])
    await organiser_access(request, account, process)
    try:
        panel = await create_draw(
            services,
            process,
            title=fields.get("title", "") or process.title,
            seats=_seats(fields.get("seats", "")),
            areas=fields.get("areas", "").replace(" ", ",").split(","),
            stratified=bool(fields.get("stratified")),
            parties=fields.get("parties", "").split(),
        )
    except Refusal as exc:
        beside = REFUSED_FIELD.get(exc.code, "submit")
        state = FormState("panel", fields, {beside: page_reason(request, exc)})
        return await _panels_with(request, node, process, state, http_status(exc))
    raise web.HTTPSeeOther(f"{draw_page(panel)}?done=opened")


def draw_page(panel: PanelDraw) -> str:
    """The page of one of this node's draws (its process's slug is its actor's name)."""
    slug = panel.process_uri.rstrip("/").rsplit("/", 1)[1]
    return f"/processes/{slug}/panels/{_number(panel)}"


async def _draw_of(request: web.Request) -> tuple[PanelDraw, Process]:
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    return await local_draw(
        node.participation_services, f"{process.uri}/draws/{request.match_info['number']}"
    )


async def panel_page(request: web.Request) -> web.Response:
    """``GET /processes/{slug}/panels/{number}``: one draw."""
    panel, process = await _draw_of(request)
    done = request.query.get("done", "")
    message = page_translator(request)(DONE[done]) if done in DONE else None
    return await _panel_with(request, panel, process, done=message)


async def _panel_with(
    request: web.Request,
    panel: PanelDraw,
    process: Process,
    form: FormState | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    node = request.app[NODE]
    draws = node.participation_services.draws
    account = await current_account(request)
    candidacy = await draws.candidacy(panel.uri, account.actor_uri) if account else None
    candidates = await draws.candidates(panel.uri)
    others = list(panel.parties[1:])
    heard = await audience(node, process)
    return render(
        request,
        "panel.html",
        status=status,
        process=process,
        panel=panel,
        page=draw_page(panel),
        candidates=candidates,
        per_area={area: sum(1 for _, a in candidates if a == area) for area in panel.areas},
        account=account,
        candidacy=candidacy,
        organiser=await _organises(request, account, process),
        parties=others,
        party_names=await names_of(node, others),
        party_servers=len({host_of(p) for p in others}),
        followers=heard.followers,
        selected=set(await draws.selected_pseudonyms(panel.uri)),
        form=form or FormState(""),
        done=done,
        draw_states=_states(request),
    )


async def sign_up(request: web.Request) -> web.Response:
    """``POST /processes/{slug}/panels/{number}``: a resident signs up, or an organiser
    starts the draw (``action=start``)."""
    account, posted = await posted_form(request)
    fields = text_fields(posted)
    panel, process = await _draw_of(request)
    services = request.app[NODE].participation_services
    starting = fields.get("action") == "start"
    if starting:
        await organiser_access(request, account, process)
    try:
        if starting:
            await start_draw(services, panel.uri)
        else:
            await opt_in(services, panel.uri, account.actor_uri)
    except Refusal as exc:
        name = "start" if starting else "sign-up"
        state = FormState(name, fields)
        state.refusal = page_reason(request, exc)
        return await _panel_with(request, panel, process, state, status=http_status(exc))
    done = "started" if starting else "signed-up"
    raise web.HTTPSeeOther(f"{draw_page(panel)}?done={done}")


def register(app: web.Application) -> None:
    """Add the panel draw pages."""
    app.router.add_get(PANELS, panels_page)
    app.router.add_post(PANELS, open_draw)
    app.router.add_get(PANEL, panel_page)
    app.router.add_post(PANEL, sign_up)
