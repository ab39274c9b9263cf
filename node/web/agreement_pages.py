"""``/agreements``: the agreements this node is party to, with their history and the
processes delegated under them, as a page and as JSON; ``/agreements/{id}`` serves one
agreement as the ActivityStreams object both parties published; ``/credentials``
is where a registrar gives a voter's node the voter's credential for a process
(node/participation/credentials.py); ``/registrar`` is where a resident binds
their register slot to their account with the code from their letter."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from activitypub.signatures import verify_request
from federation.actors import host_of
from federation.errors import (
    FetchError,
    Invalid,
    NotAllowed,
    NotFound,
    Refusal,
    SignatureRefused,
)
from federation.webfinger import actor_id_for_handle, parse_handle, unreachable
from node.documents import with_context
from node.node import Node
from node.participation.agreements import published_agreements
from node.participation.credentials import credential_request, issue_credential
from node.participation.registrar import bind_by_letter_code
from node.web.app import NODE
from node.web.client_address import client_address
from node.web.i18n import N_
from node.web.negotiation import activity_response, wants_activity_json
from node.web.pages import page_translator, render
from node.web.participation_pages import names_of
from node.web.refusals import http_status, page_reason


def _json(document: object) -> web.Response:
    return web.Response(
        text=json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json",
        charset="utf-8",
        headers={"Access-Control-Allow-Origin": "*", "Vary": "Accept"},
    )


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return wants_activity_json(request) or ("json" in accept and "text/html" not in accept)


async def agreements_page(request: web.Request) -> web.Response:
    """Every agreement: HTML for people, JSON for programs (or ``/agreements.json``)."""
    node = request.app[NODE]
    agreements = await published_agreements(node.participation_services)
    if request.path.endswith(".json") or _wants_json(request):
        return _json({"agreements": agreements})
    return await _page(request, agreements)


async def agreement_object(request: web.Request) -> web.Response:
    """One agreement as its ActivityStreams object, or the page for browsers."""
    node = request.app[NODE]
    uri = f"{node.urls.base}/agreements/{request.match_info['agreement_id']}"
    wanted = [
        a
        for a in await published_agreements(node.participation_services)
        if a["agreement"].get("id") == uri
    ]
    if not wanted:
        raise NotFound("this node is party to no such agreement", code="agreement_unknown")
    if _wants_json(request):
        return activity_response(with_context(dict(wanted[0]["agreement"])))
    return await _page(request, wanted)


async def _page(request: web.Request, agreements: list[dict[str, Any]]) -> web.Response:
    """The agreements as people read them: the parties and registrars by name."""
    parties: set[str] = set()
    for entry in agreements:
        agreement = entry["agreement"]
        parties |= {str(agreement.get("attributedTo")), str(agreement.get("neighbourhood"))}
        parties |= {str(area.get("registrar")) for area in agreement.get("areas", [])}
        parties |= {str(change["actor"]) for change in entry["history"]}
    names = await names_of(request.app[NODE], parties)
    return render(request, "agreements.html", agreements=agreements, names=names)


async def credential_for(request: web.Request) -> web.Response:
    """``/credentials?process=…&holder=…``: the holder's credential for a process, for a
    request signed by an actor on the holder's own host (a node speaks for its accounts)."""
    node = request.app[NODE]
    process, holder = credential_request(dict(request.query))
    result = await verify_request(
        method=request.method,
        target=request.raw_path,
        headers=request.headers,
        body=None,
        lookup_key=node.resolver.lookup_key,
        now=node.clock.now(),
    )
    if not result.ok:
        raise SignatureRefused(
            f"credentials are given only on signed requests ({result.verdict.value})",
            result.verdict.value,
        )
    if result.owner is None or host_of(result.owner) != host_of(holder):
        raise NotAllowed("only the holder's own node may ask for the holder's credential")
    token = await issue_credential(node.participation_services, holder, process)
    response = _json({"credential": token})
    response.headers["Cache-Control"] = "no-store"
    return response


async def registrar_page(request: web.Request) -> web.Response:
    """``/registrar``: where a resident binds their register slot to their account."""
    return render(request, "registrar.html", handle="", message=None, refused=False)


async def registrar_submit(request: web.Request) -> web.Response:
    """A resident gives the code from their letter and their fediverse address; the
    slot is bound to that account, or the page says why not."""
    node = request.app[NODE]
    form = await request.post()
    handle = str(form.get("handle", "")).strip()
    try:
        await node.limits.hit("lookup_address", f"address:{client_address(request)}")
        actor = await actor_of_handle(node, handle)
        binding = await bind_by_letter_code(
            node.participation_services, str(form.get("code", "")), actor
        )
    except Refusal as exc:
        return render(
            request,
            "registrar.html",
            status=http_status(exc),
            handle=handle,
            message=page_reason(request, exc),
            refused=True,
        )
    message = page_translator(request)(
        N_("Registered: %(actor)s now holds your place in the register of %(area)s."),
        actor=binding.actor_uri,
        area=binding.postcode_area,
    )
    return render(request, "registrar.html", handle=handle, message=message, refused=False)


async def actor_of_handle(node: Node, handle: str) -> str:
    """The actor id of a fediverse address (by WebFinger) or of an actor URL, which must
    name an account that exists: a typo would bind a register slot to nobody (and take
    it from whoever held it)."""
    if handle.startswith(("https://", "http://")):
        if await node.actors.by_uri(handle) is None:
            try:
                await node.resolver.get(handle)
            except FetchError as exc:
                host = host_of(handle)
                raise NotFound(
                    f"{host} could not be asked about {handle}",
                    detail=str(exc),
                    code="handle_unreachable",
                    values={"handle": handle, "host": host},
                ) from exc
        return handle
    parsed = parse_handle(handle)
    if parsed is None:
        raise Invalid("give your address, such as @name@example.org", code="handle_missing")
    name, host = parsed
    try:
        return await actor_id_for_handle(
            node.transport,
            await node.actors.instance_signer(),
            name,
            host,
            scheme="http" if node.config.dev else "https",
        )
    except FetchError as exc:
        raise unreachable(name, host, exc) from exc


def register(app: web.Application) -> None:
    """Add the agreement and credential routes."""
    app.router.add_get("/agreements", agreements_page)
    app.router.add_get("/agreements.json", agreements_page)
    app.router.add_get("/agreements/{agreement_id}", agreement_object)
    app.router.add_get("/credentials", credential_for)
    app.router.add_get("/registrar", registrar_page)
    app.router.add_post("/registrar", registrar_submit)
