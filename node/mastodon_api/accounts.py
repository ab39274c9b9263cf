"""Accounts: the caller's own, others by id or handle, their posts, relationships, follows."""

from __future__ import annotations

from aiohttp import web

from federation.errors import NotFound
from federation.webfinger import parse_handle
from node import social_actions
from node.mastodon_api.auth import optional_caller, require_caller
from node.mastodon_api.common import account_uri, is_following, visible_records, writer
from node.mastodon_api.marks import pinned_of
from node.mastodon_api.misc import empty_list
from node.mastodon_api.pagination import page_request, with_link_header
from node.mastodon_api.params import Params
from node.mastodon_api.state import CLIENT_API
from node.web.app import NODE


async def verify_credentials(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/verify_credentials``: the caller's own account."""
    caller = await require_caller(request, "read:accounts")
    return web.json_response(await writer(request, caller).credential_account(caller.actor))


async def known_actor(request: web.Request, acct: str) -> str | None:
    """The id of a local or already known remote actor named by a handle."""
    node = request.app[NODE]
    handle = parse_handle(acct) if "@" in acct.lstrip("@") else (acct.lstrip("@"), node.urls.host)
    if handle is None:
        return None
    name, host = handle
    if host == node.urls.host.lower():
        local = await node.actors.by_username(name)
        return local.uri if local else None
    remote = await node.actors.remote_actor_by_handle(name, host)
    return remote.uri if remote else None


async def lookup(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/lookup?acct=``: an account by handle, without fetching."""
    caller = await optional_caller(request)
    acct = (await Params.of(request)).text("acct") or ""
    uri = await known_actor(request, acct)
    if uri is None:
        raise NotFound("Record not found")
    return web.json_response(await writer(request, caller).account(uri))


async def show(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/:id``."""
    caller = await optional_caller(request)
    return web.json_response(await writer(request, caller).account(await account_uri(request)))


async def statuses(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/:id/statuses``: an author's posts, newest first."""
    caller = await optional_caller(request)
    uri = await account_uri(request)
    params = await Params.of(request)
    if params.flag("pinned"):
        pinned = await visible_records(request, caller, await pinned_of(request, uri))
        entities = writer(request, caller)
        return web.json_response([await entities.status(r) for r in pinned])
    include_private = caller is not None and (
        caller.actor.uri == uri or await is_following(request.app[NODE], caller.actor.uri, uri)
    )
    records = await request.app[CLIENT_API].timelines.by_author(
        uri, page_request(params), include_private=include_private
    )
    if params.flag("exclude_replies"):
        records = [r for r in records if r.in_reply_to is None]
    if params.flag("only_media"):
        records = [r for r in records if r.document.get("attachment")]
    entities = writer(request, caller)
    response = web.json_response([await entities.status(r) for r in records])
    return with_link_header(request, response, [r.row_id for r in records])


async def relationships(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/relationships?id[]=``."""
    caller = await require_caller(request, "read:follows")
    api = request.app[CLIENT_API]
    entities = writer(request, caller)
    found = []
    for value in (await Params.of(request)).texts("id"):
        uri = await api.account_ids.uri_for(int(value)) if value.isdigit() else None
        if uri is not None:
            found.append(await entities.relationship(uri))
    return web.json_response(found)


async def several(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts?id[]=``: several accounts at once; unknown ids are left out."""
    caller = await optional_caller(request)
    api = request.app[CLIENT_API]
    entities = writer(request, caller)
    found = []
    for value in (await Params.of(request)).texts("id")[:40]:
        uri = await api.account_ids.uri_for(int(value)) if value.isdigit() else None
        if uri is not None:
            found.append(await entities.account(uri))
    return web.json_response(found)


async def familiar_followers(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/familiar_followers?id[]=``: for each account, the ones among
    its followers whom the caller follows."""
    caller = await require_caller(request, "read:follows")
    api = request.app[CLIENT_API]
    follows = request.app[NODE].follows
    followed = set(await follows.following_of(caller.actor.uri))
    entities = writer(request, caller)
    found = []
    for value in (await Params.of(request)).texts("id"):
        uri = await api.account_ids.uri_for(int(value)) if value.isdigit() else None
        if uri is None:
            continue
        familiar = [f for f in await follows.followers_of(uri) if f in followed]
        found.append({"id": value, "accounts": [await entities.account(f) for f in familiar[:40]]})
    return web.json_response(found)


async def follow(request: web.Request) -> web.Response:
    """``POST /api/v1/accounts/:id/follow``: follow a person or a process, here or elsewhere."""
    caller = await require_caller(request, "write:follows")
    uri = await account_uri(request)
    node = request.app[NODE]
    existing = await node.follows.follow_between(caller.actor.uri, uri)
    if existing is None or existing.state == "rejected":
        await social_actions.follow(node.social_services, caller.actor, uri)
    return web.json_response(await writer(request, caller).relationship(uri))


async def unfollow(request: web.Request) -> web.Response:
    """``POST /api/v1/accounts/:id/unfollow``."""
    caller = await require_caller(request, "write:follows")
    uri = await account_uri(request)
    node = request.app[NODE]
    if await node.follows.follow_between(caller.actor.uri, uri) is not None:
        await social_actions.unfollow(node.social_services, caller.actor, uri)
    return web.json_response(await writer(request, caller).relationship(uri))


async def follow_list(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/:id/followers`` and ``/following``: accepted follows."""
    caller = await optional_caller(request)
    uri = await account_uri(request)
    follows = request.app[NODE].follows
    if request.path.endswith("/followers"):
        others = await follows.followers_of(uri)
    else:
        others = await follows.following_of(uri)
    entities = writer(request, caller)
    return web.json_response([await entities.account(o) for o in others[:80]])


def register(app: web.Application) -> None:
    """Add the account routes."""
    app.router.add_get("/api/v1/accounts", several)
    app.router.add_get("/api/v1/accounts/verify_credentials", verify_credentials)
    app.router.add_get("/api/v1/accounts/lookup", lookup)
    app.router.add_get("/api/v1/accounts/relationships", relationships)
    app.router.add_get("/api/v1/accounts/familiar_followers", familiar_followers)
    app.router.add_get("/api/v1/accounts/{id}", show)
    app.router.add_get("/api/v1/accounts/{id}/statuses", statuses)
    app.router.add_get("/api/v1/accounts/{id}/followers", follow_list)
    app.router.add_get("/api/v1/accounts/{id}/following", follow_list)
    app.router.add_post("/api/v1/accounts/{id}/follow", follow)
    app.router.add_post("/api/v1/accounts/{id}/unfollow", unfollow)
    # Profile screens ask for these; this node has neither featured tags nor lists.
    app.router.add_get("/api/v1/accounts/{id}/featured_tags", empty_list)
    app.router.add_get("/api/v1/accounts/{id}/lists", empty_list)
