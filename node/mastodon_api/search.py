"""``GET /api/v2/search``: accounts by handle (WebFinger when ``resolve``), posts by URL."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.errors import FetchError
from federation.social_handlers import ACTOR_TYPES
from federation.webfinger import actor_id_for_handle, parse_handle
from node.mastodon_api.accounts import known_actor
from node.mastodon_api.auth import Caller, optional_caller, require_caller
from node.mastodon_api.common import writer
from node.mastodon_api.params import Params
from node.node import Node
from node.web.app import NODE

SEARCH_LIMIT = 40


async def _resolve_handle(node: Node, name: str, host: str) -> str | None:
    try:
        uri = await actor_id_for_handle(
            node.transport,
            await node.actors.instance_signer(),
            name,
            host,
            scheme="http" if node.config.dev else "https",
        )
        return (await node.resolver.get(uri)).uri
    except FetchError:
        return None


async def _by_url(node: Node, url: str, resolve: bool) -> tuple[str | None, str | None]:
    """``(actor id, object id)`` of a URL known here, or fetched from its origin."""
    if await node.objects.get_object(url) is not None:
        return None, url
    if await node.actors.by_uri(url) or await node.actors.remote_actor(url):
        return url, None
    if not resolve:
        return None, None
    try:
        obj = await node.fetcher.fetch(url)
        if obj.type in ACTOR_TYPES:
            return (await node.resolver.get(url)).uri, None
        if obj.attributed_to is not None:
            await node.resolver.get(obj.attributed_to)
        await node.objects.save_remote_object(obj)
    except FetchError:
        return None, None
    return None, url


async def _find(request: web.Request, query: str, resolve: bool) -> tuple[list[str], list[str]]:
    """Ids of the actors and of the objects a query names."""
    node = request.app[NODE]
    if query.startswith(("https://", "http://")):
        actor, obj = await _by_url(node, query, resolve)
        return ([actor] if actor else []), ([obj] if obj else [])
    if (handle := parse_handle(query)) is not None:
        found = await known_actor(request, query)
        if found is None and resolve and handle[1] != node.urls.host.lower():
            found = await _resolve_handle(node, *handle)
        return ([found] if found else []), []
    if query:
        return await node.actors.local_uris_matching(query.lstrip("@"), SEARCH_LIMIT), []
    return [], []


async def _searcher(request: web.Request) -> tuple[Params, bool, Caller | None]:
    params = await Params.of(request)
    resolve = params.flag("resolve")
    # Asking other servers costs them work: only residents who are signed in may.
    caller = (
        await require_caller(request, "read:search") if resolve else await optional_caller(request)
    )
    return params, resolve, caller


async def search(request: web.Request) -> web.Response:
    """Find accounts and posts; ``resolve=true`` (signed in) asks other servers."""
    node = request.app[NODE]
    params, resolve, caller = await _searcher(request)
    account_uris, object_uris = await _find(request, (params.text("q") or "").strip(), resolve)
    kind = params.text("type")
    entities = writer(request, caller)
    result: dict[str, list[Any]] = {"accounts": [], "statuses": [], "hashtags": []}
    if kind in (None, "accounts"):
        result["accounts"] = [await entities.account(u) for u in account_uris]
    if kind in (None, "statuses"):
        for uri in object_uris:
            record = await node.objects.record(uri)
            if record is not None and record.deleted_at is None and record.public:
                result["statuses"].append(await entities.status(record))
    return web.json_response(result)


async def account_search(request: web.Request) -> web.Response:
    """``GET /api/v1/accounts/search?q=``: what apps complete @mentions with."""
    params, resolve, caller = await _searcher(request)
    account_uris, _ = await _find(request, (params.text("q") or "").strip(), resolve)
    entities = writer(request, caller)
    return web.json_response([await entities.account(u) for u in account_uris])


def register(app: web.Application) -> None:
    """Add the search route."""
    app.router.add_get("/api/v2/search", search)
    app.router.add_get("/api/v1/accounts/search", account_search)
