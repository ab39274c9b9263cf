"""Statuses: post (with replies, mentions and Idempotency-Key), read, delete, context,
favourite (a support, for proposals) and boost."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from federation.errors import FetchError, Invalid, NotFound, Refused
from federation.webfinger import actor_id_for_handle
from moderation.sanitize import html_to_text, text_to_html
from node import social_actions
from node.images import image_attachment
from node.mastodon_api.auth import Caller, optional_caller, require_caller
from node.mastodon_api.common import visible_record, visible_records, writer
from node.mastodon_api.instance import MAX_CHARACTERS
from node.mastodon_api.media import describe, media_for_post, remove_media
from node.mastodon_api.params import Params
from node.mastodon_api.state import CLIENT_API
from node.node import Node
from node.participation.supports import support, withdraw_support
from node.storage.media import MediaRecord
from node.storage.objects import ObjectRecord
from node.web.app import NODE

# @name or @name@host, not inside a word, an e-mail address or a URL path.
MENTION = re.compile(r"(?<![\w@/.])@([\w.\-]+)(?:@([\w\-]+(?:\.[\w\-]+)*(?::\d+)?))?", re.ASCII)
MAX_CONTEXT_DEPTH = 40
# A BCP 47 language tag as apps send it: nl, en, fy, pt-BR.
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


@dataclass(frozen=True)
class Mentioned:
    """A handle in a post's text and the actor it names."""

    text: str
    uri: str
    profile: str
    name: str


async def _resolve_mention(node: Node, name: str, host: str | None) -> Mentioned | None:
    own = node.urls.host.lower()
    text = f"@{name}@{host}" if host else f"@{name}"
    if host is None or host.lower() == own:
        local = await node.actors.by_username(name)
        if local is None:
            return None
        return Mentioned(text, local.uri, node.urls.profile_page(local.username), name)
    remote = await node.actors.remote_actor_by_handle(name, host.lower())
    if remote is None:
        try:
            uri = await actor_id_for_handle(
                node.transport,
                await node.actors.instance_signer(),
                name,
                host.lower(),
                scheme="http" if node.config.dev else "https",
            )
            remote = await node.resolver.get(uri)
        except FetchError:
            return None
    document = await node.actors.remote_document(remote.uri) or {}
    profile = document.get("url") if isinstance(document.get("url"), str) else remote.uri
    return Mentioned(text, remote.uri, str(profile), name)


async def mentions_in(node: Node, text: str) -> list[Mentioned]:
    """The actors a post's text mentions, resolved (through WebFinger when new)."""
    found: dict[str, Mentioned] = {}
    for match in MENTION.finditer(text):
        mentioned = await _resolve_mention(node, match[1], match[2])
        if mentioned is not None:
            found.setdefault(mentioned.text, mentioned)
    return list(found.values())


def with_mention_links(html_text: str, mentions: list[Mentioned]) -> str:
    """Turn mentioned handles into the links Mastodon writes for them."""
    by_text = {m.text.lower(): m for m in mentions}

    def link(match: re.Match[str]) -> str:
        mentioned = by_text.get(match[0].lower())
        if mentioned is None:
            return match[0]
        return (
            f'<span class="h-card"><a href="{mentioned.profile}" class="u-url mention">'
            f"@<span>{mentioned.name}</span></a></span>"
        )

    return MENTION.sub(link, html_text)


async def create(request: web.Request) -> web.Response:
    """``POST /api/v1/statuses``."""
    caller = await require_caller(request, "write:statuses")
    node = request.app[NODE]
    api = request.app[CLIENT_API]
    params = await Params.of(request)
    key = request.headers.get("Idempotency-Key")
    if key:
        earlier = await api.idempotency.earlier(caller.actor.id, key)
        record = await node.objects.record(earlier) if earlier else None
        if record is not None:
            return web.json_response(await writer(request, caller).status(record))
    composed = await compose(request, caller, params)
    visibility = params.text("visibility") or "public"
    if visibility not in ("public", "unlisted", "private"):
        raise Invalid(
            f"Validation failed: visibility {visibility!r} is not supported here;"
            " use public, unlisted or private"
        )
    parent = None
    reply_id = params.text("in_reply_to_id")
    if reply_id:
        parent = await visible_record(request, caller, int(reply_id) if reply_id.isdigit() else 0)
    mentions = composed.mentions
    extra = {
        **{k: v for k, v in composed.properties.items() if v is not None},
        **({"attachment": composed.attachments} if composed.attachments else {}),
    }
    note = await social_actions.post_note(
        node.social_services,
        caller.actor,
        composed.html,
        in_reply_to=parent.uri if parent else None,
        mentions=[m.uri for m in mentions],
        extra=extra,
        public=visibility != "private",
    )
    await api.media.attach([m.id for m in composed.media], note["id"])
    # Local recipients hear of it here; remote ones from their own inbox.
    addressed = {m.uri for m in mentions}
    if parent is not None and parent.attributed_to:
        addressed.add(parent.attributed_to)
    for recipient in sorted(addressed):
        await api.notifications.notify("mention", recipient, caller.actor.uri, note["id"])
    if key:
        await api.idempotency.remember(caller.actor.id, key, note["id"])
    record = await node.objects.record(note["id"])
    assert record is not None
    return web.json_response(await writer(request, caller).status(record))


