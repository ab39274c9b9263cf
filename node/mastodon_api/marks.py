"""Bookmarks, pins, muted conversations and muted accounts, and the lists they make:
``/api/v1/bookmarks``, ``/api/v1/favourites``, ``/api/v1/mutes``.

They are the resident's own business; only pins federate, as on Mastodon: an
``Add`` or ``Remove`` on the resident's ``featured`` collection, which other
servers read to show the pinned posts on the resident's profile."""

from __future__ import annotations

from aiohttp import web

from federation.errors import Refused
from node import social_actions
from node.mastodon_api.auth import Caller, require_caller
from node.mastodon_api.common import account_uri, visible_record, visible_records, writer
from node.mastodon_api.pagination import page_request, with_link_header
from node.mastodon_api.params import Params
from node.mastodon_api.state import CLIENT_API
from node.storage.paging import PageRequest
from node.storage.status_marks import MarkKind
from node.web.app import NODE, Handler

# Mastodon's limit of pinned posts per account.
MAX_PINNED = 5
# The scope each post mark needs, as Mastodon asks for it.
MARK_SCOPES: dict[MarkKind, str] = {
    "bookmark": "write:bookmarks",
    "pin": "write:accounts",
    "mute": "write:mutes",
}


def _marking(kind: MarkKind, *, on: bool) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        caller = await require_caller(request, MARK_SCOPES[kind])
        record = await visible_record(request, caller)
        marks = request.app[CLIENT_API].marks
        target = record.uri
        if kind == "mute":
            # A mute covers the whole conversation, so it sits on the thread's first post.
            target = await request.app[NODE].objects.thread_root(record.uri)
        if on != (kind in await marks.marks_on(caller.actor.id, target)):
            await _change_mark(request, caller, kind, target, on=on)
        return web.json_response(await writer(request, caller).status(record))

    return handle


async def _change_mark(
    request: web.Request, caller: Caller, kind: MarkKind, target: str, *, on: bool
) -> None:
    marks = request.app[CLIENT_API].marks

    async def store() -> None:
        if on:
            await marks.mark(caller.actor.id, kind, target)
        else:
            await marks.unmark(caller.actor.id, kind, target)

    if kind != "pin":
        await store()
        return
    if on:
        await _check_pinnable(request, caller, target)
    await social_actions.announce_pin(
        request.app[NODE].social_services, caller.actor, target, pinned=on, local_write=store
    )


async def _check_pinnable(request: web.Request, caller: Caller, target: str) -> None:
    record = await request.app[NODE].objects.record(target)
    if record is None or record.attributed_to != caller.actor.uri:
        raise Refused("Validation failed: You can only pin your own posts")
    if not record.public:
        raise Refused("Validation failed: Followers-only posts cannot be pinned")
    if await request.app[CLIENT_API].marks.count(caller.actor.id, "pin") >= MAX_PINNED:
        raise Refused(f"Validation failed: You can pin at most {MAX_PINNED} posts")


async def marked_statuses(request: web.Request, caller: Caller, kind: MarkKind) -> web.Response:
    """A page of the posts an account marked, newest mark first, paged by mark ids."""
    params = await Params.of(request)
    marked = await request.app[CLIENT_API].marks.page(caller.actor.id, kind, page_request(params))
    return await _status_page(request, caller, marked)


async def _status_page(
    request: web.Request, caller: Caller, marked: list[tuple[int, str]]
) -> web.Response:
    records = await visible_records(request, caller, [uri for _, uri in marked])
    entities = writer(request, caller)
    response = web.json_response([await entities.status(r) for r in records])
    return with_link_header(request, response, [mark_id for mark_id, _ in marked])


async def bookmarks(request: web.Request) -> web.Response:
    """``GET /api/v1/bookmarks``."""
    caller = await require_caller(request, "read:bookmarks")
    return await marked_statuses(request, caller, "bookmark")


async def favourites(request: web.Request) -> web.Response:
    """``GET /api/v1/favourites``: what the resident liked or supported, newest first."""
    caller = await require_caller(request, "read:favourites")
    params = await Params.of(request)
    liked = await request.app[NODE].reactions.liked_by(caller.actor.uri, page_request(params))
    return await _status_page(request, caller, liked)


async def mute_account(request: web.Request) -> web.Response:
    """``POST /api/v1/accounts/:id/mute``: their posts leave the home timeline and, unless
    ``notifications=false``, their notifications go too."""
    caller = await require_caller(request, "write:mutes")
    uri = await account_uri(request)
    if uri == caller.actor.uri:
        raise Refused("Validation failed: You cannot mute yourself")
    notifications = (await Params.of(request)).flag("notifications", default=True)
    await request.app[CLIENT_API].marks.mute_account(
        caller.actor.id, uri, notifications=notifications
    )
    return web.json_response(await writer(request, caller).relationship(uri))


async def unmute_account(request: web.Request) -> web.Response:
    """``POST /api/v1/accounts/:id/unmute``."""
    caller = await require_caller(request, "write:mutes")
    uri = await account_uri(request)
    await request.app[CLIENT_API].marks.unmute_account(caller.actor.id, uri)
    return web.json_response(await writer(request, caller).relationship(uri))


async def mutes(request: web.Request) -> web.Response:
    """``GET /api/v1/mutes``: the muted accounts, newest first."""
    caller = await require_caller(request, "read:mutes")
    params = await Params.of(request)
    muted = await request.app[CLIENT_API].marks.muted_accounts(
        caller.actor.id, page_request(params, maximum=80)
    )
    entities = writer(request, caller)
    response = web.json_response([await entities.account(uri) for _, uri in muted])
    return with_link_header(request, response, [mute_id for mute_id, _ in muted])


async def pinned_of(request: web.Request, author: str) -> list[str]:
    """The posts an author pinned, newest pin first (a local author's only)."""
    node = request.app[NODE]
    local = await node.actors.by_uri(author)
    if local is None:
        return []
    pins = await request.app[CLIENT_API].marks.page(local.id, "pin", PageRequest(limit=MAX_PINNED))
    return [uri for _, uri in pins]


def register(app: web.Application) -> None:
    """Add the routes of bookmarks, pins, mutes and favourites."""
    for kind in MARK_SCOPES:
        app.router.add_post(f"/api/v1/statuses/{{id}}/{kind}", _marking(kind, on=True))
        app.router.add_post(f"/api/v1/statuses/{{id}}/un{kind}", _marking(kind, on=False))
    app.router.add_get("/api/v1/bookmarks", bookmarks)
    app.router.add_get("/api/v1/favourites", favourites)
    app.router.add_post("/api/v1/accounts/{id}/mute", mute_account)
    app.router.add_post("/api/v1/accounts/{id}/unmute", unmute_account)
    app.router.add_get("/api/v1/mutes", mutes)
