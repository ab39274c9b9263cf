"""What local actors do socially: post, reply, follow, like, boost, delete.

The web pages, the client API, the CLI and the demo all go through these, so
every local action is stored and federated the same way. Posts and reactions
also reach this node's own inbox handlers after they are stored (``deliver_locally``
in ``node/outbox.py``): a post to a local process or a like of a local proposal
takes part by the same rules as one from another server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from html import escape
from typing import Any, Protocol

from activitypub.vocabulary import PUBLIC, as_list, id_of
from federation.actors import ActorResolver
from federation.errors import NotFound, Refusal, Refused
from federation.ports import Follow
from moderation.sanitize import sanitize_html
from moderation.spam import ActionGuard
from node.clock import iso_now, iso_now_ms
from node.documents import actor_document
from node.outbox import LocalWrite, NodeOutbox
from node.storage.actors import ActorRepository, LocalActor
from node.storage.database import Database
from node.storage.follows import FollowRepository
from node.storage.notifications import NotificationRepository
from node.storage.objects import ObjectRecord, ObjectRepository
from node.storage.reactions import ReactionRepository
from node.urls import INSTANCE_USERNAME, Urls


@dataclass(frozen=True)
class SocialServices:
    """What local social actions use; built once by ``open_node``."""

    db: Database
    urls: Urls
    actors: ActorRepository
    objects: ObjectRepository
    reactions: ReactionRepository
    follows: FollowRepository
    outbox: NodeOutbox
    resolver: ActorResolver
    guard: ActionGuard
    notifications: NotificationRepository


async def post_note(
    social: SocialServices,
    author: LocalActor,
    content_html: str,
    *,
    in_reply_to: str | None = None,
    mentions: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    public: bool = True,
    deliver_locally: bool = True,
) -> dict[str, Any]:
    """Publish a Note from a local actor to its followers (and the replied-to author).

    The node's own handlers read it as they read a remote post, unless
    ``deliver_locally`` is off because the caller records its meaning itself.
    """
    await social.guard.check(author.uri, "post")
    mentions = list(mentions or [])
    recipients = [social.urls.followers(author.username), *mentions]
    reply_author = audience = None
    if in_reply_to is not None:
        replied = await social.objects.record(in_reply_to)
        if replied is None or replied.deleted_at is not None:
            raise NotFound(
                "the post you reply to is unknown or deleted",
                detail=in_reply_to,
                code="post_unknown",
            )
        reply_author = replied.attributed_to
        if reply_author and reply_author not in recipients:
            recipients.append(reply_author)
        # A reply in a group's thread goes to the group too (FEP-1b12): a process hears
        # of a comment on its proposal whoever wrote the proposal and wherever.
        audience = replied.audience
        if audience and audience not in recipients:
            recipients.append(audience)
    note: dict[str, Any] = {
        "id": social.urls.new_object(),
        "type": "Note",
        "attributedTo": author.uri,
        "content": sanitize_html(content_html),
        "published": iso_now(),
        "to": [PUBLIC] if public else [social.urls.followers(author.username)],
        "cc": [social.urls.followers(author.username), *mentions]
        + [r for r in (reply_author, audience) if r],
        "tag": [{"type": "Mention", "href": m} for m in mentions],
        **({"audience": audience} if audience else {}),
        **(extra or {}),
    }
    if in_reply_to is not None:
        note["inReplyTo"] = in_reply_to
    note["url"] = note["id"]
    return await create_object(social, author, note, recipients, deliver_locally=deliver_locally)


async def create_object(
    social: SocialServices,
    author: LocalActor,
    obj: dict[str, Any],
    recipients: list[str],
    *,
    deliver_locally: bool = False,
) -> dict[str, Any]:
    """Store a local object and send its Create, in one transaction. With
    ``deliver_locally`` the node's own handlers read it afterwards, as a post from
    an app; domain callers that record what the object means leave it off."""

    async def store() -> None:
        await social.objects.save_local_object(obj)

    await social.outbox.send(
        author.uri,
        {
            "id": f"{obj['id']}/activity",
            "type": "Create",
            "object": obj,
            "to": obj.get("to", []),
            "cc": obj.get("cc", []),
        },
        recipients,
        local_write=store,
        deliver_locally=deliver_locally,
    )
    return obj


async def edit_note(
    social: SocialServices,
    author: LocalActor,
    uri: str,
    content_html: str,
    *,
    mentions: list[str],
    changes: dict[str, Any],
) -> dict[str, Any]:
    """Replace the text of one's own post (and ``changes`` such as its content warning
    or attachments; a None value removes the property) and send the ``Update`` to
    everyone who received the post, plus anyone newly mentioned. The version it
    replaces is kept as the post's history."""
    await social.guard.check(author.uri, "post")
    record = await social.objects.record(uri)
    if (
        record is None
        or record.deleted_at is not None
        or not record.local
        or record.attributed_to != author.uri
    ):
        raise NotFound(f"this is not a post of {author.username}", detail=uri)
    earlier = record.document
    added = [m for m in mentions if m not in as_list(earlier.get("cc"))]
    note = {
        **earlier,
        "content": sanitize_html(content_html),
        "updated": iso_now_ms(),
        "cc": [*as_list(earlier.get("cc")), *added],
        "tag": [
            *(t for t in as_list(earlier.get("tag")) if not _is_mention(t)),
            *({"type": "Mention", "href": m} for m in mentions),
        ],
        **changes,
    }
    note = {key: value for key, value in note.items() if value is not None}
    recipients = [
        social.urls.followers(author.username),
        *(a for a in as_list(note.get("to")) if isinstance(a, str)),
        *(a for a in note["cc"] if isinstance(a, str)),
    ]

    async def store() -> None:
        await social.objects.save_edit(uri, earlier)
        await social.objects.save_local_object(note)

    await social.outbox.send(
        author.uri,
        {
            "id": social.outbox.new_activity_id(),
            "type": "Update",
            "object": note,
            "to": note.get("to", []),
            "cc": note["cc"],
        },
        recipients,
        local_write=store,
    )
    return note


