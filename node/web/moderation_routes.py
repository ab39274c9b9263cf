"""The public moderation log (``/moderation`` and ``/moderation.json``) and the
moderator queue (``/moderation/queue``, for moderators only)."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from federation.errors import Forbidden
from moderation.log import public_entry
from node.moderation import describe
from node.node import Node
from node.passwords import check_password
from node.web.app import NODE
from node.web.pages import render

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


async def _require_moderator(request: web.Request, node: Node) -> str:
    """HTTP Basic login of a moderator or admin; returns the user name."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise _login_required()
    try:
        username, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _login_required() from exc
    node.limits.hit("login", f"address:{request.remote}")
    account = await node.accounts.by_username(username)
    if account is None or not check_password(password, account.password_hash):
        raise _login_required()
    if account.role not in ("moderator", "admin"):
        raise Forbidden(f"{username} is not a moderator of this node")
    return account.username


def _login_required() -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(
        text="log in as a moderator of this node",
        headers={"WWW-Authenticate": 'Basic realm="moderators", charset="UTF-8"'},
    )


async def moderator_queue(request: web.Request) -> web.Response:
    """Open reports, with who reported them: for this node's moderators only."""
    node = request.app[NODE]
    moderator = await _require_moderator(request, node)
    reports = [describe(r) for r in await node.moderation.open_reports()]
    return render(request, "moderation_queue.html", reports=reports, moderator=moderator)


def register(app: web.Application) -> None:
    """Add the moderation routes."""
    app.router.add_get("/moderation", moderation_log_page)
    app.router.add_get("/moderation.json", moderation_log_json)
    app.router.add_get("/moderation/queue", moderator_queue)
