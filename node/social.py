"""What local actors do socially: post, reply, follow, like, boost, delete.

The web pages, the client API, the CLI and the demo all go through these, so
every local action is stored and federated the same way.
"""

from __future__ import annotations

from typing import Any

from activitypub.vocabulary import PUBLIC
from federation.errors import NotFound, Unprocessable
from federation.ports import Follow
from moderation.sanitize import sanitize_html
from node.clock import iso_now
from node.node import Node
from node.storage.actors import LocalActor


async def post_note(
    node: Node,
    author: LocalActor,
    content_html: str,
    *,
    in_reply_to: str | None = None,
    mentions: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    public: bool = True,
) -> dict[str, Any]:
    """Publish a Note from a local actor to its followers (and the replied-to author)."""
    await node.guard.check(author.uri, "post")
    mentions = list(mentions or [])
    recipients = [node.urls.followers(author.username), *mentions]
    reply_author = None
    if in_reply_to is not None:
        replied = await node.objects.get_object(in_reply_to)
        if replied is None or replied.deleted:
            raise NotFound(f"cannot reply to {in_reply_to}: unknown or deleted")
        reply_author = replied.attributed_to
        if reply_author and reply_author not in recipients:
            recipients.append(reply_author)
    note: dict[str, Any] = {
        "id": node.urls.new_object(),
        "type": "Note",
        "attributedTo": author.uri,
        "content": sanitize_html(content_html),
        "published": iso_now(),
        "to": [PUBLIC] if public else [node.urls.followers(author.username)],
        "cc": [node.urls.followers(author.username), *mentions]
        + ([reply_author] if reply_author else []),
        "tag": [{"type": "Mention", "href": m} for m in mentions],
        **(extra or {}),
    }
    if in_reply_to is not None:
        note["inReplyTo"] = in_reply_to
    note["url"] = note["id"]
    return await create_object(node, author, note, recipients)


async def create_object(
    node: Node, author: LocalActor, obj: dict[str, Any], recipients: list[str]
) -> dict[str, Any]:
    """Store a local object and send its Create, in one transaction."""

    async def store() -> None:
        await node.objects.save_local_object(obj)

    await node.outbox.send(
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
    )
    return obj


async def delete_note(node: Node, author: LocalActor, uri: str) -> None:
    """Delete a local object and tell everyone who received it."""
    record = await node.objects.record(uri)
    if record is None or not record.local or record.attributed_to != author.uri:
        raise NotFound(f"{uri} is not a post of {author.username}")
    recipients = [node.urls.followers(author.username), *record.document.get("cc", [])]

    async def store() -> None:
        await node.objects.tombstone(uri)

    await node.outbox.send(
        author.uri,
        {
            "id": node.outbox.new_activity_id(),
            "type": "Delete",
            "object": {"id": uri, "type": "Tombstone"},
            "to": [PUBLIC],
            "cc": recipients,
        },
        recipients,
        local_write=store,
    )


async def follow(node: Node, follower: LocalActor, target: str) -> str:
    """Follow an actor: a local one at once; a remote one is asked, and the relation is
    pending until its Accept arrives."""
    activity_id = node.outbox.new_activity_id()
    if await node.actors.is_local(target):
        if target == follower.uri:
            raise Unprocessable("an actor cannot follow itself")
        await node.follows.save_follow(Follow(follower.uri, target, activity_id, "accepted"))
        return activity_id
    await node.resolver.get(target)

    async def store() -> None:
        await node.follows.save_follow(Follow(follower.uri, target, activity_id, "pending"))

    await node.outbox.send(
        follower.uri,
        {"id": activity_id, "type": "Follow", "object": target, "to": [target]},
        [target],
        local_write=store,
    )
    return activity_id


async def unfollow(node: Node, follower: LocalActor, target: str) -> None:
    """Stop following a remote actor."""
    existing = await node.follows.follow_between(follower.uri, target)
    if existing is None:
        raise NotFound(f"{follower.username} does not follow {target}")

    async def store() -> None:
        await node.follows.remove_follow(follower.uri, target)

    await node.outbox.send(
        follower.uri,
        {
            "id": node.outbox.new_activity_id(),
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


async def like(node: Node, actor: LocalActor, object_id: str) -> str:
    """Like an object and tell its author."""
    record = await node.objects.record(object_id)
    if record is None or record.deleted_at is not None:
        raise NotFound(f"no post {object_id} here")
    activity_id = node.outbox.new_activity_id()
    recipients = [record.attributed_to] if record.attributed_to else []

    async def store() -> None:
        await node.reactions.add_like(activity_id, actor.uri, object_id)

    await node.outbox.send(
        actor.uri,
        {"id": activity_id, "type": "Like", "object": object_id, "to": recipients},
        recipients,
        local_write=store,
    )
    return activity_id


async def unlike(node: Node, actor: LocalActor, object_id: str) -> None:
    """Undo a like; the Undo embeds the Like, which is what Mastodon needs."""
    like_id = await node.db.fetch_value(
        "SELECT activity_id FROM likes WHERE actor = ? AND object = ?", (actor.uri, object_id)
    )
    if like_id is None:
        raise NotFound(f"{actor.username} does not like {object_id}")
    record = await node.objects.record(object_id)
    recipients = [record.attributed_to] if record and record.attributed_to else []

    async def store() -> None:
        await node.reactions.remove_like(actor.uri, object_id)

    await node.outbox.send(
        actor.uri,
        {
            "id": node.outbox.new_activity_id(),
            "type": "Undo",
            "object": {"id": like_id, "type": "Like", "actor": actor.uri, "object": object_id},
            "to": recipients,
        },
        recipients,
        local_write=store,
    )


async def announce(node: Node, actor: LocalActor, object_id: str) -> str:
    """Boost an object to one's followers."""
    record = await node.objects.record(object_id)
    if record is None or record.deleted_at is not None:
        raise NotFound(f"no post {object_id} here")
    activity_id = node.outbox.new_activity_id()
    followers = node.urls.followers(actor.username)
    recipients = [followers] + ([record.attributed_to] if record.attributed_to else [])

    async def store() -> None:
        await node.reactions.add_announce(activity_id, actor.uri, object_id)

    await node.outbox.send(
        actor.uri,
        {
            "id": activity_id,
            "type": "Announce",
            "object": object_id,
            "to": [PUBLIC],
            "cc": recipients,
        },
        recipients,
        local_write=store,
    )
    return activity_id


async def unannounce(node: Node, actor: LocalActor, object_id: str) -> None:
    """Undo a boost; the Undo embeds the Announce, as Mastodon needs."""
    announce_id = await node.db.fetch_value(
        "SELECT activity_id FROM announces WHERE actor = ? AND object = ?", (actor.uri, object_id)
    )
    if announce_id is None:
        raise NotFound(f"{actor.username} did not boost {object_id}")
    record = await node.objects.record(object_id)
    followers = node.urls.followers(actor.username)
    recipients = [followers] + ([record.attributed_to] if record and record.attributed_to else [])

    async def store() -> None:
        await node.reactions.remove_announce(announce_id, actor.uri)

    await node.outbox.send(
        actor.uri,
        {
            "id": node.outbox.new_activity_id(),
            "type": "Undo",
            "object": {
                "id": announce_id,
                "type": "Announce",
                "actor": actor.uri,
                "object": object_id,
            },
            "to": [PUBLIC],
            "cc": recipients,
        },
        recipients,
        local_write=store,
    )