def _is_mention(tag: object) -> bool:
    return isinstance(tag, dict) and tag.get("type") == "Mention"


async def update_profile(
    social: SocialServices,
    actor: LocalActor,
    *,
    display_name: str,
    summary_html: str,
    properties: dict[str, Any],
) -> LocalActor:
    """Change a local actor's name, description and ActivityPub properties (its images),
    and send its ``Update`` to its followers, as Mastodon does with a profile edit."""
    updated = replace(
        actor,
        display_name=display_name,
        summary=sanitize_html(summary_html),
        properties=properties,
    )
    document = actor_document(updated, social.urls)
    followers = social.urls.followers(actor.username)

    async def store() -> None:
        await social.actors.update_local(
            actor.uri,
            display_name=updated.display_name,
            summary=updated.summary,
            properties=updated.properties,
        )

    await social.outbox.send(
        actor.uri,
        {
            "id": social.outbox.new_activity_id(),
            "type": "Update",
            "object": {k: v for k, v in document.items() if k != "@context"},
            "to": [PUBLIC],
            "cc": [followers],
        },
        [followers],
        local_write=store,
    )
    return updated


async def announce_pin(
    social: SocialServices,
    actor: LocalActor,
    object_id: str,
    *,
    pinned: bool,
    local_write: LocalWrite,
) -> None:
    """Pin or unpin a post of one's own (``local_write`` records it) and tell followers
    with the ``Add`` or ``Remove`` on the ``featured`` collection that Mastodon sends."""
    followers = social.urls.followers(actor.username)
    await social.outbox.send(
        actor.uri,
        {
            "id": social.outbox.new_activity_id(),
            "type": "Add" if pinned else "Remove",
            "object": object_id,
            "target": social.urls.featured(actor.username),
            "to": [PUBLIC],
            "cc": [followers],
        },
        [followers],
        local_write=local_write,
    )


