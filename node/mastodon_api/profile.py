"""``PATCH /api/v1/accounts/update_credentials``: a resident edits their profile from an
app (name, description, avatar and header image), and the ``Update`` of their actor
goes to their followers.

What this node cannot change is refused by name, never ignored: accounts are not
locked, not bots, always listed, and have no profile fields. An app that sends
those settings as they already are (as profile editors do) goes through.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.errors import Invalid
from moderation.sanitize import text_to_html
from node import social_actions
from node.images import image_attachment, save_image
from node.mastodon_api.auth import require_caller
from node.mastodon_api.common import writer
from node.mastodon_api.params import Params, nest
from node.mastodon_api.serializers import MAX_NAME
from node.mastodon_api.state import CLIENT_API
from node.web.app import NODE, read_multipart

MAX_NOTE = 500
# The settings every account here has, as the Account entity shows them.
FIXED_SETTINGS = {
    "locked": False,
    "bot": False,
    "discoverable": True,
    "indexable": True,
    "hide_collections": False,
}
# Image fields and the ActivityPub property each becomes.
PROFILE_IMAGES = {"avatar": "icon", "header": "image"}


def _check_fixed(params: Params) -> None:
    for name, value in FIXED_SETTINGS.items():
        if name in params.values and params.flag(name) != value:
            raise Invalid(f"Validation failed: {name} cannot be changed on this server")
    # Forms send fields_attributes[0][name]=..., JSON a list of objects.
    fields = params.values.get("fields_attributes")
    entries = list(fields.values()) if isinstance(fields, dict) else fields
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and any(str(v).strip() for v in entry.values()):
            raise Invalid("Validation failed: profile fields are not available on this server")


async def update_credentials(request: web.Request) -> web.Response:
    """``PATCH /api/v1/accounts/update_credentials``."""
    caller = await require_caller(request, "write:accounts")
    files: dict[str, bytes] = {}
    if request.content_type == "multipart/form-data":
        form = await read_multipart(request, frozenset(PROFILE_IMAGES))
        params, files = Params(nest(form.fields.items())), form.files
    else:
        params = await Params.of(request)
    _check_fixed(params)
    actor = caller.actor
    display_name = (params.text("display_name") or actor.display_name).strip()
    if len(display_name) > MAX_NAME:
        raise Invalid(f"Validation failed: Display name is over {MAX_NAME} characters")
    note = params.text("note")
    if note is not None and len(note) > MAX_NOTE:
        raise Invalid(f"Validation failed: Note is over {MAX_NOTE} characters")
    node = request.app[NODE]
    activitypub: dict[str, Any] = dict(actor.properties.get("activitypub", {}))
    for field, data in files.items():
        media = await save_image(node, request.app[CLIENT_API].media, actor.id, data)
        # Taken by the profile, so no post can take it as well.
        await request.app[CLIENT_API].media.attach([media.id], f"{actor.uri}#{field}")
        activitypub[PROFILE_IMAGES[field]] = {
            k: v for k, v in image_attachment(node, media).items() if v is not None
        }
    updated = await social_actions.update_profile(
        node.social_services,
        actor,
        display_name=display_name,
        summary_html=text_to_html(note) if note is not None else actor.summary,
        properties={**actor.properties, "activitypub": activitypub},
    )
    return web.json_response(await writer(request, caller).credential_account(updated))


def register(app: web.Application) -> None:
    """Add the profile editing route."""
    app.router.add_patch("/api/v1/accounts/update_credentials", update_credentials)
