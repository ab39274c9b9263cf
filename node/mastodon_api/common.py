"""Small helpers the endpoint modules share: entity writers, ids in paths, visibility."""

from __future__ import annotations

from aiohttp import web

from activitypub.vocabulary import parse_object
from federation.errors import NotFound
from node.mastodon_api.auth import Caller
from node.mastodon_api.serializers import EntityWriter
from node.mastodon_api.state import CLIENT_API
from node.node import Node
from node.storage.objects import ObjectRecord
from node.web.app import NODE


def writer(request: web.Request, caller: Caller | None) -> EntityWriter:
    """An entity writer for this request's viewer."""
    return EntityWriter(
        request.app[NODE], request.app[CLIENT_API], caller.actor if caller else None
    )


def numeric_id(request: web.Request, name: str = "id") -> int:
    """A numeric path id; anything else names nothing here."""
    value = request.match_info[name]
    if not value.isdigit():
        raise NotFound("Record not found")
    return int(value)


async def account_uri(request: web.Request, name: str = "id") -> str:
    """The actor behind the account id in the path; 404 when unknown."""
    uri = await request.app[CLIENT_API].account_ids.uri_for(numeric_id(request, name))
    if uri is None:
        raise NotFound("Record not found")
    return uri


async def visible_record(
    request: web.Request, caller: Caller | None, row_id: int | None = None
) -> ObjectRecord:
    """The live post with this status id that the caller may see; 404 otherwise."""
    node = request.app[NODE]
    record = await node.objects.record_by_row_id(
        row_id if row_id is not None else numeric_id(request)
    )
    if record is None or record.deleted_at is not None:
        raise NotFound("Record not found")
    if not record.public and not await _may_see_private(node, caller, record):
        raise NotFound("Record not found")
    return record


async def visible_records(
    request: web.Request, caller: Caller | None, uris: list[str]
) -> list[ObjectRecord]:
    """The live posts among ``uris`` that the caller may see, in the given order."""
    node = request.app[NODE]
    found = await request.app[CLIENT_API].timelines.by_ids(uris)
    shown = []
    for uri in uris:
        record = found.get(uri)
        if record is not None and (record.public or await _may_see_private(node, caller, record)):
            shown.append(record)
    return shown


async def is_following(node: Node, follower: str, followed: str) -> bool:
    """Whether ``follower`` follows ``followed`` (accepted, not merely asked)."""
    follow = await node.follows.follow_between(follower, followed)
    return follow is not None and follow.state == "accepted"


async def _may_see_private(node: Node, caller: Caller | None, record: ObjectRecord) -> bool:
    """Followers-only posts: their author, the followers and whoever they address."""
    if caller is None:
        return False
    viewer = caller.actor.uri
    author = record.attributed_to
    if viewer == author or (author and await is_following(node, viewer, author)):
        return True
    obj = parse_object(record.document)
    return viewer in (*obj.to, *obj.cc)
