"""The public moderation log (``/moderation`` and ``/moderation.json``) and the
moderator queue (``/moderation/queue``, for moderators only)."""

from __future__ import annotations

from aiohttp import web

from moderation.log import public_entry
from node.moderation import STAFF_ROLES, describe
from node.web.app import NODE
from node.web.pages import render
from node.web.sessions import require_account

LOG_LENGTH = 200


async def moderation_log_page(request: web.Request) -> web.Response:
    """Every moderation decision of this node: what, about what, why, by which role."""
    node = request.app[NODE]
    return render(
        request,
        "moderation_log.html",
        entries=await node.moderation.log_entries(LOG_LENGTH),
        mode=await node.moderation.federation_mode(),
    )


async def moderation_log_json(request: web.Request) -> web.Response:
    """The moderation log as JSON, for other nodes and for open data."""
    node = request.app[NODE]
    entries = await node.moderation.log_entries(LOG_LENGTH)
    return web.json_response(
        {
            "node": node.urls.base,
            "federation_mode": await node.moderation.federation_mode(),
            "entries": [public_entry(e) for e in entries],
        },
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def moderator_queue(request: web.Request) -> web.Response:
    """Open reports, with who reported them: for this node's moderators only."""
    node = request.app[NODE]
    moderator = await require_account(request, STAFF_ROLES)
    reports = [describe(r) for r in await node.moderation.open_reports()]
    return render(request, "moderation_queue.html", reports=reports, moderator=moderator.username)


def register(app: web.Application) -> None:
    """Add the moderation routes."""
    app.router.add_get("/moderation", moderation_log_page)
    app.router.add_get("/moderation.json", moderation_log_json)
    app.router.add_get("/moderation/queue", moderator_queue)
