"""Taking part from an account on another server, in the browser.

A visitor of a proposal or process page whose account lives elsewhere (another
Samenspraak node, any Mastodon server) gives their handle; ``/interact`` looks it up
by WebFinger through the node's guarded transport and sends them to their own
server's interaction page (the ``http://ostatus.org/schema/1.0/subscribe`` template,
Mastodon's ``/authorize_interaction?uri={uri}``). This node serves that page for its
own residents (``AUTHORIZE_INTERACTION``, advertised in its WebFinger answers): after
login it shows what the address names, fetched and kept here, with the actions that
fit: a proposal or comment opens its page here, where support and comments are
offered directly; a process or account can be followed.

Pages forbid form posts to other sites (``form-action 'self'``), and browsers apply
that to a form's redirects too, so the way out to another server is a page of this
node that moves on by itself (an instant ``meta`` refresh) and also offers the link.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from aiohttp import web

from federation.errors import FetchError, Invalid, NotFound, Refusal
from federation.webfinger import (
    actor_id_for_handle,
    parse_handle,
    remote_interaction_url,
    unreachable,
)
from moderation.sanitize import plain_text, sanitize_html
from node import social_actions
from node.node import Node
from node.participation.interactions import InteractionTarget, find_interaction_target
from node.participation.processes import known_process
from node.participation.sortition import ask_to_join
from node.web.app import NODE
from node.web.client_address import client_address
from node.web.pages import render
from node.web.panel_pages import draw_page
from node.web.participation_pages import names_of
from node.web.refusals import http_status, page_reason
from node.web.sessions import posted_form, require_account

INTERACT = "/interact"
AUTHORIZE_INTERACTION = "/authorize_interaction"


def _scheme(node: Node) -> str:
    return "http" if node.config.dev else "https"


async def _held_here(node: Node, uri: str) -> bool:
    """Whether ``uri`` is a post or an actor this node holds (only those are offered)."""
    record = await node.objects.record(uri)
    if record is not None and record.deleted_at is None:
        return True
    if await node.participation_services.draws.get(uri) is not None:
        return True
    return bool(await node.actors.by_uri(uri) or await node.actors.remote_actor(uri))


async def interact(request: web.Request) -> web.Response:
    """``GET /interact?uri=&handle=``: send a visitor to act on ``uri`` from their own
    account. A resident of this node goes to this node's own interaction page; anyone
    else to their server's, found by WebFinger. A problem is said on the page, with the
    form to try again."""
    node = request.app[NODE]
    uri = request.query.get("uri", "").strip()
    handle = request.query.get("handle", "").strip()
    if not uri or not await _held_here(node, uri):
        raise NotFound("that post or account could not be found", code="interaction_unknown")
    try:
        if not handle:
            raise Invalid("give your address, such as @name@example.org", code="handle_missing")
        parsed = parse_handle(handle)
        if parsed is not None and parsed[1] == node.urls.host.lower():
            raise web.HTTPSeeOther(f"{AUTHORIZE_INTERACTION}?uri={quote(uri, safe='')}")
        await node.limits.hit("lookup_address", f"address:{client_address(request)}")
        target = await remote_interaction_url(
            node.transport,
            await node.actors.instance_signer(),
            handle,
            uri,
            scheme=_scheme(node),
        )
    except Refusal as exc:
        return render(
            request,
            "interact.html",
            status=http_status(exc),
            uri=uri,
            handle=handle,
            problem=page_reason(request, exc),
        )
    return render(
        request,
        "interact.html",
        uri=uri,
        handle=handle,
        target=target,
        host=urlsplit(target).netloc,
    )


async def _target_uri(node: Node, request: web.Request) -> str:
    """The address ``authorize_interaction`` was given: a URL, or a handle (``acct:``)
    looked up by WebFinger."""
    given = (request.query.get("uri") or request.query.get("acct") or "").strip()
    if given.startswith(("https://", "http://")):
        return given
    handle = parse_handle(given)
    if handle is None:
        raise NotFound("that post or account could not be found", code="interaction_unknown")
    name, host = handle
    if host == node.urls.host.lower():
        local = await node.actors.by_username(name)
        if local is None:
            raise NotFound("no such account here", code="account_unknown")
        return local.uri
    try:
        return await actor_id_for_handle(
            node.transport, await node.actors.instance_signer(), name, host, scheme=_scheme(node)
        )
    except FetchError as exc:
        raise unreachable(name, host, exc) from exc


async def _page_of(node: Node, target: InteractionTarget) -> str | None:
    """This node's own page for a proposal, a comment's proposal or a local process."""
    if target.proposal is not None:
        record = await node.objects.record(target.proposal)
        if record is not None:
            anchor = "reacties" if target.kind == "comment" else "steunen"
            return f"/proposals/{record.row_id}#{anchor}"
    if target.kind == "process":
        process = await known_process(node.participation_services, target.uri)
        if process is not None and process.local:
            return f"/processes/{process.slug}"
    if target.kind == "draw":
        panel = await node.participation_services.draws.get(target.uri)
        if panel is not None:
            return draw_page(panel)
    return None


async def authorize_interaction(request: web.Request) -> web.StreamResponse:
    """``GET /authorize_interaction?uri=``: a resident of this node, sent here from a page
    elsewhere, sees what they came to act on, with the actions that fit."""
    node = request.app[NODE]
    account = await require_account(request)
    target = await find_interaction_target(
        node.participation_services, await _target_uri(node, request)
    )
    page = await _page_of(node, target)
    if page is not None:
        raise web.HTTPSeeOther(page)
    if target.kind == "draw":
        return await _render_draw(request, node, account.actor_uri, target.uri)
    return await _render_target(request, node, account.actor_uri, target)


async def _render_draw(
    request: web.Request,
    node: Node,
    viewer: str,
    uri: str,
    refusal: Refusal | None = None,
) -> web.Response:
    """Another node's panel draw, as its node publishes it, with the resident's sign-up."""
    try:
        draw = await node.participation_services.fetcher.fetch(uri)
    except FetchError as exc:
        raise NotFound(
            "that post or account could not be found", detail=str(exc), code="interaction_unknown"
        ) from exc
    process = str(draw.raw.get("process") or "")
    sign_ups = [
        s for s in await node.participation_services.draws.sign_ups_of(viewer) if s.draw_uri == uri
    ]
    return render(
        request,
        "draw_sign_up.html",
        status=http_status(refusal) if refusal else 200,
        refusal=page_reason(request, refusal) if refusal else None,
        draw=draw,
        areas=[str(a) for a in draw.raw.get("postcodeAreas") or []],
        process=process,
        process_name=(await names_of(node, {process}))[process] if process else "",
        sign_up=sign_ups[0] if sign_ups else None,
        asked=request.query.get("asked") == "1",
    )


async def draw_sign_up(request: web.Request) -> web.StreamResponse:
    """``POST /authorize_interaction/draw``: sign the resident up for another node's draw
    (a ``Join`` to its process, with the registrar's credential where one is needed)."""
    node = request.app[NODE]
    account, form = await posted_form(request)
    uri = str(form.get("draw", ""))
    resident = await node.actors.by_uri(account.actor_uri)
    assert resident is not None, "every account has its actor"
    try:
        await ask_to_join(node.participation_services, resident, uri)
    except Refusal as exc:
        return await _render_draw(request, node, account.actor_uri, uri, exc)
    raise web.HTTPSeeOther(f"{AUTHORIZE_INTERACTION}?uri={quote(uri, safe='')}&asked=1")


async def _render_target(
    request: web.Request,
    node: Node,
    viewer: str,
    target: InteractionTarget,
    refusal: Refusal | None = None,
) -> web.Response:
    record = await node.objects.record(target.uri) if target.kind == "post" else None
    actor = record.attributed_to if record and record.attributed_to else target.uri
    document = await node.actors.remote_document(actor) or {}
    local = await node.actors.by_uri(actor)
    summary = local.summary if local else document.get("summary")
    url = document.get("url") if isinstance(document.get("url"), str) else actor
    proposals = []
    if target.kind == "process":
        for proposal in await node.participation_store.proposals_of(target.uri):
            held = await node.objects.record(proposal.uri)
            if held is not None and held.deleted_at is None:
                proposals.append((proposal.title, f"/proposals/{held.row_id}"))
    follow = await node.follows.follow_between(viewer, actor)
    return render(
        request,
        "authorize_interaction.html",
        status=http_status(refusal) if refusal else 200,
        refusal=page_reason(request, refusal) if refusal else None,
        target=target,
        post=record,
        actor=actor,
        name=(await names_of(node, {actor}))[actor],
        display_name=plain_text(str(document.get("name") or ""), 60) if document else "",
        summary=sanitize_html(summary) if isinstance(summary, str) else "",
        url=url if urlsplit(str(url)).scheme in ("http", "https") else actor,
        proposals=proposals,
        follow_state=follow.state if follow else None,
        own=actor == viewer,
        followed=request.query.get("followed") == "1",
    )


async def follow_submit(request: web.Request) -> web.StreamResponse:
    """``POST /authorize_interaction``: follow the process or account shown."""
    node = request.app[NODE]
    account, form = await posted_form(request)
    actor_uri = str(form.get("actor", ""))
    follower = await node.actors.by_uri(account.actor_uri)
    assert follower is not None, "every account has its actor"
    if not await node.actors.by_uri(actor_uri) and not await node.actors.remote_actor(actor_uri):
        raise NotFound("that post or account could not be found", code="interaction_unknown")
    if await node.follows.follow_between(follower.uri, actor_uri) is None:
        try:
            await social_actions.follow(node.social_services, follower, actor_uri)
        except Refusal as exc:
            target = await find_interaction_target(node.participation_services, actor_uri)
            return await _render_target(request, node, follower.uri, target, exc)
    back = quote(str(form.get("uri") or actor_uri), safe="")
    raise web.HTTPSeeOther(f"{AUTHORIZE_INTERACTION}?uri={back}&followed=1")


def register(app: web.Application) -> None:
    """Add the remote interaction routes."""
    app.router.add_get(INTERACT, interact)
    app.router.add_get(AUTHORIZE_INTERACTION, authorize_interaction)
    app.router.add_post(AUTHORIZE_INTERACTION, follow_submit)
    app.router.add_post(AUTHORIZE_INTERACTION + "/draw", draw_sign_up)
