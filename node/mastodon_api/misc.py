"""Preferences, markers, and what apps ask of features this node does not have: the
collections they load on start (lists, custom emojis, filters, ...) are empty, and
actions on such features (Web Push, translation, followed hashtags) are refused in
Mastodon's JSON, never with a plain-text page. Unknown API paths answer the same
way (``unknown_endpoint``, registered last)."""

from __future__ import annotations

from aiohttp import web

from federation.errors import Invalid, NotAllowed, NotFound, Refused
from node.mastodon_api.auth import optional_caller, require_caller
from node.mastodon_api.common import visible_record
from node.mastodon_api.params import Params
from node.mastodon_api.serializers import api_time
from node.mastodon_api.state import CLIENT_API
from node.storage.client_state import Marker
from node.web.app import NODE

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
    "/api/v1/domain_blocks",
    "/api/v1/conversations",
    "/api/v1/followed_tags",
    "/api/v1/featured_tags",
    "/api/v1/scheduled_statuses",
    "/api/v1/trends/tags",
    "/api/v1/trends/statuses",
    "/api/v1/trends/links",
    "/api/v1/instance/peers",
    "/api/v1/instance/domain_blocks",
    "/api/v1/suggestions",
    "/api/v2/suggestions",
    "/api/v1/endorsements",
    "/api/v1/directory",
    "/api/v1/trends",
    "/api/v1/timelines/direct",
    "/api/v1/notifications/requests",
    "/api/v1/featured_tags/suggestions",
)
NO_WEB_PUSH = "Web Push is not available on this server; apps see new notifications when they ask"
NO_TAG_FOLLOWS = "Following hashtags is not available on this server"


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


async def push_subscription(request: web.Request) -> web.Response:
    """``/api/v1/push/subscription``: there is never one to show; asking for one is refused."""
    await require_caller(request, "push")
    if request.method == "GET":
        raise NotFound("Record not found")
    if request.method == "DELETE":
        return web.json_response({})
    raise Refused(NO_WEB_PUSH)


async def notification_policy(request: web.Request) -> web.Response:
    """``GET /api/v2/notifications/policy`` (and v1): every notification is let through,
    as nothing here filters them; a change of the policy is refused."""
    await require_caller(request, "read:notifications")
    if request.method != "GET":
        raise Refused("Filtering notifications is not available on this server")
    if request.path.startswith("/api/v1/"):
        return web.json_response(
            {
                "filter_not_following": False,
                "filter_not_followers": False,
                "filter_new_accounts": False,
                "filter_private_mentions": False,
                "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
            }
        )
    return web.json_response(
        {
            "for_not_following": "accept",
            "for_not_followers": "accept",
            "for_new_accounts": "accept",
            "for_private_mentions": "accept",
            "for_limited_accounts": "accept",
            "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
        }
    )


async def translate(request: web.Request) -> web.Response:
    """``POST /api/v1/statuses/:id/translate``: the instance says translation is off; a
    post that exists is refused as Mastodon refuses it then (403), an unknown one is 404."""
    caller = await optional_caller(request)
    await visible_record(request, caller)
    raise NotAllowed("Translation is not available on this server")


async def tag(request: web.Request) -> web.Response:
    """``GET /api/v1/tags/:name``: a hashtag, which nobody here can follow."""
    name = request.match_info["name"].lstrip("#")
    base = request.app[NODE].urls.base
    return web.json_response(
        {"name": name, "url": f"{base}/tags/{name}", "history": [], "following": False}
    )


async def follow_tag(request: web.Request) -> web.Response:
    """``POST /api/v1/tags/:name/follow`` and ``/unfollow``."""
    await require_caller(request, "write:follows")
    raise Refused(NO_TAG_FOLLOWS)


async def unknown_endpoint(request: web.Request) -> web.Response:
    """Any other path under ``/api/``: Mastodon's JSON 404, whatever the method."""
    raise NotFound(f"{request.method} {request.path} is not an endpoint of this server")


def register(app: web.Application) -> None:
    """Add the preference, marker, empty-collection and refused-feature routes."""
    app.router.add_get("/api/v1/preferences", preferences)
    app.router.add_get("/api/v1/markers", markers)
    app.router.add_post("/api/v1/markers", save_markers)
    for path in EMPTY_LISTS:
        app.router.add_get(path, empty_list)
    app.router.add_route("*", "/api/v1/push/subscription", push_subscription)
    for version in ("v1", "v2"):
        app.router.add_route("*", f"/api/{version}/notifications/policy", notification_policy)
    app.router.add_post("/api/v1/statuses/{id}/translate", translate)
    app.router.add_get("/api/v1/tags/{name}", tag)
    app.router.add_post("/api/v1/tags/{name}/follow", follow_tag)
    app.router.add_post("/api/v1/tags/{name}/unfollow", follow_tag)


def register_catch_all(app: web.Application) -> None:
    """Answer every path under ``/api/`` no other route took; register it last."""
    app.router.add_route("*", "/api/{tail:.*}", unknown_endpoint)
