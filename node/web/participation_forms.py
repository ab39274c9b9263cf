"""The forms residents take part with on the process and proposal pages: propose,
support or withdraw support, comment with a stance, and answer officially.

Each form hands its fields to the participation domain. A refusal (out of phase,
not eligible, a missing field) shows the page again with the reason next to the
form and what was typed; a success redirects, so reloading never posts twice.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from federation.errors import Invalid, NotFound, Refusal
from node.i18n import Translate
from node.images import MAX_DESCRIPTION, checked_image, image_attachment, save_image
from node.moderator_actions import file_report
from node.participation.comments import comments_of, post_comment
from node.participation.models import Place
from node.participation.official_responses import ANSWERING_ROLES, respond_officially
from node.participation.processes import shown_process
from node.participation.proposals import create_proposal
from node.participation.supports import support, withdraw_support
from node.storage.accounts import Account
from node.storage.actors import LocalActor
from node.storage.media import MediaRepository
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.pages import page_translator
from node.web.participation_pages import (
    proposal_of_page,
    render_process_page,
    render_proposal_page,
)
from node.web.refusals import http_status, page_reason, refuse_form
from node.web.sessions import posted_form, posted_upload

PROPOSAL_FIELDS = ("title", "text", "cost", "area", "coordinates", "image_alt")
PROPOSAL_FILES = frozenset({"image"})
# Latitude and longitude as a map shows them: "53.2194, 6.5665".
COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def _place(state: FormState, t: Translate) -> Place | None:
    """The place the proposal names, with coordinates when the resident gave them."""
    typed = state.value("coordinates")
    if not typed:
        return None
    found = COORDINATES.match(typed)
    latitude, longitude = (float(found[1]), float(found[2])) if found else (None, None)
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        state.errors["coordinates"] = t(
            "Give the latitude and longitude as a map shows them, for example 53.2194, 6.5665."
        )
        return None
    return Place(state.value("area") or state.value("title"), latitude, longitude)


async def _actor(request: web.Request, account: Account) -> LocalActor:
    actor = await request.app[NODE].actors.by_uri(account.actor_uri)
    assert actor is not None, "every account has its actor"
    return actor


def _checked_image(
    request: web.Request, state: FormState, data: bytes | None
) -> tuple[bytes, str] | None:
    """The image of a proposal and its alt text, which a resident must give: an image
    nobody can describe to a blind neighbour is not shown."""
    if not data:
        return None
    t = page_translator(request)
    alt = state.value("image_alt")
    if not alt:
        state.errors["image_alt"] = t(
            "Describe what the image shows, for people who cannot see it."
        )
    elif len(alt) > MAX_DESCRIPTION:
        state.errors["image_alt"] = t(
            "Keep the description under %(count)s characters.", count=MAX_DESCRIPTION
        )
    try:
        checked_image(data)
    except Invalid as exc:
        state.errors["image"] = page_reason(request, exc)
    if state.errors:
        # A browser never fills a file field in again; the resident has to choose it anew.
        state.errors.setdefault(
            "image", t("Choose your image again: a browser forgets it after a refusal.")
        )
        return None
    return data, alt


def _typed(form: Mapping[str, object], names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


def _missing(state: FormState, t: Translate, *required: str) -> None:
    for name in required:
        if not state.value(name):
            state.errors[name] = t("Please fill in this field.")


async def propose(request: web.Request) -> web.StreamResponse:
    """``POST /processes/{slug}/proposals``: a resident's proposal, then its page."""
    node = request.app[NODE]
    process = await shown_process(node.participation_services, request.match_info["slug"])
    account, form, files = await posted_upload(request, PROPOSAL_FILES)
    t = page_translator(request)
    state = FormState("propose", _typed(form, PROPOSAL_FIELDS))
    _missing(state, t, "title", "text")
    location = _place(state, t)
    cost = None
    if process.budget is not None:
        try:
            cost = float(state.value("cost").replace(",", "."))
        except ValueError:
            state.errors["cost"] = t("Enter an amount in figures, for example 2500.")
    image = _checked_image(request, state, files.get("image"))
    if state.errors:
        return await render_process_page(request, process, state, 422)
    actor = await _actor(request, account)
    media = MediaRepository(node.db)
    uploaded = [await save_image(node, media, actor.id, *image)] if image else []
    try:
        proposal = await create_proposal(
            node.participation_services,
            actor,
            process,
            state.value("title"),
            state.value("text"),
            cost=cost,
            area=state.value("area") or None,
            location=location,
            images=[image_attachment(node, m) for m in uploaded],
        )
    except Refusal as exc:
        refuse_form(request, state, exc)
        return await render_process_page(request, process, state, http_status(exc))
    await media.attach([m.id for m in uploaded], proposal.uri)
    record = await node.objects.record(proposal.uri)
    assert record is not None
    raise web.HTTPSeeOther(f"/proposals/{record.row_id}?done=proposed")


