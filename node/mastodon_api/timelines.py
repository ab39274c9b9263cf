"""Timelines: home (followed actors and processes, and one's own posts) and public."""

from __future__ import annotations

from aiohttp import web

from node.mastodon_api.auth import optional_caller, require_caller
from node.mastodon_api.common import writer
from node.mastodon_api.pagination import page_request, with_link_header
from node.mastodon_api.params import Params
from node.mastodon_api.state import CLIENT_API


async def home(request: web.Request) -> web.Response:
    """``GET /api/v1/timelines/home``."""
    caller = await require_caller(request, "read:statuses")
    params = await Params.of(request)
    records = await request.app[CLIENT_API].timelines.home(caller.actor.uri, page_request(params))
    entities = writer(request, caller)
    response = web.json_response([await entities.status(r) for r in records])
    return with_link_header(request, response, [r.row_id for r in records])


async def public(request: web.Request) -> web.Response:
    """``GET /api/v1/timelines/public`` (``local=true`` for this node's posts only)."""
    caller = await optional_caller(request)
    params = await Params.of(request)
    records = await request.app[CLIENT_API].timelines.public(
        page_request(params), local_only=params.flag("local")
    )
    entities = writer(request, caller)
    response = web.json_response([await entities.status(r) for r in records])
    return with_link_header(request, response, [r.row_id for r in records])


async def empty(request: web.Request) -> web.Response:
    """Timelines of features this node does not have (hashtags, lists): nothing in them."""
    return web.json_response([])


def register(app: web.Application) -> None:
    """Add the timeline routes."""
    app.router.add_get("/api/v1/timelines/home", home)
    app.router.add_get("/api/v1/timelines/public", public)
    app.router.add_get("/api/v1/timelines/tag/{hashtag}", empty)
