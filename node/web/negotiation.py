"""Content negotiation: servers get ActivityStreams JSON, browsers get HTML."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

ACTIVITY_JSON = "application/activity+json"
AS_MEDIA_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json(request: web.Request) -> bool:
    """Whether the client asked for ActivityStreams (or plain JSON) rather than HTML."""
    accept = request.headers.get("Accept", "")
    if any(t in accept for t in AS_MEDIA_TYPES):
        return True
    return "application/json" in accept and "text/html" not in accept


def activity_response(document: dict[str, Any], status: int = 200) -> web.Response:
    """An ActivityStreams document with the content type Mastodon expects."""
    return web.Response(
        text=json.dumps(document, ensure_ascii=False),
        status=status,
        content_type=ACTIVITY_JSON,
        charset="utf-8",
        headers={"Vary": "Accept"},
    )
