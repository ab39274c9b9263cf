"""ActivityPub routes: actors, their collections, objects, activities and inboxes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from activitypub.signatures import VerificationResult, verify_request
from federation.errors import BodyTooLarge, NotFound, SignatureRefused
from federation.inbox import MAX_INBOX_BODY, InboxRequest
from federation.transport import read_capped
from node.documents import (
    PAGE_SIZE,
    actor_document,
    collection_page,
    ordered_collection,
    reduced_actor_document,
    with_context,
)
from node.node import Node
from node.storage.actors import LocalActor
from node.storage.paging import PageRequest
from node.storage.status_marks import StatusMarkRepository
from node.urls import INSTANCE_USERNAME
from node.web.app import NODE
from node.web.health import INBOX_OUTCOME
from node.web.negotiation import activity_response, wants_activity_json
from node.web.pages import render_actor_page, render_object_page

log = logging.getLogger(__name__)


async def _fetch_verdict(request: web.Request, node: Node) -> VerificationResult:
    return await verify_request(
        method=request.method,
        target=request.raw_path,
        headers=request.headers,
        body=None,
        lookup_key=node.resolver.lookup_key,
        now=node.clock.now(),
    )


async def require_signed_fetch(request: web.Request, node: Node) -> None:
    """In authorized-fetch mode, ActivityPub GETs must carry a valid signature."""
    if not node.config.authorized_fetch:
        return
    result = await _fetch_verdict(request, node)
    if not result.ok:
        raise SignatureRefused(
            f"this node requires signed fetches ({result.verdict.value})", result.verdict.value
        )


async def _local_actor(request: web.Request) -> LocalActor:
    node = request.app[NODE]
    actor = await node.actors.by_username(request.match_info["username"])
    if actor is None:
        raise NotFound(f"no actor {request.match_info['username']} here", code="account_unknown")
    return actor


async def actor_handler(request: web.Request) -> web.StreamResponse:
    """An actor: JSON for servers, the profile page for browsers."""
    node = request.app[NODE]
    actor = await _local_actor(request)
    if await node.participation_services.account_changes.is_deleted(actor.id):
        # As Mastodon answers for a deleted account; browsers read why.
        if not wants_activity_json(request):
            raise NotFound(f"{actor.username} deleted their account", code="account_unknown")
        tombstone = {"id": actor.uri, "type": "Tombstone", "formerType": "Person"}
        return activity_response(with_context(tombstone), status=410)
    if not wants_activity_json(request):
        return await render_actor_page(request, actor)
    document = actor_document(actor, node.urls)
    # The instance actor stays whole for everyone: others need it to verify us.
    if node.config.authorized_fetch and actor.username != INSTANCE_USERNAME:
        result = await _fetch_verdict(request, node)
        if not result.ok:
            # As Mastodon does: a fetch without a (valid) signature gets the actor reduced
            # to what verifying its deliveries needs, its key; peers that fetch keys
            # unsigned (Fedify by default) can then verify what it sends them.
            log.info(
                "unsigned fetch of %s answered with the reduced actor (%s)",
                actor.uri,
                result.verdict.value,
            )
            document = reduced_actor_document(document)
    return activity_response(document)


def _page_number(request: web.Request) -> int | None:
    raw = request.query.get("page")
    if raw is None:
        return None
    try:
        page = int(raw)
    except ValueError as exc:
        raise NotFound("page must be a number") from exc
    if page < 1:
        raise NotFound("pages start at 1")
    return page


def _paged(collection_id: str, total: int, page: int | None, items: list[Any]) -> dict[str, Any]:
    if page is None:
        return ordered_collection(collection_id, total, f"{collection_id}?page=1")
    has_next = page * PAGE_SIZE < total
    return collection_page(
        f"{collection_id}?page={page}",
        collection_id,
        items,
        f"{collection_id}?page={page + 1}" if has_next else None,
    )


async def _actor_collection(
    request: web.Request,
    collection_of: Callable[[str], str],
    members_of: Callable[[str], Awaitable[list[str]]],
) -> web.Response:
    node = request.app[NODE]
    actor = await _local_actor(request)
    await require_signed_fetch(request, node)
    members = await members_of(actor.uri)
    page = _page_number(request)
    items = members[(page - 1) * PAGE_SIZE : page * PAGE_SIZE] if page else []
    return activity_response(_paged(collection_of(actor.username), len(members), page, items))


async def followers_handler(request: web.Request) -> web.Response:
    """Accepted followers as a paged OrderedCollection."""
    node = request.app[NODE]
    return await _actor_collection(request, node.urls.followers, node.follows.followers_of)


async def following_handler(request: web.Request) -> web.Response:
    """Accepted follows as a paged OrderedCollection."""
    node = request.app[NODE]
    return await _actor_collection(request, node.urls.following, node.follows.following_of)


async def outbox_handler(request: web.Request) -> web.Response:
    """Public activities of an actor, newest first, as a paged OrderedCollection."""
    node = request.app[NODE]
    actor = await _local_actor(request)
    await require_signed_fetch(request, node)
    total = await node.outbox_store.count_public(actor.uri)
    page = _page_number(request)
    items: list[Any] = []
    if page:
        entries = await node.outbox_store.page_public(actor.uri, None, page * PAGE_SIZE)
        items = [
            {k: v for k, v in e.document.items() if k != "@context"}
            for e in entries[(page - 1) * PAGE_SIZE :]
        ]
    return activity_response(_paged(node.urls.outbox(actor.username), total, page, items))


async def featured_handler(request: web.Request) -> web.Response:
    """A resident's pinned posts, newest pin first, as Mastodon's ``featured`` collection."""
    node = request.app[NODE]
    actor = await _local_actor(request)
    await require_signed_fetch(request, node)
    pins = await StatusMarkRepository(node.db).page(actor.id, "pin", PageRequest(limit=PAGE_SIZE))
    posts = [await node.objects.record(uri) for _, uri in pins]
    items = [
        {k: v for k, v in post.document.items() if k != "@context"}
        for post in posts
        if post is not None and post.deleted_at is None and post.public and not post.hidden_reason
    ]
    return activity_response(
        with_context(
            {
                "id": node.urls.featured(actor.username),
                "type": "OrderedCollection",
                "totalItems": len(items),
                "orderedItems": items,
            }
        )
    )


async def object_handler(request: web.Request) -> web.StreamResponse:
    """A local object (or its tombstone, with 410)."""
    node = request.app[NODE]
    uri = f"{node.urls.base}/objects/{request.match_info['object_id']}"
    record = await node.objects.record(uri)
    if record is None or not record.local:
        raise NotFound("no such object here", code="post_unknown")
    if not wants_activity_json(request):
        proposal = await node.participation_store.get_proposal(record.uri)
        if proposal is not None and record.deleted_at is None:
            raise web.HTTPSeeOther(f"/proposals/{record.row_id}")
        return await render_object_page(request, record)
    await require_signed_fetch(request, node)
    from node.documents import with_context

    if not record.public and record.deleted_at is None:
        raise NotFound("no such object here", code="post_unknown")
    return activity_response(
        with_context(record.document), status=410 if record.deleted_at else 200
    )


async def activity_handler(request: web.Request) -> web.Response:
    """A public local activity."""
    node = request.app[NODE]
    uri = f"{node.urls.base}/activities/{request.match_info['activity_id']}"
    entry = await node.outbox_store.get(uri)
    if entry is None or not entry.public:
        raise NotFound("no such activity here")
    await require_signed_fetch(request, node)
    return activity_response(entry.document)


async def create_activity_handler(request: web.Request) -> web.Response:
    """The Create of a local object: its id is the object id plus /activity."""
    node = request.app[NODE]
    uri = f"{node.urls.base}/objects/{request.match_info['object_id']}/activity"
    entry = await node.outbox_store.get(uri)
    if entry is None or not entry.public:
        raise NotFound("no such activity here")
    await require_signed_fetch(request, node)
    return activity_response(entry.document)


async def inbox_handler(request: web.Request) -> web.Response:
    """Shared and personal inboxes: the pipeline in federation/inbox.py does the work."""
    node = request.app[NODE]
    if "username" in request.match_info:
        await _local_actor(request)
    if request.content_length is not None and request.content_length > MAX_INBOX_BODY:
        raise BodyTooLarge(f"body over the {MAX_INBOX_BODY} byte limit")
    body = await read_capped(request.content, MAX_INBOX_BODY)
    inbox_request = InboxRequest(
        method=request.method,
        target=request.raw_path,
        headers=request.headers,
        body=body,
    )
    result = await node.inbox.receive(inbox_request)
    request[INBOX_OUTCOME] = "duplicate" if result.duplicate else "accepted"
    message = "duplicate, already processed" if result.duplicate else "accepted"
    return web.json_response({"status": message}, status=202)


def register(app: web.Application) -> None:
    """Add the ActivityPub routes."""
    app.router.add_get("/actors/{username}", actor_handler)
    app.router.add_get("/actors/{username}/followers", followers_handler)
    app.router.add_get("/actors/{username}/following", following_handler)
    app.router.add_get("/actors/{username}/outbox", outbox_handler)
    app.router.add_get("/actors/{username}/featured", featured_handler)
    app.router.add_post("/actors/{username}/inbox", inbox_handler)
    app.router.add_post("/inbox", inbox_handler)
    app.router.add_get("/objects/{object_id}", object_handler)
    app.router.add_get("/objects/{object_id}/activity", create_activity_handler)
    app.router.add_get("/activities/{activity_id}", activity_handler)
