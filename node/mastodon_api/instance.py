"""The instance endpoints (v1 and v2) and the default avatar and header images."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

from aiohttp import web

from moderation.sanitize import html_to_text, text_to_html
from node.clock import iso, utc_now
from node.config import NodeConfig
from node.images import EXTENSIONS, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from node.mastodon_api.marks import MAX_PINNED
from node.mastodon_api.media import MAX_ATTACHMENTS, MAX_DESCRIPTION
from node.mastodon_api.serializers import AVATAR_PATH, HEADER_PATH, api_time
from node.participation.services import ParticipationServices
from node.participation.signup import approval_required, can_sign_up
from node.web.app import NODE, Handler
from node.web.discovery import MASTODON_COMPATIBILITY, software_version

MAX_CHARACTERS = 5000
POLL_LIMITS = {
    "max_options": 4,
    "max_characters_per_option": 50,
    "min_expiration": 300,
    "max_expiration": 2629746,
}
GREEN = (45, 106, 79)
PALE_GREEN = (216, 243, 220)


def compatible_version() -> str:
    """The version string apps parse ("X.Y.Z" decides for Mastodon.py and toot which
    endpoints exist): Mastodon's API level, then ours."""
    return f"{MASTODON_COMPATIBILITY} (compatible; Samenspraak {software_version()})"


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour PNG, so default images need no binary file in the repository."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


async def _counts(request: web.Request) -> tuple[int, int, int]:
    node = request.app[NODE]
    return (
        await node.accounts.count(),
        await node.objects.count_local_posts(),
        await node.actors.count_remote_domains(),
    )


def _streaming_url(base: str) -> str:
    return (
        "wss://" + base.removeprefix("https://")
        if base.startswith("https://")
        else ("ws://" + base.removeprefix("http://"))
    )


async def instance_v1(request: web.Request) -> web.Response:
    """``GET /api/v1/instance``."""
    node = request.app[NODE]
    organisation = await node.organisation()
    users, posts, domains = await _counts(request)
    base = node.urls.base
    return web.json_response(
        {
            "uri": node.urls.host,
            "title": node.config.name,
            "short_description": _about_html(node.config.description, organisation.summary),
            "description": _about_html(node.config.description, organisation.summary),
            "email": "",
            "version": compatible_version(),
            "urls": {"streaming_api": _streaming_url(base)},
            "stats": {"user_count": users, "status_count": posts, "domain_count": domains},
            "thumbnail": base + HEADER_PATH,
            "languages": list(node.config.languages),
            **_registrations_v1(node.participation_services),
            "configuration": _configuration(),
            "contact_account": None,
            "rules": instance_rules(node.config),
        }
    )


def instance_rules(config: NodeConfig) -> list[dict[str, str]]:
    """The node's rules as Mastodon's Rule entities, numbered from 1 in the file's order
    (the ids a report's ``rule_ids`` name)."""
    return [
        {"id": str(number), "text": rule, "hint": ""} for number, rule in enumerate(config.rules, 1)
    ]


async def rules(request: web.Request) -> web.Response:
    """``GET /api/v1/instance/rules``: the rules residents accept when they sign up."""
    return web.json_response(instance_rules(request.app[NODE].config))


def _registrations_v1(services: ParticipationServices) -> dict[str, bool]:
    """Whether apps can open an account here ([accounts] registrations, and [mail] to
    confirm the address), as Mastodon's v1 instance says it."""
    enabled = can_sign_up(services)
    return {
        "registrations": enabled,
        "approval_required": enabled and approval_required(services),
        "invites_enabled": services.config.mail.offered,
    }


def _registrations_v2(services: ParticipationServices) -> dict[str, object]:
    enabled = can_sign_up(services)
    return {
        "enabled": enabled,
        "approval_required": enabled and approval_required(services),
        "message": None,
    }


def _configuration() -> dict[str, object]:
    return {
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": MAX_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": list(EXTENSIONS),
            "image_size_limit": MAX_IMAGE_BYTES,
            "image_matrix_limit": MAX_IMAGE_PIXELS,
            "description_limit": MAX_DESCRIPTION,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": POLL_LIMITS,
    }


