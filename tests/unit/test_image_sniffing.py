"""Uploads are typed and measured from their own bytes, never from what the app claims."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.images import ImageFacts, sniff_image
from node.mastodon_api.instance import solid_png


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc2" + struct.pack(">HBHH", 17, 8, height, width) + bytes(12)
    return b"\xff\xd8" + app0 + frame + b"\xff\xd9"


def webp_vp8x(width: int, height: int) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + bytes(4)
    body += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


@pytest.mark.parametrize(
    ("data", "facts"),
    [
        (solid_png(40, 30, (1, 2, 3)), ImageFacts("image/png", 40, 30)),
        (b"GIF89a" + struct.pack("<HH", 320, 200) + bytes(8), ImageFacts("image/gif", 320, 200)),
        (jpeg(1024, 768), ImageFacts("image/jpeg", 1024, 768)),
        (webp_vp8x(2000, 1500), ImageFacts("image/webp", 2000, 1500)),
    ],
)
def test_images_are_recognised_with_their_size(data: bytes, facts: ImageFacts) -> None:
    assert sniff_image(data) == facts


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"%PDF-1.7",
        b"\xff\xd8" + b"\x00" * 20,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00",
        b"GIF89a\x01",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"",
    ],
)
def test_anything_else_is_not_an_image(data: bytes) -> None:
    assert sniff_image(data) is None


@given(
    prefix=st.sampled_from(
        [
            b"",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
            b"GIF89a",
            b"\xff\xd8",
            b"RIFF\x00\x00\x00\x00WEBP",
        ]
    ),
    rest=st.binary(max_size=64),
)
def test_any_bytes_are_an_image_or_none_never_an_error(prefix: bytes, rest: bytes) -> None:
    facts = sniff_image(prefix + rest)
    assert facts is None or facts.media_type.startswith("image/")