ProposalAction = Callable[[LocalActor, str, FormState], Awaitable[object]]


async def _on_proposal(
    request: web.Request,
    state: FormState,
    action: ProposalAction,
    roles: frozenset[str] | None = None,
) -> web.StreamResponse:
    """Do ``action`` on the page's proposal; on success show the page again with the
    confirmation of ``state.name`` (``DONE`` in ``node/web/participation_pages.py``)."""
    record, proposal = await proposal_of_page(request)
    account, form = await posted_form(request, roles)
    state.values = _typed(form, tuple(state.values))
    if "text" in state.values:
        _missing(state, page_translator(request), "text")
    if state.errors:
        return await render_proposal_page(request, state, 422)
    try:
        await action(await _actor(request, account), proposal.uri, state)
    except Refusal as exc:
        refuse_form(request, state, exc)
        return await render_proposal_page(request, state, http_status(exc))
    # No #anchor: a page opened at one gives no element the focus, and the confirmation
    # at its top must take it.
    raise web.HTTPSeeOther(f"/proposals/{record.row_id}?done={state.name}")


async def support_submit(request: web.Request) -> web.StreamResponse:
    """``POST /proposals/{row_id}/support``: count the resident's support."""
    node = request.app[NODE]

    async def act(actor: LocalActor, uri: str, _: FormState) -> object:
        return await support(node.participation_services, actor, uri)

    return await _on_proposal(request, FormState("support"), act)


async def withdraw_submit(request: web.Request) -> web.StreamResponse:
    """``POST /proposals/{row_id}/support/withdraw``: take the resident's support back."""
    node = request.app[NODE]

    async def act(actor: LocalActor, uri: str, _: FormState) -> object:
        return await withdraw_support(node.participation_services, actor, uri)

    return await _on_proposal(request, FormState("withdraw"), act)


async def comment_submit(request: web.Request) -> web.StreamResponse:
    """``POST /proposals/{row_id}/comments``: a comment, with the stance it takes."""
    node = request.app[NODE]

    async def act(actor: LocalActor, uri: str, state: FormState) -> object:
        stance = state.value("stance")
        return await post_comment(
            node.participation_services,
            actor,
            uri,
            state.value("text"),
            stance=stance if stance else None,
        )

    state = FormState("comment", {"text": "", "stance": ""})
    return await _on_proposal(request, state, act)


async def official_submit(request: web.Request) -> web.StreamResponse:
    """``POST /proposals/{row_id}/official-response``: the municipality's answer."""
    node = request.app[NODE]

    async def act(actor: LocalActor, uri: str, state: FormState) -> object:
        return await respond_officially(
            node.participation_services, actor, uri, state.value("text")
        )

    state = FormState("official", {"text": ""})
    return await _on_proposal(request, state, act, ANSWERING_ROLES)


async def report_submit(request: web.Request) -> web.StreamResponse:
    """``POST /proposals/{row_id}/report``: report the proposal or one of its comments
    to the moderators, with an optional word on what is wrong."""
    node = request.app[NODE]

    async def act(actor: LocalActor, uri: str, state: FormState) -> object:
        reported = state.value("object")
        on_page = {uri, *(c.uri for c, _, _ in await comments_of(node.participation_services, uri))}
        record = await node.objects.record(reported) if reported in on_page else None
        if record is None or record.attributed_to is None:
            raise NotFound("that post is not on this page")
        return await file_report(
            node.moderator_services, actor, record.attributed_to, [reported], state.value("comment")
        )

    state = FormState("report", {"object": "", "comment": ""})
    return await _on_proposal(request, state, act)


def register(app: web.Application) -> None:
    """Add the participation form routes."""
    app.router.add_post("/processes/{slug}/proposals", propose)
    app.router.add_post("/proposals/{row_id}/support", support_submit)
    app.router.add_post("/proposals/{row_id}/support/withdraw", withdraw_submit)
    app.router.add_post("/proposals/{row_id}/comments", comment_submit)
    app.router.add_post("/proposals/{row_id}/official-response", official_submit)
    app.router.add_post("/proposals/{row_id}/report", report_submit)