@dataclass(frozen=True)
class Composed:
    """A post's text, mentions, content warning and images as an app sent them."""

    html: str
    mentions: list[Mentioned]
    # What the Note says besides its content: summary and sensitive (the content
    # warning) and contentMap (its language), each None where the post has none.
    properties: dict[str, object]
    media: list[MediaRecord]
    attachments: list[dict[str, object]]


async def compose(
    request: web.Request,
    caller: Caller,
    params: Params,
    editing: str | None = None,
    keeps_media: bool = False,
    language: str | None = None,
) -> Composed:
    """Read and check what a new or edited post says; images come from ``media_ids[]``.
    Text may be blank when the post has images (``keeps_media``: those it had); the
    language is the app's ``language``, else ``language`` (an edited post's)."""
    node = request.app[NODE]
    text = (params.text("status") or "").strip()
    if params.section("poll") is not None:
        raise Invalid(
            "Validation failed: polls are opened by processes when a proposal goes to the"
            " vote; a post cannot carry one"
        )
    if params.text("scheduled_at"):
        # Posting at once what was meant for later would be worse than refusing.
        raise Invalid("Validation failed: scheduling posts is not available on this server")
    media = await media_for_post(request, caller, params.texts("media_ids"), editing)
    if not text and not media and not keeps_media:
        raise Invalid("Validation failed: Text can't be blank")
    if len(text) > MAX_CHARACTERS:
        raise Invalid(f"Validation failed: Text is over {MAX_CHARACTERS} characters")
    mentions = await mentions_in(node, text)
    await _images_described_for_processes(node, media, mentions)
    spoiler = (params.text("spoiler_text") or "").strip()
    warned = params.flag("sensitive") or bool(spoiler)
    language = params.text("language") or language
    if language is not None and not LANGUAGE.fullmatch(language):
        raise Invalid(f"Validation failed: {language!r} is not a language code such as nl")
    html = with_mention_links(text_to_html(text), mentions) if text else ""
    return Composed(
        html=html,
        mentions=mentions,
        properties={
            "sensitive": True if warned else None,
            "summary": spoiler if warned else None,
            "contentMap": {language: html} if language else None,
        },
        media=media,
        attachments=[image_attachment(node, m) for m in media],
    )


async def _images_described_for_processes(
    node: Node, media: list[MediaRecord], mentions: list[Mentioned]
) -> None:
    """A post to a process (a proposal or a comment) is read by every resident, so each of
    its images needs the description a screen reader says, as on the proposal form; apps
    show the reason and keep the draft."""
    if all(m.description for m in media):
        return
    for mentioned in mentions:
        if await node.participation_store.get_process(mentioned.uri) is not None:
            raise Invalid(
                "Validation failed: describe every image for people who cannot see it"
                f" (its alt text) before posting to {mentioned.name}"
            )


async def own_record(request: web.Request, caller: Caller) -> ObjectRecord:
    """The caller's own live post with the id in the path; 404 for anyone else's."""
    record = await visible_record(request, caller)
    if record.attributed_to != caller.actor.uri or not record.local:
        raise NotFound("Record not found")
    return record


