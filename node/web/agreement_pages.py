"""``/agreements``: the agreements this node is party to, with their history and the
processes delegated under them, as a page and as JSON; ``/agreements/{id}`` serves one
agreement as the ActivityStreams object both parties published."""

from __future__ import annotations

import json

from aiohttp import web

from federation.errors import NotFound
from node.documents import with_context
from node.participation.agreements import published_agreements
from node.web.app import NODE
from node.web.negotiation import activity_response, wants_activity_json
from node.web.pages import render


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
    return render(request, "agreements.html", agreements=agreements)


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
    return render(request, "agreements.html", agreements=wanted)


def register(app: web.Application) -> None:
    """Add the agreement routes."""
    app.router.add_get("/agreements", agreements_page)
    app.router.add_get("/agreements.json", agreements_page)
    app.router.add_get("/agreements/{agreement_id}", agreement_object)
