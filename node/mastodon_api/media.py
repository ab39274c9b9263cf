"""Images uploaded from apps: ``POST /api/v2/media`` (and v1), ``GET``/``PUT
/api/v1/media/:id``, and the files served at ``/media/uploads/``.

An upload is read as a stream and refused past ``MAX_IMAGE_BYTES``; its type is
what its first bytes say, never what the app claims, and only still images that
browsers show everywhere are taken. The file goes to the node's ``media`` folder
under a random name; a post names uploads by ``media_ids[]`` and federates them
as ``Image`` attachments with their ``mediaType`` and alt text as ``name``.
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from federation.errors import BodyTooLarge, Invalid, NotFound
from node.clock import iso
from node.mastodon_api.auth import Caller, require_caller
from node.mastodon_api.common import numeric_id
from node.mastodon_api.params import Params
from node.mastodon_api.serializers import UPLOADS_PATH, attachment_entity, media_url
from node.mastodon_api.state import CLIENT_API
from node.node import Node
from node.storage.media import MediaRecord, MediaRepository, NewMedia
from node.web.app import NODE

MEDIA_FOLDER = "media"
# Mastodon allows 16 MB; a node on a small board keeps it to half that.
MAX_IMAGE_BYTES = 8 * 1024 * 1024
# Mastodon's image_matrix_limit: 7680 x 4320 pixels.
MAX_IMAGE_PIXELS = 33_177_600
MAX_DESCRIPTION = 1500
MAX_ATTACHMENTS = 4
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 50
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_CHUNK = 64 * 1024
# Mastodon removes media attached to nothing after a day.
UNPOSTED_MEDIA_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class ImageFacts:
    """What the bytes of an image say it is."""

    media_type: str
    width: int
    height: int


def sniff_image(data: bytes) -> ImageFacts | None:
    """The type and size of a PNG, JPEG, GIF or WebP image, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageFacts("image/png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageFacts("image/gif", width, height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def _jpeg(data: bytes) -> ImageFacts | None:
    # Walk the markers up to a start-of-frame, which holds the size.
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return ImageFacts("image/jpeg", width, height)
        at += 2 + length
    return None


def _webp(data: bytes) -> ImageFacts | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return ImageFacts("image/webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return ImageFacts("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageFacts("image/webp", width, height)
    return None


def media_folder(node: Node) -> Path:
    """Where a node keeps uploaded files."""
    return node.data_dir / MEDIA_FOLDER


def image_attachment(node: Node, media: MediaRecord) -> dict[str, Any]:
    """An upload as an ActivityStreams ``Image`` attachment of a post."""
    return {
        "type": "Image",
        "mediaType": media.media_type,
        "url": media_url(node.urls.base, media.file_name),
        "name": media.description or None,
        "width": media.width,
        "height": media.height,
    }


def describe(text: str | None) -> str:
    description = (text or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"Validation failed: Description is over {MAX_DESCRIPTION} characters")
    return description


@dataclass(frozen=True)
class MultipartForm:
    """The text fields and files of a multipart request."""

    fields: dict[str, str]
    files: dict[str, bytes]


async def read_multipart(request: web.Request, file_fields: frozenset[str]) -> MultipartForm:
    """Read a multipart body part by part: files (the parts named in ``file_fields``) up to
    ``MAX_IMAGE_BYTES``, text fields up to ``MAX_FIELD_BYTES``, at most ``MAX_PARTS``."""
    if request.content_type != "multipart/form-data":
        raise Invalid("Validation failed: send images as multipart/form-data")
    reader = await request.multipart()
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    count = 0
    while (part := await reader.next()) is not None:
        count += 1
        if count > MAX_PARTS:
            raise Invalid(f"Validation failed: more than {MAX_PARTS} form fields")
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.name in file_fields:
            files[part.name] = await _read_part(part, MAX_IMAGE_BYTES, "File")
        else:
            text = await _read_part(part, MAX_FIELD_BYTES, part.name)
            fields[part.name] = text.decode(part.get_charset("utf-8"), "replace")
    return MultipartForm(fields, files)


async def _read_part(part: BodyPartReader, limit: int, what: str) -> bytes:
    chunks = bytearray()
    while chunk := await part.read_chunk(_CHUNK):
        chunks += chunk
        if len(chunks) > limit:
            shown = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
            raise BodyTooLarge(f"{what} is over the limit of {shown}")
    # Files may come with a transfer encoding (base64, quoted-printable).
    return bytes(part.decode(bytes(chunks)))


def checked_image(data: bytes) -> ImageFacts:
    """What an uploaded image is; refused when it is no image we take, or too large."""
    facts = sniff_image(data)
    if facts is None or facts.width == 0 or facts.height == 0:
        raise Invalid(
            "Validation failed: File is not a PNG, JPEG, GIF or WebP image this server can read"
        )
    if facts.width * facts.height > MAX_IMAGE_PIXELS:
        raise Invalid(
            f"Validation failed: Image of {facts.width}x{facts.height} pixels is over the"
            f" limit of {MAX_IMAGE_PIXELS} pixels"
        )
    return facts


async def store_image(
    request: web.Request, caller: Caller, data: bytes, description: str = ""
) -> MediaRecord:
    """Write a checked image to the node's media folder and record it."""
    facts = checked_image(data)
    node = request.app[NODE]
    folder = media_folder(node)
    folder.mkdir(exist_ok=True)
    file_name = f"{secrets.token_hex(16)}.{EXTENSIONS[facts.media_type]}"
    (folder / file_name).write_bytes(data)
    return await request.app[CLIENT_API].media.add(
        caller.actor.id,
        NewMedia(file_name, facts.media_type, len(data), facts.width, facts.height, description),
    )


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
    media = await store_image(request, caller, data, description)
    return web.json_response(attachment_entity(request.app[NODE].urls.base, media))


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