class PostDeletion(Protocol):
    """What deleting a post uses: ``SocialServices`` has it, and so has
    ``node.moderator_services.ModeratorServices``."""

    @property
    def objects(self) -> ObjectRepository: ...

    @property
    def urls(self) -> Urls: ...

    @property
    def outbox(self) -> NodeOutbox: ...


async def delete_note(stores: PostDeletion, author: LocalActor, uri: str) -> None:
    """Delete a local object and tell everyone who received it."""
    record = await stores.objects.record(uri)
    if record is None or not record.local or record.attributed_to != author.uri:
        raise NotFound(f"this is not a post of {author.username}", detail=uri)
    recipients = [stores.urls.followers(author.username), *record.document.get("cc", [])]

    async def store() -> None:
        await stores.objects.tombstone(uri)

    await stores.outbox.send(
        author.uri,
        {
            "id": stores.outbox.new_activity_id(),
            "type": "Delete",
            "object": {"id": uri, "type": "Tombstone"},
            "to": [PUBLIC],
            "cc": recipients,
        },
        recipients,
        local_write=store,
    )


async def follow(social: SocialServices, follower: LocalActor, target: str) -> str:
    """Follow an actor: a local one at once; a remote one is asked, and the relation is
    pending until its Accept arrives."""
    activity_id = social.outbox.new_activity_id()
    if await social.actors.is_local(target):
        if target == follower.uri:
            raise Refused("an actor cannot follow itself")
        await social.follows.save_follow(Follow(follower.uri, target, activity_id, "accepted"))
        # A remote actor's server notifies it; a local one hears of it here, however the
        # follow was made (the pages or an app).
        await social.notifications.notify("follow", target, follower.uri)
        return activity_id
    await social.resolver.get(target)

    async def store() -> None:
        await social.follows.save_follow(Follow(follower.uri, target, activity_id, "pending"))

    await social.outbox.send(
        follower.uri,
        {"id": activity_id, "type": "Follow", "object": target, "to": [target]},
        [target],
        local_write=store,
    )
    return activity_id


async def unfollow(social: SocialServices, follower: LocalActor, target: str) -> None:
    """Stop following a remote actor."""
    existing = await social.follows.follow_between(follower.uri, target)
    if existing is None:
        raise NotFound(f"{follower.username} does not follow this account", detail=target)

    async def store() -> None:
        await social.follows.remove_follow(follower.uri, target)

    await social.outbox.send(
        follower.uri,
        {
            "id": social.outbox.new_activity_id(),
            "type": "Undo",
            "object": {
                "id": existing.activity_id,
                "type": "Follow",
                "actor": follower.uri,
                "object": target,
            },
            "to": [target],
        },
        [target],
        local_write=store,
    )


def _reaction_audience(
    social: SocialServices, actor: LocalActor, record: ObjectRecord | None, boost: bool
) -> list[str]:
    """Who hears of a reaction: the post's author, for boosts one's followers, and for
    likes the group the post belongs to (FEP-1b12 ``audience``): a process counts a
    favourite of its proposal as a support wherever the proposal's author lives."""
    recipients = [social.urls.followers(actor.username)] if boost else []
    if record is not None and record.attributed_to:
        recipients.append(record.attributed_to)
    audience = record.audience if record is not None else None
    if not boost and audience and audience not in recipients:
        recipients.append(audience)
    return recipients


