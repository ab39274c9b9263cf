"""Mastodon entities (Account, Status, Poll, Notification, Relationship) from what the node stores.

One ``EntityWriter`` serves one request, so the same author on a page is looked
up once. Field shapes follow docs.joinmastodon.org/entities; apps break on a
missing ``mentions`` list, an empty ``avatar`` or a timestamp without
milliseconds, so those are always present.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from activitypub.vocabulary import (
    PUBLIC_ALIASES,
    ASObject,
    Attachment,
    VocabularyError,
    as_list,
    parse_actor,
    parse_object,
)
from federation.actors import host_of
from moderation.actions import hidden_notice_html
from moderation.sanitize import html_to_text, plain_text, sanitize_html, text_to_html
from node.clock import utc_now
from node.images import UPLOADS_PATH, media_url
from node.mastodon_api.state import ClientApi
from node.node import Node
from node.participation.own_acts import own_vote, support_shown
from node.storage.actors import LocalActor
from node.storage.media import MediaRecord
from node.storage.notifications import Notification
from node.storage.objects import ObjectRecord

AVATAR_PATH = "/media/avatar.png"
HEADER_PATH = "/media/header.png"
BOT_TYPES = frozenset({"Application", "Service"})
GROUP_TYPES = frozenset({"Group", "Organization"})
# Mastodon's limit for display names.
MAX_NAME = 30
# A content warning is a line, not a post: longer ones are cut.
MAX_SPOILER = 500


def parse_time(timestamp: str | None) -> datetime | None:
    """A timestamp as an aware UTC datetime, or None when it is missing or unreadable."""
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def api_time(timestamp: str | None) -> str | None:
    """An ActivityStreams timestamp as Mastodon writes it: UTC with milliseconds."""
    moment = parse_time(timestamp)
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def visibility_of(obj: ASObject, followers: str | None) -> str:
    """public, unlisted, private (followers only) or direct, from the addressing."""
    if any(a in PUBLIC_ALIASES for a in obj.to):
        return "public"
    if any(a in PUBLIC_ALIASES for a in obj.cc):
        return "unlisted"
    if followers is not None and followers in (*obj.to, *obj.cc):
        return "private"
    return "direct"


class EntityWriter:
    """Writes client API entities for one viewer (None when anonymous)."""

    def __init__(self, node: Node, api: ClientApi, viewer: LocalActor | None) -> None:
        self._node = node
        self._api = api
        self._viewer = viewer
        self._accounts: dict[str, dict[str, Any]] = {}

    async def account(self, uri: str) -> dict[str, Any]:
        """The Account entity of a local or remote actor."""
        if uri not in self._accounts:
            local = await self._node.actors.by_uri(uri)
            if local is not None:
                self._accounts[uri] = await self._local_account(local)
            else:
                self._accounts[uri] = await self._remote_account(uri)
        return self._accounts[uri]

    async def credential_account(self, actor: LocalActor) -> dict[str, Any]:
        """The caller's own Account with its ``source`` (what the profile editor shows)."""
        account = dict(await self.account(actor.uri))
        account["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": self._node.config.language,
            "note": html_to_text(actor.summary),
            "fields": [],
            "follow_requests_count": 0,
        }
        return account

    async def _local_account(self, actor: LocalActor) -> dict[str, Any]:
        urls = self._node.urls
        properties = actor.properties.get("activitypub", {})
        return await self._account_entity(
            uri=actor.uri,
            username=actor.username,
            acct=actor.username,
            display_name=actor.display_name,
            note=actor.summary if "<" in actor.summary else text_to_html(actor.summary),
            url=urls.profile_page(actor.username),
            as_type=actor.as_type,
            created_at=actor.created_at,
            icon=properties.get("icon"),
            image=properties.get("image"),
            followers=len(await self._node.follows.followers_of(actor.uri)),
            following=len(await self._node.follows.following_of(actor.uri)),
        )

    async def _remote_account(self, uri: str) -> dict[str, Any]:
        cached = await self._node.actors.remote_actor(uri)
        document = await self._node.actors.remote_document(uri)
        try:
            actor = parse_actor(document) if document else None
        except VocabularyError:
            actor = None
        username = cached.username if cached else uri.rstrip("/").rsplit("/", 1)[-1]
        domain = cached.domain if cached else host_of(uri)
        published = document.get("published") if document else None
        return await self._account_entity(
            uri=uri,
            username=username,
            acct=f"{username}@{domain}",
            # Profiles are stored as fetched: make them safe to show here.
            display_name=plain_text(actor.name, MAX_NAME) if actor and actor.name else username,
            note=sanitize_html(actor.summary) if actor and actor.summary else "",
            url=actor.url if actor and actor.url else uri,
            as_type=actor.type if actor else "Person",
            created_at=published if isinstance(published, str) else None,
            icon=actor.icon if actor else None,
            image=document.get("image") if document else None,
            followers=0,
            following=0,
        )

    async def _account_entity(
        self,
        *,
        uri: str,
        username: str,
        acct: str,
        display_name: str,
        note: str,
        url: str,
        as_type: str,
        created_at: str | None,
        icon: Any,
        image: Any,
        followers: int,
        following: int,
    ) -> dict[str, Any]:
        base = self._node.urls.base
        avatar = _image_url(icon) or base + AVATAR_PATH
        header = _image_url(image) or base + HEADER_PATH
        return {
            "id": str(await self._api.account_ids.id_for(uri)),
            "username": username,
            "acct": acct,
            "display_name": display_name,
            "locked": False,
            "bot": as_type in BOT_TYPES,
            "discoverable": True,
            "indexable": True,
            "group": as_type in GROUP_TYPES,
            "created_at": api_time(created_at) or "1970-01-01T00:00:00.000Z",
            "note": note,
            "url": url,
            "uri": uri,
            "avatar": avatar,
            "avatar_static": avatar,
            "header": header,
            "header_static": header,
            "followers_count": followers,
            "following_count": following,
            "statuses_count": await self._api.timelines.count_by_author(uri),
            "last_status_at": None,
            "hide_collections": False,
            "noindex": False,
            "emojis": [],
            "roles": [],
            "fields": [],
        }

    async def status(self, record: ObjectRecord) -> dict[str, Any]:
        """The Status entity of a stored post."""
        obj = parse_object(record.document)
        author = record.attributed_to or obj.attributed_to or record.uri
        followers = None
        local_author = await self._node.actors.by_uri(author)
        if local_author is not None:
            followers = self._node.urls.followers(local_author.username)
        elif (document := await self._node.actors.remote_document(author)) is not None:
            followers = _followers_of(document)
        parent = await self._node.objects.record(record.in_reply_to) if record.in_reply_to else None
        likes = await self._node.reactions.likes_of(record.uri)
        announces = await self._node.reactions.announces_of(record.uri)
        viewer = self._viewer.uri if self._viewer else None
        favourites, favourited = len(likes), viewer in likes
        proposal = await self._node.participation_store.get_proposal(record.uri)
        if proposal is not None:
            # A proposal's favourites are its supports, as its process counts them.
            shown = await support_shown(self._node.participation_services, proposal, viewer)
            favourites, favourited = shown.count, shown.given or favourited
        content = record.content or ""
        if record.name and record.as_type != "Note" and record.name not in content:
            content = f"<p><strong>{html.escape(record.name)}</strong></p>{content}"
        if record.hidden_reason:
            content = hidden_notice_html(record.hidden_reason)
        spoiler_text = plain_text(obj.summary, MAX_SPOILER) if obj.summary else ""
        return {
            "id": str(record.row_id),
            "uri": record.uri,
            "url": record.url or record.uri,
            "created_at": api_time(record.published),
            "edited_at": api_time(record.updated) if record.updated != record.published else None,
            "account": await self.account(author),
            "content": content,
            "text": html_to_text(content) if record.local else None,
            "visibility": visibility_of(obj, followers),
            # As Mastodon: the summary is the content warning, and makes the post sensitive.
            "sensitive": obj.sensitive or bool(spoiler_text),
            "spoiler_text": spoiler_text,
            "language": obj.language,
            "in_reply_to_id": str(parent.row_id) if parent else None,
            "in_reply_to_account_id": (
                str(await self._api.account_ids.id_for(parent.attributed_to))
                if parent and parent.attributed_to
                else None
            ),
            "replies_count": await self._api.timelines.reply_count(record.uri),
            "reblogs_count": len(announces),
            "favourites_count": favourites,
            "favourited": favourited,
            "reblogged": viewer in announces,
            **await self._viewer_marks(record),
            "reblog": None,
            "application": None,
            # A post moderators hid shows their reason, not its images.
            "media_attachments": (
                [] if record.hidden_reason else await self._attachments(record, obj)
            ),
            "mentions": [await self._mention(href) for href in obj.mentions],
            "tags": [
                {"name": name, "url": f"{self._node.urls.base}/tags/{name}"}
                for name in obj.hashtags
            ],
            "emojis": [],
            "card": None,
            "poll": await self.poll(record) if record.as_type == "Question" else None,
            "filtered": [],
        }

    async def version(self, record: ObjectRecord, document: dict[str, Any]) -> dict[str, Any]:
        """A StatusEdit entity: one version of a post, as it read then."""
        obj = parse_object(document)
        spoiler_text = plain_text(obj.summary, MAX_SPOILER) if obj.summary else ""
        return {
            "content": obj.content or "",
            "spoiler_text": spoiler_text,
            "sensitive": obj.sensitive or bool(spoiler_text),
            "created_at": api_time(obj.updated or obj.published),
            "account": await self.account(record.attributed_to or obj.attributed_to or ""),
            "poll": None,
            "media_attachments": await self._attachments(record, obj),
            "emojis": [],
        }

    async def _attachments(self, record: ObjectRecord, obj: ASObject) -> list[dict[str, Any]]:
        """A post's media; images uploaded here keep the ids their upload had."""
        uploads = self._node.urls.base + UPLOADS_PATH
        found = []
        for index, a in enumerate(obj.attachments):
            if a.type not in ("Document", "Image", "Video", "Audio") or not a.url:
                continue
            media = (
                await self._api.media.by_file(a.url.removeprefix(uploads))
                if record.local and a.url.startswith(uploads)
                else None
            )
            if media is not None:
                found.append(attachment_entity(self._node.urls.base, media))
            else:
                found.append(_attachment(index, record.row_id, a))
        return found

    async def _viewer_marks(self, record: ObjectRecord) -> dict[str, bool]:
        """Whether the viewer bookmarked or pinned the post, or muted its thread."""
        if self._viewer is None:
            return {"muted": False, "bookmarked": False, "pinned": False}
        marks = self._api.marks
        own = await marks.marks_on(self._viewer.id, record.uri)
        root = await self._node.objects.thread_root(record.uri)
        in_thread = own if root == record.uri else await marks.marks_on(self._viewer.id, root)
        muted = "mute" in in_thread
        return {"muted": muted, "bookmarked": "bookmark" in own, "pinned": "pin" in own}

    async def reblog(self, record: ObjectRecord, booster: str) -> dict[str, Any]:
        """The Status of a boost, wrapping the boosted post (boosts have no rows of their own,
        so the wrapper shares the post's id)."""
        inner = await self.status(record)
        return {
            **inner,
            "uri": record.uri,
            "account": await self.account(booster),
            "content": "",
            "reblog": inner,
            "mentions": [],
            "media_attachments": [],
            "poll": None,
        }

    async def _mention(self, href: str) -> dict[str, Any]:
        account = await self.account(href)
        return {
            "id": account["id"],
            "username": account["username"],
            "url": account["url"],
            "acct": account["acct"],
        }

    async def poll(self, record: ObjectRecord) -> dict[str, Any]:
        """The Poll entity of a Question: its options with their current counts."""
        document = record.document
        multiple = "anyOf" in document
        options = []
        for choice in as_list(document.get("anyOf" if multiple else "oneOf")):
            if isinstance(choice, dict) and isinstance(choice.get("name"), str):
                replies = choice.get("replies")
                count = replies.get("totalItems") if isinstance(replies, dict) else None
                options.append(
                    {"title": choice["name"], "votes_count": count if isinstance(count, int) else 0}
                )
        closed = document.get("closed")
        end_time = document.get("endTime") if isinstance(document.get("endTime"), str) else None
        expires = closed if isinstance(closed, str) else end_time
        deadline = parse_time(expires)
        expired = closed is not None or (deadline is not None and deadline <= utc_now())
        voters = document.get("votersCount")
        own: list[int] = []
        if self._viewer is not None:
            chosen = await own_vote(self._node.participation_services, record.uri, self._viewer.uri)
            own = [i for i, o in enumerate(options) if o["title"] == chosen]
        return {
            "id": str(record.row_id),
            "expires_at": api_time(expires),
            "expired": expired,
            "multiple": multiple,
            "votes_count": sum(o["votes_count"] for o in options),
            "voters_count": voters if isinstance(voters, int) else None,
            "voted": bool(own),
            "own_votes": own,
            "options": options,
            "emojis": [],
        }

    async def notification(self, notification: Notification) -> dict[str, Any] | None:
        """The Notification entity, or None when its post is gone or its thread muted."""
        entity: dict[str, Any] = {
            "id": str(notification.id),
            "type": notification.type,
            "created_at": api_time(notification.created_at),
            "group_key": f"ungrouped-{notification.id}",
            "account": await self.account(notification.actor),
            "status": None,
        }
        if notification.object is not None:
            record = await self._node.objects.record(notification.object)
            if record is None or record.deleted_at is not None:
                return None
            entity["status"] = await self.status(record)
            # A muted conversation notifies nobody of what happens in it.
            if entity["status"]["muted"]:
                return None
        return entity

    async def relationship(self, uri: str) -> dict[str, Any]:
        """How the viewer and an actor relate."""
        assert self._viewer is not None
        follows = self._node.follows
        outgoing = await follows.follow_between(self._viewer.uri, uri)
        incoming = await follows.follow_between(uri, self._viewer.uri)
        mute = await self._api.marks.account_mute(self._viewer.id, uri)
        return {
            "id": str(await self._api.account_ids.id_for(uri)),
            "following": outgoing is not None and outgoing.state == "accepted",
            "requested": outgoing is not None and outgoing.state == "pending",
            "followed_by": incoming is not None and incoming.state == "accepted",
            "showing_reblogs": True,
            "notifying": False,
            "languages": None,
            "blocking": False,
            "blocked_by": False,
            "muting": mute is not None,
            "muting_notifications": bool(mute),
            "requested_by": incoming is not None and incoming.state == "pending",
            "domain_blocking": False,
            "endorsed": False,
            "note": "",
        }