async def edit(request: web.Request) -> web.Response:
    """``PUT /api/v1/statuses/:id``: edit one's own post; the ``Update`` goes to everyone
    who had it. Attachments are replaced only when ``media_ids`` is sent (as Mastodon
    does), and ``media_attributes`` change the alt text of uploads."""
    caller = await require_caller(request, "write:statuses")
    node = request.app[NODE]
    api = request.app[CLIENT_API]
    record = await own_record(request, caller)
    params = await Params.of(request)
    await _describe_media(request, caller, params, record.uri)
    if "media_attributes" in params.values and "media_ids" not in params.values:
        # New alt text goes out with the images the post has.
        kept = await api.media.attached_to(record.uri)
        params = Params({**params.values, "media_ids": [str(m.id) for m in kept]})
    replaces_media = "media_ids" in params.values
    composed = await compose(
        request,
        caller,
        params,
        editing=record.uri,
        keeps_media=not replaces_media and bool(record.document.get("attachment")),
        language=next(iter(record.document.get("contentMap") or {}), None),
    )
    changes = dict(composed.properties)
    if replaces_media:
        changes["attachment"] = composed.attachments or None
    await social_actions.edit_note(
        node.social_services,
        caller.actor,
        record.uri,
        composed.html,
        mentions=[m.uri for m in composed.mentions],
        changes=changes,
    )
    await api.media.attach([m.id for m in composed.media], record.uri)
    # Who favourited or boosted it hears of the edit, as on Mastodon.
    reacted = [
        *await node.reactions.likes_of(record.uri),
        *await node.reactions.announces_of(record.uri),
    ]
    for someone in dict.fromkeys(reacted):
        await api.notifications.notify("update", someone, caller.actor.uri, record.uri)
    edited = await node.objects.record(record.uri)
    assert edited is not None
    return web.json_response(await writer(request, caller).status(edited))


async def _describe_media(
    request: web.Request, caller: Caller, params: Params, object_id: str
) -> None:
    attributes = params.values.get("media_attributes")
    for item in attributes if isinstance(attributes, list) else []:
        section = Params(item) if isinstance(item, dict) else None
        media_id = section.text("id") if section else None
        if section is None or media_id is None:
            continue
        await media_for_post(request, caller, [media_id], object_id)
        await request.app[CLIENT_API].media.describe(
            int(media_id), describe(section.text("description"))
        )


async def history(request: web.Request) -> web.Response:
    """``GET /api/v1/statuses/:id/history``: every version of a post, oldest first."""
    caller = await optional_caller(request)
    record = await visible_record(request, caller)
    entities = writer(request, caller)
    versions = [*await request.app[NODE].objects.edits_of(record.uri), record.document]
    return web.json_response([await entities.version(record, v) for v in versions])


async def source(request: web.Request) -> web.Response:
    """``GET /api/v1/statuses/:id/source``: what the edit form starts from."""
    caller = await require_caller(request, "read:statuses")
    record = await own_record(request, caller)
    summary = record.document.get("summary")
    return web.json_response(
        {
            "id": str(record.row_id),
            "text": html_to_text(record.content or ""),
            "spoiler_text": summary if isinstance(summary, str) else "",
        }
    )


async def several(request: web.Request) -> web.Response:
    """``GET /api/v1/statuses?id[]=``: several posts at once; unknown or hidden ones are
    left out."""
    caller = await optional_caller(request)
    node = request.app[NODE]
    uris = []
    for value in (await Params.of(request)).texts("id")[:40]:
        record = await node.objects.record_by_row_id(int(value)) if value.isdigit() else None
        if record is not None:
            uris.append(record.uri)
    entities = writer(request, caller)
    records = await visible_records(request, caller, uris)
    return web.json_response([await entities.status(r) for r in records])


async def show(request: web.Request) -> web.Response:
    """``GET /api/v1/statuses/:id``."""
    caller = await optional_caller(request)
    record = await visible_record(request, caller)
    return web.json_response(await writer(request, caller).status(record))


async def delete(request: web.Request) -> web.Response:
    """``DELETE /api/v1/statuses/:id``: delete one's own post; answer with it, text and
    images included. ``delete_media=true`` deletes its images too."""
    caller = await require_caller(request, "write:statuses")
    record = await visible_record(request, caller)
    if record.attributed_to != caller.actor.uri:
        raise NotFound("Record not found")
    entity = await writer(request, caller).status(record)
    node = request.app[NODE]
    await social_actions.delete_note(node.social_services, caller.actor, record.uri)
    if (await Params.of(request)).flag("delete_media"):
        await remove_media(node, request.app[CLIENT_API].media, record.uri)
    else:
        # As Mastodon: the images stay for a redraft of the post.
        await request.app[CLIENT_API].media.release(record.uri)
    return web.json_response(entity)


async def context(request: web.Request) -> web.Response:
    """``GET /api/v1/statuses/:id/context``: ancestors (oldest first) and descendants."""
    caller = await optional_caller(request)
    node = request.app[NODE]
    record = await visible_record(request, caller)
    ancestors: list[ObjectRecord] = []
    current = record
    while current.in_reply_to and len(ancestors) < MAX_CONTEXT_DEPTH:
        parent = await node.objects.record(current.in_reply_to)
        if parent is None or parent.deleted_at is not None:
            break
        ancestors.insert(0, parent)
        current = parent
    descendants: list[ObjectRecord] = []
    queue = [record.uri]
    while queue and len(descendants) < 4 * MAX_CONTEXT_DEPTH:
        replies = [r for r in await node.objects.replies_to(queue.pop(0)) if r.deleted_at is None]
        descendants += replies
        queue += [r.uri for r in replies]
    entities = writer(request, caller)
    return web.json_response(
        {
            "ancestors": [await entities.status(r) for r in ancestors],
            "descendants": [await entities.status(r) for r in descendants],
        }
    )


