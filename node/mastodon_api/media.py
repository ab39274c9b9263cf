"""Images uploaded from apps: ``POST /api/v2/media`` (and v1), ``GET``/``PUT
/api/v1/media/:id``, and the files served at ``/media/uploads/``.

An upload is read as a stream and refused past ``MAX_IMAGE_BYTES`` and checked by
``node/images.py``; a post names uploads by ``media_ids[]`` and federates them as
``Image`` attachments with their ``mediaType`` and alt text as ``name``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from federation.errors import Invalid, NotFound
from node.clock import iso
from node.images import MAX_DESCRIPTION, UPLOADS_PATH, media_folder, save_image
from node.mastodon_api.auth import Caller, require_caller
from node.mastodon_api.common import numeric_id
from node.mastodon_api.params import Params
from node.mastodon_api.serializers import attachment_entity
from node.mastodon_api.state import CLIENT_API
from node.node import Node
from node.storage.media import MediaRecord, MediaRepository
from node.web.app import NODE, read_multipart

MAX_ATTACHMENTS = 4
# Mastodon removes media attached to nothing after a day.
UNPOSTED_MEDIA_KEPT = timedelta(days=1)


def describe(text: str | None) -> str:
    description = (text or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"Validation failed: Description is over {MAX_DESCRIPTION} characters")
    return description


async def upload(request: web.Request) -> web.Response:
    """``POST /api/v2/media`` and ``/api/v1/media``: store an image, not yet in a post."""
    caller = await require_caller(request, "write:media")
    # An upload spends the posting allowance: a suspended or flooding account fills no disk.
    await request.app[NODE].guard.check(caller.actor.uri, "post")
    form = await read_multipart(request, frozenset({"file"}))
    description = describe(form.fields.get("description"))
    data = form.files.get("file")
    if not data:
        raise Invalid("Validation failed: File can't be blank")
    node = request.app[NODE]
    media = await save_image(
        node, request.app[CLIENT_API].media, caller.actor.id, data, description
    )
    return web.json_response(attachment_entity(node.urls.base, media))


async def own_media(request: web.Request, caller: Caller, media_id: int) -> MediaRecord:
    """An upload of the caller's; 404 for anyone else's."""
    media = await request.app[CLIENT_API].media.get(media_id)
    if media is None or media.actor_id != caller.actor.id:
        raise NotFound("Record not found")
    return media


async def show(request: web.Request) -> web.Response:
    """``GET /api/v1/media/:id``."""
    caller = await require_caller(request, "write:media")
    media = await own_media(request, caller, numeric_id(request))
    return web.json_response(attachment_entity(request.app[NODE].urls.base, media))


async def update(request: web.Request) -> web.Response:
    """``PUT /api/v1/media/:id``: change the alt text before the post goes out."""
    caller = await require_caller(request, "write:media")
    media = await own_media(request, caller, numeric_id(request))
    description = (await Params.of(request)).text("description")
    if description is not None:
        if media.object is not None:
            raise Invalid(
                "Validation failed: this image is in a post already; edit the post to change it"
            )
        await request.app[CLIENT_API].media.describe(media.id, describe(description))
    changed = await request.app[CLIENT_API].media.get(media.id)
    assert changed is not None
    return web.json_response(attachment_entity(request.app[NODE].urls.base, changed))


async def media_for_post(
    request: web.Request, caller: Caller, media_ids: list[str], object_id: str | None = None
) -> list[MediaRecord]:
    """The uploads a post names: the caller's own, not in another post, at most four."""
    if len(media_ids) > MAX_ATTACHMENTS:
        raise Invalid(f"Validation failed: a post takes at most {MAX_ATTACHMENTS} images")
    found = []
    for value in dict.fromkeys(media_ids):
        if not value.isdigit():
            raise Invalid(f"Validation failed: no image {value!r} was uploaded")
        media = await own_media(request, caller, int(value))
        if media.object is not None and media.object != object_id:
            raise Invalid("Validation failed: this image went out with another post already")
        found.append(media)
    return found


async def remove_media(node: Node, repository: MediaRepository, object_id: str) -> None:
    """Delete the images of a deleted post, rows and files."""
    _unlink(node, await repository.remove_of(object_id))


async def remove_unposted_media(node: Node, repository: MediaRepository, now: datetime) -> None:
    """Delete uploads that have been in no post for ``UNPOSTED_MEDIA_KEPT``: never posted,
    or left by a deleted post and not redrafted. A periodic job of the running node."""
    _unlink(node, await repository.remove_unposted(iso(now - UNPOSTED_MEDIA_KEPT)))


def _unlink(node: Node, file_names: list[str]) -> None:
    for file_name in file_names:
        (media_folder(node) / file_name).unlink(missing_ok=True)


async def serve(request: web.Request) -> web.StreamResponse:
    """``GET /media/uploads/:name``: an uploaded image, by the name the node gave it; not
    once the post it went out with is deleted (by its author or a moderator) or hidden."""
    node = request.app[NODE]
    name = request.match_info["name"]
    media = await request.app[CLIENT_API].media.by_file(name)
    post = await node.objects.record(media.object) if media and media.object else None
    if media is None or (post is not None and (post.deleted_at or post.hidden_reason)):
        raise NotFound(f"no uploaded file {name}")
    return web.FileResponse(
        media_folder(node) / media.file_name,
        headers={"Content-Type": media.media_type, "Cache-Control": "max-age=604800"},
    )


def register(app: web.Application) -> None:
    """Add the media routes, and the running node's removal of unposted uploads."""
    node = app[NODE]
    repository = app[CLIENT_API].media
    node.periodic.append(lambda: remove_unposted_media(node, repository, node.clock.now()))
    app.router.add_post("/api/v2/media", upload)
    app.router.add_post("/api/v1/media", upload)
    app.router.add_get("/api/v1/media/{id}", show)
    app.router.add_put("/api/v1/media/{id}", update)
    app.router.add_get(UPLOADS_PATH + "{name}", serve)
