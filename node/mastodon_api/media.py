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
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from federation.errors import BodyTooLarge, Invalid, NotFound
from node.mastodon_api.auth import Caller, require_caller
from node.mastodon_api.common import numeric_id
from node.mastodon_api.params import Params
from node.mastodon_api.serializers import UPLOADS_PATH, attachment_entity, media_url
from node.mastodon_api.state import CLIENT_API
from node.node import Node
from node.storage.media import MediaRecord, NewMedia
from node.web.app import NODE

MEDIA_FOLDER = "media"
# Mastodon allows 16 MB; a node on a small board keeps it to half that.
MAX_IMAGE_BYTES = 8 * 1024 * 1024
# Mastodon's image_matrix_limit: 7680 x 4320 pixels.
MAX_IMAGE_PIXELS = 33_177_600
MAX_DESCRIPTION = 1500
MAX_ATTACHMENTS = 4
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ImageFacts:
    """What the bytes of an image say it is."""

    media_type: str
    width: int
    height: int


def sniff_image(data: bytes) -> ImageFacts | None:
    """The type and size of a PNG, JPEG, GIF or WebP image, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
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


async def _read_upload(request: web.Request) -> tuple[bytes, str]:
    """The file and the description of a multipart upload, the file read up to the limit."""
    if request.content_type != "multipart/form-data":
        raise Invalid("Validation failed: send the image as multipart/form-data in 'file'")
    reader = await request.multipart()
    data = b""
    description = ""
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file":
            chunks = bytearray()
            while chunk := await part.read_chunk(_CHUNK):
                chunks += chunk
                if len(chunks) > MAX_IMAGE_BYTES:
                    raise BodyTooLarge(
                        f"File is over the limit of {MAX_IMAGE_BYTES // (1024 * 1024)} MB"
                    )
            data = bytes(chunks)
        elif part.name == "description":
            description = (await part.read(decode=True)).decode("utf-8", "replace")
    if not data:
        raise Invalid("Validation failed: File can't be blank")
    return data, description


async def upload(request: web.Request) -> web.Response:
    """``POST /api/v2/media`` and ``/api/v1/media``: store an image, not yet in a post."""
    caller = await require_caller(request, "write:media")
    data, description_text = await _read_upload(request)
    description = describe(description_text)
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
    node = request.app[NODE]
    folder = media_folder(node)
    folder.mkdir(exist_ok=True)
    file_name = f"{secrets.token_hex(16)}.{EXTENSIONS[facts.media_type]}"
    (folder / file_name).write_bytes(data)
    media = await request.app[CLIENT_API].media.add(
        caller.actor.id,
        NewMedia(file_name, facts.media_type, len(data), facts.width, facts.height, description),
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


async def serve(request: web.Request) -> web.StreamResponse:
    """``GET /media/uploads/:name``: an uploaded image, by the name the node gave it."""
    node = request.app[NODE]
    name = request.match_info["name"]
    media = await request.app[CLIENT_API].media.by_file(name)
    if media is None:
        raise NotFound(f"no uploaded file {name}")
    return web.FileResponse(
        media_folder(node) / media.file_name,
        headers={"Content-Type": media.media_type, "Cache-Control": "max-age=604800"},
    )


def register(app: web.Application) -> None:
    """Add the media routes."""
    app.router.add_post("/api/v2/media", upload)
    app.router.add_post("/api/v1/media", upload)
    app.router.add_get("/api/v1/media/{id}", show)
    app.router.add_put("/api/v1/media/{id}", update)
    app.router.add_get(UPLOADS_PATH + "{name}", serve)