async def favourite(request: web.Request) -> web.Response:
    """``POST /api/v1/statuses/:id/favourite``: a like, or a support of a proposal."""
    caller = await require_caller(request, "write:favourites")
    node = request.app[NODE]
    record = await visible_record(request, caller)
    if caller.actor.uri not in await node.reactions.likes_of(record.uri):
        if await node.participation_store.get_proposal(record.uri) is not None:
            await support(node.participation_services, caller.actor, record.uri)
        else:
            await social_actions.like(node.social_services, caller.actor, record.uri)
        if record.attributed_to:
            await request.app[CLIENT_API].notifications.notify(
                "favourite", record.attributed_to, caller.actor.uri, record.uri
            )
    return web.json_response(await writer(request, caller).status(record))


async def unfavourite(request: web.Request) -> web.Response:
    """``POST /api/v1/statuses/:id/unfavourite``: undo a like or withdraw a support."""
    caller = await require_caller(request, "write:favourites")
    node = request.app[NODE]
    record = await visible_record(request, caller)
    if caller.actor.uri in await node.reactions.likes_of(record.uri):
        if await node.participation_store.get_proposal(record.uri) is not None:
            await withdraw_support(node.participation_services, caller.actor, record.uri)
        else:
            await social_actions.unlike(node.social_services, caller.actor, record.uri)
    return web.json_response(await writer(request, caller).status(record))


async def reblog(request: web.Request) -> web.Response:
    """``POST /api/v1/statuses/:id/reblog``: boost a public post to one's followers."""
    caller = await require_caller(request, "write:statuses")
    node = request.app[NODE]
    record = await visible_record(request, caller)
    if not record.public:
        raise Refused("Followers-only posts cannot be boosted")
    if caller.actor.uri not in await node.reactions.announces_of(record.uri):
        await social_actions.announce(node.social_services, caller.actor, record.uri)
        if record.attributed_to:
            await request.app[CLIENT_API].notifications.notify(
                "reblog", record.attributed_to, caller.actor.uri, record.uri
            )
    return web.json_response(await writer(request, caller).reblog(record, caller.actor.uri))


async def unreblog(request: web.Request) -> web.Response:
    """``POST /api/v1/statuses/:id/unreblog``: take a boost back."""
    caller = await require_caller(request, "write:statuses")
    node = request.app[NODE]
    record = await visible_record(request, caller)
    if caller.actor.uri in await node.reactions.announces_of(record.uri):
        await social_actions.unannounce(node.social_services, caller.actor, record.uri)
    return web.json_response(await writer(request, caller).status(record))


async def reacted_by(request: web.Request) -> web.Response:
    """``GET /api/v1/statuses/:id/favourited_by`` and ``/reblogged_by``."""
    caller = await optional_caller(request)
    node = request.app[NODE]
    record = await visible_record(request, caller)
    if request.path.endswith("/favourited_by"):
        actors = await node.reactions.likes_of(record.uri)
    else:
        actors = await node.reactions.announces_of(record.uri)
    entities = writer(request, caller)
    return web.json_response([await entities.account(a) for a in actors[:80]])


def register(app: web.Application) -> None:
    """Add the status routes."""
    app.router.add_post("/api/v1/statuses", create)
    app.router.add_get("/api/v1/statuses", several)
    app.router.add_get("/api/v1/statuses/{id}", show)
    app.router.add_delete("/api/v1/statuses/{id}", delete)
    app.router.add_put("/api/v1/statuses/{id}", edit)
    app.router.add_get("/api/v1/statuses/{id}/history", history)
    app.router.add_get("/api/v1/statuses/{id}/source", source)
    app.router.add_get("/api/v1/statuses/{id}/context", context)
    app.router.add_post("/api/v1/statuses/{id}/favourite", favourite)
    app.router.add_post("/api/v1/statuses/{id}/unfavourite", unfavourite)
    app.router.add_post("/api/v1/statuses/{id}/reblog", reblog)
    app.router.add_post("/api/v1/statuses/{id}/unreblog", unreblog)
    app.router.add_get("/api/v1/statuses/{id}/favourited_by", reacted_by)
    app.router.add_get("/api/v1/statuses/{id}/reblogged_by", reacted_by)