async def _react(social: SocialServices, actor: LocalActor, object_id: str, kind: str) -> str:
    boost = kind == "Announce"
    await social.guard.check(actor.uri, "post" if boost else "support")
    record = await social.objects.record(object_id)
    if record is None or record.deleted_at is not None:
        raise NotFound("there is no post here", detail=object_id, code="post_unknown")
    recipients = _reaction_audience(social, actor, record, boost)
    activity_id = social.outbox.new_activity_id()
    add = social.reactions.add_announce if boost else social.reactions.add_like

    async def store() -> None:
        await add(activity_id, actor.uri, object_id)

    addressing = {"to": [PUBLIC], "cc": recipients} if boost else {"to": recipients}
    await social.outbox.send(
        actor.uri,
        {"id": activity_id, "type": kind, "object": object_id, **addressing},
        recipients,
        local_write=store,
        # A like may be a support; a boost means nothing to a process.
        deliver_locally=not boost,
    )
    return activity_id


async def _unreact(social: SocialServices, actor: LocalActor, object_id: str, kind: str) -> None:
    boost = kind == "Announce"
    reaction_id = await (social.reactions.announce_id if boost else social.reactions.like_id)(
        actor.uri, object_id
    )
    if reaction_id is None:
        raise NotFound(f"{actor.username} has no {kind} of this post", detail=object_id)
    recipients = _reaction_audience(social, actor, await social.objects.record(object_id), boost)

    async def store() -> None:
        if boost:
            await social.reactions.remove_announce(reaction_id, actor.uri)
        else:
            await social.reactions.remove_like(actor.uri, object_id)

    addressing = {"to": [PUBLIC], "cc": recipients} if boost else {"to": recipients}
    await social.outbox.send(
        actor.uri,
        {
            "id": social.outbox.new_activity_id(),
            "type": "Undo",
            # Mastodon can only undo what the Undo embeds.
            "object": {"id": reaction_id, "type": kind, "actor": actor.uri, "object": object_id},
            **addressing,
        },
        recipients,
        local_write=store,
        deliver_locally=not boost,
    )


async def like(social: SocialServices, actor: LocalActor, object_id: str) -> str:
    """Like an object and tell its author."""
    return await _react(social, actor, object_id, "Like")


async def unlike(social: SocialServices, actor: LocalActor, object_id: str) -> None:
    """Undo a like."""
    await _unreact(social, actor, object_id, "Like")


async def announce(social: SocialServices, actor: LocalActor, object_id: str) -> str:
    """Boost an object to one's followers and its author."""
    return await _react(social, actor, object_id, "Announce")


async def unannounce(social: SocialServices, actor: LocalActor, object_id: str) -> None:
    """Undo a boost."""
    await _unreact(social, actor, object_id, "Announce")


async def tell_refusal(
    social: SocialServices, notifications: NotificationRepository, body: bytes, refusal: Refusal
) -> None:
    """Tell a local person why this node's own handlers refused what they sent from an app.

    Apps show no refusal of a post or a favourite, but every app shows a direct
    message: it comes from the node's instance actor, which nobody follows, so
    only its addressee sees it; a refused post gets it as a reply.
    """
    activity = json.loads(body)
    author = await social.actors.by_uri(id_of(activity.get("actor")) or "")
    instance = await social.actors.by_username(INSTANCE_USERNAME)
    if author is None or instance is None:
        return
    uri = social.urls.new_object()
    mention = (
        f'<span class="h-card"><a href="{social.urls.profile_page(author.username)}"'
        f' class="u-url mention">@<span>{escape(author.username)}</span></a></span>'
    )
    note: dict[str, Any] = {
        "id": uri,
        "type": "Note",
        "attributedTo": instance.uri,
        "content": f"<p>{mention} Niet verwerkt: {escape(refusal.reason)}</p>",
        "published": iso_now(),
        "to": [author.uri],
        "cc": [],
        "tag": [{"type": "Mention", "href": author.uri}],
        "url": uri,
    }
    if activity.get("type") == "Create" and id_of(activity.get("object")):
        note["inReplyTo"] = id_of(activity.get("object"))
    await create_object(social, instance, note, [author.uri])
    await notifications.notify("mention", author.uri, instance.uri, uri)
