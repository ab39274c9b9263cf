"""Small helpers every endpoint module shares: writers, id lookups and JSON answers."""

from __future__ import annotations

from aiohttp import web

from activitypub.vocabulary import parse_object
from federation.errors import NotFound
from node.mastodon_api.auth import Caller
from node.mastodon_api.serializers import EntityWriter
from node.mastodon_api.state import CLIENT_API
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
    if not record.public:
        viewer = caller.actor.uri if caller else None
        author = record.attributed_to
        may_see = viewer is not None and (
            viewer == author
            or (author is not None and await _follows(request, viewer, author))
            or viewer in (*(obj := parse_object(record.document)).to, *obj.cc)
        )
        if not may_see:
            raise NotFound("Record not found")
    return record


async def _follows(request: web.Request, follower: str, followed: str) -> bool:
    follow = await request.app[NODE].follows.follow_between(follower, followed)
    return follow is not None and follow.state == "accepted"
