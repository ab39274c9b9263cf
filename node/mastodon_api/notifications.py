"""Notifications: list (with ``types[]``/``exclude_types[]``), show, dismiss, clear."""

from __future__ import annotations

from aiohttp import web

from federation.errors import NotFound
from node.mastodon_api.auth import Caller, require_caller
from node.mastodon_api.common import numeric_id, writer
from node.mastodon_api.pagination import page_request, with_link_header
from node.mastodon_api.params import Params
from node.mastodon_api.state import CLIENT_API
from node.storage.notifications import Notification


async def _requested_page(
    request: web.Request, caller: Caller, params: Params
) -> list[Notification]:
    return await request.app[CLIENT_API].notifications.page(
        caller.actor.uri,
        page_request(params, maximum=80),
        types=params.texts("types"),
        exclude_types=params.texts("exclude_types"),
    )


async def index(request: web.Request) -> web.Response:
    """``GET /api/v1/notifications``."""
    caller = await require_caller(request, "read:notifications")
    params = await Params.of(request)
    found = await _requested_page(request, caller, params)
    entities = writer(request, caller)
    shown = [e for e in [await entities.notification(n) for n in found] if e is not None]
    response = web.json_response(shown)
    return with_link_header(request, response, [n.id for n in found])


async def grouped(request: web.Request) -> web.Response:
    """``GET /api/v2/notifications``: the 4.3 grouped form, each notification its own group."""
    caller = await require_caller(request, "read:notifications")
    params = await Params.of(request)
    found = await _requested_page(request, caller, params)
    entities = writer(request, caller)
    accounts: dict[str, object] = {}
    statuses: dict[str, object] = {}
    groups = []
    for notification in found:
        entity = await entities.notification(notification)
        if entity is None:
            continue
        accounts[entity["account"]["id"]] = entity["account"]
        if entity["status"] is not None:
            statuses[entity["status"]["id"]] = entity["status"]
        groups.append(
            {
                "group_key": entity["group_key"],
                "notifications_count": 1,
                "type": entity["type"],
                "most_recent_notification_id": entity["id"],
                "page_min_id": entity["id"],
                "page_max_id": entity["id"],
                "latest_page_notification_at": entity["created_at"],
                "sample_account_ids": [entity["account"]["id"]],
                "status_id": entity["status"]["id"] if entity["status"] else None,
            }
        )
    response = web.json_response(
        {
            "accounts": list(accounts.values()),
            "statuses": list(statuses.values()),
            "notification_groups": groups,
        }
    )
    return with_link_header(request, response, [n.id for n in found])


async def unread_count(request: web.Request) -> web.Response:
    """``GET /api/v2/notifications/unread_count`` (and v1): notifications after the
    resident's ``notifications`` marker, counted up to ``limit`` (100, at most 1000)."""
    caller = await require_caller(request, "read:notifications")
    api = request.app[CLIENT_API]
    limit = max(1, min((await Params.of(request)).integer("limit", 100) or 100, 1000))
    markers = await api.markers.markers(caller.actor.id, ["notifications"])
    last_read = markers[0].last_read_id if markers else "0"
    after = int(last_read) if last_read.isdigit() else 0
    return web.json_response(
        {"count": await api.notifications.count_after(caller.actor.uri, after, limit)}
    )


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
    for version in ("v1", "v2"):
        app.router.add_get(f"/api/{version}/notifications/unread_count", unread_count)
    app.router.add_get("/api/v1/notifications/{id}", show)
    app.router.add_post("/api/v1/notifications/{id}/dismiss", dismiss)
    app.router.add_get("/api/v2/notifications", grouped)
