"""WebFinger, NodeInfo 2.0/2.1 and host-meta."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import unquote

from aiohttp import web

from federation.errors import MalformedDocument, NotFound
from node.documents import webfinger
from node.participation.signup import can_sign_up
from node.web.app import NODE
from node.web.interaction_pages import AUTHORIZE_INTERACTION

SOFTWARE = "samenspraak"
# The Mastodon API level the client API implements: apps parse it from the instance's
# version, and clients that choose an API flavour from NodeInfo (megalodon, for
# Whalebird) read it as ``metadata.upstream``, the way Mastodon-API forks announce it.
MASTODON_COMPATIBILITY = "4.3.0"


def software_version() -> str:
    """The installed version of this software."""
    try:
        return version("samenspraak")
    except PackageNotFoundError:
        return "0.0.0"


async def webfinger_handler(request: web.Request) -> web.Response:
    """``acct:name@host`` (or an actor URL) to the actor's id."""
    node = request.app[NODE]
    resource = unquote(request.query.get("resource", "")).strip()
    if not resource:
        raise MalformedDocument("the resource parameter is required")
    username: str | None = None
    if resource.startswith("acct:"):
        name, _, host = resource[5:].lstrip("@").rpartition("@")
        if host.lower() != node.urls.host.lower():
            raise NotFound(f"{resource} is not on this node")
        username = name
    elif resource.startswith(node.urls.base):
        actor = await node.actors.by_uri(resource)
        username = actor.username if actor else None
    if not username:
        raise NotFound(f"no such account: {resource}")
    actor = await node.actors.by_username(username)
    deleted = actor is not None and await node.participation_services.account_changes.is_deleted(
        actor.id
    )
    if actor is None or deleted:
        raise NotFound(f"no such account: {resource}")
    document = webfinger(
        f"acct:{actor.username}@{node.urls.host}",
        actor.uri,
        node.urls.profile_page(actor.username),
        f"{node.urls.base}{AUTHORIZE_INTERACTION}?uri={{uri}}",
    )
    return web.json_response(document, content_type="application/jrd+json")


async def nodeinfo_links(request: web.Request) -> web.Response:
    """The NodeInfo discovery document."""
    base = request.app[NODE].urls.base
    return web.json_response(
        {
            "links": [
                {
                    "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                    "href": f"{base}/nodeinfo/2.1",
                },
                {
                    "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                    "href": f"{base}/nodeinfo/2.0",
                },
            ]
        }
    )


async def nodeinfo(request: web.Request) -> web.Response:
    """NodeInfo 2.0 or 2.1: software, protocols, usage."""
    node = request.app[NODE]
    schema = request.match_info["schema"]
    if schema not in ("2.0", "2.1"):
        raise NotFound(f"no NodeInfo schema {schema}")
    users = await node.accounts.count()
    posts = await node.objects.count_local_posts()
    software: dict[str, str] = {"name": SOFTWARE, "version": software_version()}
    if schema == "2.1":
        software["repository"] = "https://samenspraak.nl/code"
        software["homepage"] = "https://samenspraak.nl"
    organisation = await node.organisation()
    document = {
        "version": schema,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": can_sign_up(node.participation_services),
        "usage": {"users": {"total": users}, "localPosts": posts},
        "metadata": {
            "nodeName": organisation.display_name,
            "nodeKind": node.config.kind,
            "upstream": {"name": "mastodon", "version": MASTODON_COMPATIBILITY},
        },
    }
    return web.Response(
        text=json.dumps(document),
        headers={
            "Content-Type": "application/json; profile="
            f'"http://nodeinfo.diaspora.software/ns/schema/{schema}#"'
        },
    )


async def host_meta(request: web.Request) -> web.Response:
    """host-meta, a fallback for WebFinger discovery."""
    base = request.app[NODE].urls.base
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return web.Response(text=xml, content_type="application/xrd+xml")


def register(app: web.Application) -> None:
    """Add the discovery routes."""
    app.router.add_get("/.well-known/webfinger", webfinger_handler)
    app.router.add_get("/.well-known/nodeinfo", nodeinfo_links)
    app.router.add_get("/nodeinfo/{schema}", nodeinfo)
    app.router.add_get("/.well-known/host-meta", host_meta)
