"""Images residents upload, from an app (``node/mastodon_api/media.py``) or with a
proposal on the node's pages: what their bytes say they are, where their files go,
and how a post carries them.

An image's type is what its first bytes say, never what the sender claims, and only
still images that browsers show everywhere are taken. The file goes to the node's
``media`` folder under a random name and is served at ``UPLOADS_PATH``; a post
carries it as an ``Image`` attachment with its ``mediaType`` and alt text as ``name``.
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from federation.errors import Invalid
from node.node import Node
from node.storage.media import MediaRecord, MediaRepository, NewMedia

UPLOADS_PATH = "/media/uploads/"
MEDIA_FOLDER = "media"
# Mastodon allows 16 MB; a node on a small board keeps it to half that.
MAX_IMAGE_BYTES = 8 * 1024 * 1024
# Mastodon's image_matrix_limit: 7680 x 4320 pixels.
MAX_IMAGE_PIXELS = 33_177_600
# Mastodon's limit for alt text.
MAX_DESCRIPTION = 1500
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


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


def media_url(base: str, file_name: str) -> str:
    """The address an uploaded file is served at."""
    return base + UPLOADS_PATH + file_name


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


def checked_image(data: bytes) -> ImageFacts:
    """What an uploaded image is; refused when it is no image we take, or too large."""
    facts = sniff_image(data)
    if facts is None or facts.width == 0 or facts.height == 0:
        raise Invalid(
            "Validation failed: File is not a PNG, JPEG, GIF or WebP image this server can read",
            code="image_unreadable",
        )
    if facts.width * facts.height > MAX_IMAGE_PIXELS:
        raise Invalid(
            f"Validation failed: Image of {facts.width}x{facts.height} pixels is over the"
            f" limit of {MAX_IMAGE_PIXELS} pixels",
            code="image_too_large",
            values={"width": facts.width, "height": facts.height},
        )
    return facts


async def save_image(
    node: Node, media: MediaRepository, actor_id: int, data: bytes, description: str = ""
) -> MediaRecord:
    """Write a checked image of ``actor_id``'s to the node's media folder and record it,
    in no post yet."""
    facts = checked_image(data)
    folder = media_folder(node)
    folder.mkdir(exist_ok=True)
    file_name = f"{secrets.token_hex(16)}.{EXTENSIONS[facts.media_type]}"
    (folder / file_name).write_bytes(data)
    return await media.add(
        actor_id,
        NewMedia(file_name, facts.media_type, len(data), facts.width, facts.height, description),
    )