def _followers_of(document: dict[str, Any]) -> str | None:
    try:
        return parse_actor(document).followers
    except VocabularyError:
        return None


def _image_url(image: Any) -> str | None:
    for candidate in as_list(image):
        if isinstance(candidate, str):
            return candidate
        if isinstance(candidate, dict):
            url = candidate.get("url")
            if isinstance(url, str):
                return url
    return None


def attachment_entity(base: str, media: MediaRecord) -> dict[str, Any]:
    """The MediaAttachment entity of an upload."""
    url = media_url(base, media.file_name)
    size = {
        "width": media.width,
        "height": media.height,
        "size": f"{media.width}x{media.height}",
        "aspect": media.width / media.height if media.height else 1,
    }
    return {
        "id": str(media.id),
        "type": "image",
        "url": url,
        "preview_url": url,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "description": media.description or None,
        "blurhash": None,
        "meta": {"original": size, "small": size},
    }


def _attachment(index: int, row_id: int, attachment: Attachment) -> dict[str, Any]:
    # The media type decides; without one, the ActivityStreams type (Image, Video, Audio).
    kind = (attachment.media_type or attachment.type).split("/")[0].lower()
    url = attachment.url
    return {
        "id": f"{row_id}{index:02d}",
        "type": kind if kind in ("image", "video", "audio") else "unknown",
        "url": url,
        "preview_url": url,
        "remote_url": url,
        "description": attachment.name,
        "blurhash": None,
        "meta": None,
    }