async def instance_v2(request: web.Request) -> web.Response:
    """``GET /api/v2/instance``."""
    node = request.app[NODE]
    organisation = await node.organisation()
    users, _, _ = await _counts(request)
    base = node.urls.base
    return web.json_response(
        {
            "domain": node.urls.host,
            "title": node.config.name,
            "version": compatible_version(),
            "source_url": "https://samenspraak.nl/code",
            # Version 2 describes the server in plain text, as Mastodon does.
            "description": node.config.description or html_to_text(organisation.summary),
            "usage": {"users": {"active_month": users}},
            "thumbnail": {"url": base + HEADER_PATH, "blurhash": None, "versions": {}},
            "icon": [],
            "languages": list(node.config.languages),
            "configuration": {
                "urls": {"streaming": _streaming_url(base), "status": None},
                "vapid": {"public_key": ""},
                "accounts": {"max_featured_tags": 0, "max_pinned_statuses": MAX_PINNED},
                **_configuration(),
                "translation": {"enabled": False},
            },
            "registrations": _registrations_v2(node.participation_services),
            "api_versions": {"mastodon": 2},
            "contact": {"email": "", "account": None},
            "rules": instance_rules(node.config),
        }
    )


# Mastodon shows twelve weeks of activity.
ACTIVITY_WEEKS = 12


async def activity(request: web.Request) -> web.Response:
    """``GET /api/v1/instance/activity``: posts, app logins and new accounts per week,
    this week first, counts as strings as Mastodon writes them."""
    accounts = request.app[NODE].accounts
    now = utc_now()
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    weeks = []
    for back in range(ACTIVITY_WEEKS):
        start = monday - timedelta(weeks=back)
        posts, logins, made = await accounts.activity_between(
            iso(start), iso(start + timedelta(weeks=1))
        )
        weeks.append(
            {
                "week": str(int(start.timestamp())),
                "statuses": str(posts),
                "logins": str(logins),
                "registrations": str(made),
            }
        )
    return web.json_response(weeks)


def _about_html(description: str, summary_html: str) -> str:
    """What the node says of itself as HTML, where Mastodon's clients render HTML: the
    administrators' description (typed as text on the settings page) or else the
    organisation's profile text."""
    return text_to_html(description) if description else summary_html


async def extended_description(request: web.Request) -> web.Response:
    """``GET /api/v1/instance/extended_description``: who runs the node, as its about page."""
    node = request.app[NODE]
    organisation = await node.organisation()
    return web.json_response(
        {
            "updated_at": api_time(organisation.created_at),
            "content": _about_html(node.config.description, organisation.summary),
        }
    )


async def translation_languages(request: web.Request) -> web.Response:
    """``GET /api/v1/instance/translation_languages``: none, this node does not translate."""
    return web.json_response({})


async def languages(request: web.Request) -> web.Response:
    """``GET /api/v1/instance/languages``: the languages the node's pages offer."""
    names = {"nl": "Dutch", "en": "English", "fy": "Western Frisian", "de": "German"}
    offered = request.app[NODE].config.languages
    return web.json_response([{"code": code, "name": names.get(code, code)} for code in offered])


def register(app: web.Application) -> None:
    """Add the instance routes and the default images."""
    app.router.add_get("/api/v1/instance/activity", activity)
    app.router.add_get("/api/v1/instance/extended_description", extended_description)
    app.router.add_get("/api/v1/instance/translation_languages", translation_languages)
    app.router.add_get("/api/v1/instance/languages", languages)
    app.router.add_get("/api/v1/instance/rules", rules)
    # Mastodon.py asks with a trailing slash, toot without.
    for path in ("/api/v1/instance", "/api/v1/instance/"):
        app.router.add_get(path, instance_v1)
    for path in ("/api/v2/instance", "/api/v2/instance/"):
        app.router.add_get(path, instance_v2)
    images = {AVATAR_PATH: solid_png(120, 120, GREEN), HEADER_PATH: solid_png(600, 200, PALE_GREEN)}
    for path, image in images.items():
        app.router.add_get(path, _serve_image(image))


def _serve_image(image: bytes) -> Handler:
    async def serve(request: web.Request) -> web.Response:
        return web.Response(
            body=image, content_type="image/png", headers={"Cache-Control": "max-age=86400"}
        )

    return serve
