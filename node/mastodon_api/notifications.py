"""Notifications: list (with ``types[]``/``exclude_types[]``), show, dismiss, clear."""

from __future__ import annotations

from aiohttp import web

from federation.errors import NotFound
from node.mastodon_api.auth import require_caller
from node.mastodon_api.common import numeric_id, writer
from node.mastodon_api.pagination import page_request, with_link_header
from node.mastodon_api.params import Params
from node.mastodon_api.state import CLIENT_API


async def index(request: web.Request) -> web.Response:
    """``GET /api/v1/notifications``."""
    caller = await require_caller(request, "read:notifications")
    params = await Params.of(request)
    found = await request.app[CLIENT_API].notifications.page(
        caller.actor.uri,
        page_request(params, maximum=80),
        types=params.texts("types"),
        exclude_types=params.texts("exclude_types"),
    )
    entities = writer(request, caller)
    shown = [e for e in [await entities.notification(n) for n in found] if e is not None]
    response = web.json_response(shown)
    return with_link_header(request, response, [n.id for n in found])


async def show(request: web.Request) -> web.Response:
    """``GET /api/v1/notifications/:id``."""
    caller = await require_caller(request, "read:notifications")
    found = await request.app[CLIENT_API].notifications.get(caller.actor.uri, numeric_id(request))
    entity = await writer(request, caller).notification(found) if found else None
    if entity is None:
        raise NotFound("Record not found")
    return web.json_response(entity)


async def dismiss(request: web.Request) -> web.Response:
    """``POST /api/v1/notifications/:id/dismiss``."""
    caller = await require_caller(request, "write:notifications")
    await request.app[CLIENT_API].notifications.dismiss(caller.actor.uri, numeric_id(request))
    return web.json_response({})


async def clear(request: web.Request) -> web.Response:
    """``POST /api/v1/notifications/clear``."""
    caller = await require_caller(request, "write:notifications")
    await request.app[CLIENT_API].notifications.dismiss(caller.actor.uri)
    return web.json_response({})


def register(app: web.Application) -> None:
    """Add the notification routes."""
    app.router.add_get("/api/v1/notifications", index)
    app.router.add_post("/api/v1/notifications/clear", clear)
    app.router.add_get("/api/v1/notifications/{id}", show)
    app.router.add_post("/api/v1/notifications/{id}/dismiss", dismiss)
