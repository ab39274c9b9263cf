"""Preferences, markers, and the collections of features this node does not have
(lists, custom emojis, filters, ...), which apps load on start and must find empty."""

from __future__ import annotations

from aiohttp import web

from federation.errors import Invalid
from node.mastodon_api.auth import require_caller
from node.mastodon_api.params import Params
from node.mastodon_api.serializers import api_time
from node.mastodon_api.state import CLIENT_API
from node.storage.client_state import Marker

TIMELINES = ("home", "notifications")
# Paths apps call at start-up whose answer here is always an empty list.
EMPTY_LISTS = (
    "/api/v1/lists",
    "/api/v1/custom_emojis",
    "/api/v1/filters",
    "/api/v2/filters",
    "/api/v1/announcements",
    "/api/v1/follow_requests",
    "/api/v1/blocks",
    "/api/v1/mutes",
    "/api/v1/domain_blocks",
    "/api/v1/bookmarks",
    "/api/v1/conversations",
    "/api/v1/followed_tags",
    "/api/v1/featured_tags",
    "/api/v1/scheduled_statuses",
    "/api/v1/trends/tags",
    "/api/v1/trends/statuses",
    "/api/v1/trends/links",
    "/api/v1/instance/rules",
    "/api/v1/instance/peers",
)


async def preferences(request: web.Request) -> web.Response:
    """``GET /api/v1/preferences``."""
    await require_caller(request, "read:accounts")
    return web.json_response(
        {
            "posting:default:visibility": "public",
            "posting:default:sensitive": False,
            "posting:default:language": None,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


async def markers(request: web.Request) -> web.Response:
    """``GET /api/v1/markers?timeline[]=home``: where the resident stopped reading."""
    caller = await require_caller(request, "read:statuses")
    wanted = [t for t in (await Params.of(request)).texts("timeline") if t in TIMELINES]
    found = await request.app[CLIENT_API].markers.markers(caller.actor.id, wanted)
    return web.json_response(_marker_entities(found))


async def save_markers(request: web.Request) -> web.Response:
    """``POST /api/v1/markers`` with ``home[last_read_id]`` and/or ``notifications[...]``."""
    caller = await require_caller(request, "write:statuses")
    params = await Params.of(request)
    repository = request.app[CLIENT_API].markers
    saved = []
    for timeline in TIMELINES:
        section = params.section(timeline)
        last_read = section.text("last_read_id") if section else None
        if last_read:
            await repository.save(caller.actor.id, timeline, last_read)
            saved.append(timeline)
    if not saved:
        raise Invalid("Validation failed: give home[last_read_id] or notifications[...]")
    found = await repository.markers(caller.actor.id, saved)
    return web.json_response(_marker_entities(found))


def _marker_entities(found: list[Marker]) -> dict[str, dict[str, object]]:
    return {
        m.timeline: {
            "last_read_id": m.last_read_id,
            "version": m.version,
            "updated_at": api_time(m.updated_at),
        }
        for m in found
    }


async def empty_list(request: web.Request) -> web.Response:
    """An empty collection."""
    return web.json_response([])


def register(app: web.Application) -> None:
    """Add the preference, marker and empty-collection routes."""
    app.router.add_get("/api/v1/preferences", preferences)
    app.router.add_get("/api/v1/markers", markers)
    app.router.add_post("/api/v1/markers", save_markers)
    for path in EMPTY_LISTS:
        app.router.add_get(path, empty_list)
