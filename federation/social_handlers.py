"""Handlers for the social core: follows, notes, likes, announces, deletes.

Each is a small function registered in ``CORE_HANDLERS``; the participation
domain adds its own entries beside these when the node builds its table.
"""

from __future__ import annotations

import logging
from typing import Any

from activitypub.vocabulary import Activity, ASObject, VocabularyError, parse_actor
from federation.actors import foreign_endpoint, same_origin
from federation.errors import FetchError, NotAllowed, NotFound, Refused
from federation.handlers import ANY, Handler, HandlerKey, InboxContext
from federation.ports import Follow

log = logging.getLogger(__name__)

ACTOR_TYPES = ("Person", "Group", "Organization", "Application", "Service")
# What Mastodon shows as a status: Note and Question in full, the others reduced to a title
# and a link (app/lib/activitypub/activity.rb, SUPPORTED_TYPES and CONVERTED_TYPES).
POST_TYPES = frozenset({"Note", "Question", "Article", "Page", "Event", "Image", "Video", "Audio"})
# Parents of a reply fetched at most, up its thread: a reply to a long unknown thread
# costs a bounded number of fetches.
MAX_FETCHED_PARENTS = 5


def require_same_origin(activity: Activity, object_id: str) -> None:
    """An actor may only create, update or delete objects on its own host."""
    if not same_origin(activity.actor, object_id):
        raise NotAllowed(f"{activity.actor} may not act on {object_id}: it lives on another host")


def require_author(activity: Activity, obj: ASObject) -> None:
    """The object's author must be the activity's actor."""
    if obj.attributed_to is not None and obj.attributed_to != activity.actor:
        raise NotAllowed(f"{obj.id} is attributed to {obj.attributed_to}, not to {activity.actor}")


async def notify(
    ctx: InboxContext, kind: str, recipient: str, actor: str, object_id: str | None = None
) -> None:
    """Tell a local account what happened to it, when the node keeps notifications."""
    if ctx.notifier is not None:
        await ctx.notifier.notify(kind, recipient, actor, object_id)


async def handle_follow(ctx: InboxContext, activity: Activity) -> None:
    """A follow of a local actor: record it and answer with an Accept."""
    if not await ctx.is_local_actor(activity.object_id):
        raise NotFound(f"no actor {activity.object_id} here")
    await ctx.follows.save_follow(
        Follow(activity.actor, activity.object_id, activity.id, "accepted")
    )
    accept: dict[str, Any] = {
        "id": ctx.outbox.new_activity_id(),
        "type": "Accept",
        "actor": activity.object_id,
        # The Follow as received, without its @context: the Accept carries one already.
        "object": {k: v for k, v in activity.raw.items() if k != "@context"} or activity.id,
        "to": [activity.actor],
    }
    await ctx.outbox.send(activity.object_id, accept, [activity.actor])
    await notify(ctx, "follow", activity.object_id, activity.actor)


async def _follow_answered(ctx: InboxContext, activity: Activity) -> Follow | None:
    inner = activity.object_activity
    follow = await ctx.follows.follow_by_activity(activity.object_id)
    if follow is None and inner is not None:
        follow = await ctx.follows.follow_between(inner.actor, inner.object_id)
    if follow is None:
        return None
    if follow.followed != activity.actor:
        raise NotAllowed("only the followed actor can answer a follow")
    return follow


async def handle_accept_follow(ctx: InboxContext, activity: Activity) -> None:
    """The followed actor accepted one of our follows."""
    follow = await _follow_answered(ctx, activity)
    if follow is not None:
        await ctx.follows.set_follow_state(follow.follower, follow.followed, "accepted")


async def handle_reject_follow(ctx: InboxContext, activity: Activity) -> None:
    """The followed actor refused one of our follows, or removed us as follower."""
    follow = await _follow_answered(ctx, activity)
    if follow is not None:
        await ctx.follows.set_follow_state(follow.follower, follow.followed, "rejected")


async def handle_undo_follow(ctx: InboxContext, activity: Activity) -> None:
    """A remote actor stops following a local one."""
    inner = activity.object_activity
    follow = await ctx.follows.follow_by_activity(activity.object_id)
    if follow is None and inner is not None:
        follow = await ctx.follows.follow_between(inner.actor, inner.object_id)
    if follow is None:
        return
    if follow.follower != activity.actor:
        raise NotAllowed("only the follower can undo a follow")
    await ctx.follows.remove_follow(follow.follower, follow.followed)


async def store_created_object(ctx: InboxContext, activity: Activity) -> ASObject:
    """Origin-check and store the object of a Create, with the parents of a reply that
    this node does not hold yet; return it. An object that is no post (a Tombstone, a
    Place, a Relationship ...) is accepted and not kept, as Mastodon does.

    Used by the generic Create handler and by domain handlers that do more.
    """
    obj = activity.object
    if obj is None:
        require_same_origin(activity, activity.object_id)
        try:
            obj = await ctx.fetcher.fetch(activity.object_id)
        except FetchError as exc:
            raise Refused(f"the created object could not be fetched: {exc}") from exc
    require_same_origin(activity, obj.id)
    require_author(activity, obj)
    if obj.type not in POST_TYPES:
        log.info("%s %s from %s is no post: not kept", obj.type, obj.id, activity.actor)
        return obj
    # The network first: nothing is fetched once the handler has written.
    parents = await missing_parents(ctx, obj)
    for parent in parents:
        await ctx.objects.save_remote_object(parent)
    await ctx.objects.save_remote_object(obj)
    addressed = set(obj.mentions)
    if obj.in_reply_to is not None:
        replied = await ctx.objects.get_object(obj.in_reply_to)
        if replied is not None and replied.attributed_to is not None:
            addressed.add(replied.attributed_to)
    for recipient in sorted(addressed):
        await notify(ctx, "mention", recipient, activity.actor, obj.id)
    return obj


async def missing_parents(ctx: InboxContext, obj: ASObject) -> list[ASObject]:
    """The posts a reply answers that this node does not hold, nearest first, fetched from
    their origins (signed, through the guarded transport) with the origin checks of
    ``ObjectFetcher``: at most MAX_FETCHED_PARENTS, and a failed fetch ends the walk, so
    the reply is kept with the parents that could be had."""
    parents: list[ASObject] = []
    seen = {obj.id}
    parent_id = obj.in_reply_to
    while parent_id is not None and parent_id not in seen and len(parents) < MAX_FETCHED_PARENTS:
        if await ctx.objects.get_object(parent_id) is not None:
            break
        try:
            parent = await ctx.fetcher.fetch(parent_id)
        except FetchError as exc:
            log.info("parent %s of %s could not be fetched: %s", parent_id, obj.id, exc)
            break
        if parent.type not in POST_TYPES:
            break
        parents.append(parent)
        seen.add(parent_id)
        parent_id = parent.in_reply_to
    return parents


async def handle_create(ctx: InboxContext, activity: Activity) -> None:
    """A remote post: keep it when it passes the origin checks."""
    await store_created_object(ctx, activity)


async def handle_update_object(ctx: InboxContext, activity: Activity) -> None:
    """An edit of a remote post by its author."""
    obj = activity.object
    if obj is None:
        raise Refused("Update must embed the updated object")
    require_same_origin(activity, obj.id)
    require_author(activity, obj)
    known = await ctx.objects.get_object(obj.id)
    if known is None or known.deleted:
        return
    if known.attributed_to and known.attributed_to != activity.actor:
        raise NotAllowed(f"{activity.actor} is not the author of {obj.id}")
    await ctx.objects.save_remote_object(obj)


async def handle_update_actor(ctx: InboxContext, activity: Activity) -> None:
    """A remote actor changed its profile or its key."""
    if activity.object_id != activity.actor or activity.object is None:
        raise NotAllowed("an actor can only update itself")
    try:
        actor = parse_actor(activity.object.raw)
    except VocabularyError as exc:
        raise Refused(f"not a usable actor: {exc}") from exc
    if actor.key_owner is not None and actor.key_owner != actor.id:
        raise NotAllowed("the key must be owned by the actor")
    endpoint = foreign_endpoint(actor)
    if endpoint is not None:
        raise NotAllowed(f"{actor.id} may not name {endpoint}: it lives on another host")
    await ctx.resolver.refresh_from_document(actor)


async def handle_delete(ctx: InboxContext, activity: Activity) -> None:
    """A deleted post becomes a tombstone; a deleted actor takes its content with it."""
    require_same_origin(activity, activity.object_id)
    if activity.object_id == activity.actor:
        count = await ctx.objects.tombstone_by_author(activity.actor)
        for followed in await ctx.follows.followed_by(activity.actor):
            await ctx.follows.remove_follow(activity.actor, followed)
        log.info("actor %s deleted with %d objects", activity.actor, count)
        return
    known = await ctx.objects.get_object(activity.object_id)
    if known is None:
        return
    if known.attributed_to and known.attributed_to != activity.actor:
        raise NotAllowed(f"{activity.actor} is not the author of {activity.object_id}")
    await ctx.objects.tombstone(activity.object_id)


async def handle_like(ctx: InboxContext, activity: Activity) -> None:
    """A like of an object this node knows; of another one, accepted and ignored (as
    Mastodon does: the liker's server cannot know what this node holds)."""
    known = await ctx.objects.get_object(activity.object_id)
    if known is None:
        log.info("like of %s by %s ignored: not held here", activity.object_id, activity.actor)
        return
    await ctx.reactions.add_like(activity.id, activity.actor, activity.object_id)
    if known.attributed_to is not None:
        await notify(ctx, "favourite", known.attributed_to, activity.actor, activity.object_id)


async def handle_undo_like(ctx: InboxContext, activity: Activity) -> None:
    """An undone like; Mastodon embeds the Like, others send only its id."""
    inner = activity.object_activity
    if inner is not None and inner.actor != activity.actor:
        raise NotAllowed("only the liker can undo a like")
    target = inner.object_id if inner is not None else activity.object_id
    await ctx.reactions.remove_like(activity.actor, target)


async def handle_announce(ctx: InboxContext, activity: Activity) -> None:
    """A boost. A foreign object is believed only after fetching it from its origin."""
    await keep_announce(ctx, activity, await announced_object(ctx, activity))


async def announced_object(ctx: InboxContext, activity: Activity) -> ASObject | None:
    """The object a boost shares, as it is to be stored: the announcer's own object, or a
    foreign one fetched from its origin; None when it is stored already. Reads and the
    network only, so a handler can look further before its first write."""
    obj = activity.object
    if obj is not None and obj.attributed_to == activity.actor:
        require_same_origin(activity, obj.id)
        return obj
    if await ctx.objects.get_object(activity.object_id) is not None:
        return None
    try:
        obj = await ctx.fetcher.fetch(activity.object_id)
    except FetchError as exc:
        # Not believed without its origin: the boost is accepted and ignored, as Mastodon does.
        log.info("announce %s ignored: %s", activity.id, exc)
        return None
    if obj.type not in POST_TYPES:
        return None
    await _know_author(ctx, obj)
    return obj


async def _know_author(ctx: InboxContext, obj: ASObject) -> None:
    """Fetch the author of a post from another server now, while no transaction is open,
    so pages name them (``@name@host``) instead of only their server."""
    if obj.attributed_to is None:
        return
    try:
        await ctx.resolver.get(obj.attributed_to)
    except FetchError as exc:
        log.info("author %s of %s not fetched: %s", obj.attributed_to, obj.id, exc)


async def keep_announce(ctx: InboxContext, activity: Activity, obj: ASObject | None) -> None:
    """Store a boost and the object ``announced_object`` gave for it; a boost of what
    this node neither holds nor could fetch is not kept."""
    if obj is not None:
        await ctx.objects.save_remote_object(obj)
    elif await ctx.objects.get_object(activity.object_id) is None:
        return
    await ctx.reactions.add_announce(activity.id, activity.actor, activity.object_id)
    announced = await ctx.objects.get_object(activity.object_id)
    if announced is not None and announced.attributed_to is not None:
        await notify(ctx, "reblog", announced.attributed_to, activity.actor, activity.object_id)


async def handle_undo_announce(ctx: InboxContext, activity: Activity) -> None:
    """An undone boost."""
    await ctx.reactions.remove_announce(activity.object_id, activity.actor)


async def handle_undo_by_id(ctx: InboxContext, activity: Activity) -> None:
    """An Undo naming only the id of what it undoes: look for it among our records."""
    if await ctx.follows.follow_by_activity(activity.object_id) is not None:
        await handle_undo_follow(ctx, activity)
    elif not await ctx.reactions.remove_like(activity.actor, activity.object_id):
        await ctx.reactions.remove_announce(activity.object_id, activity.actor)


async def ignore(ctx: InboxContext, activity: Activity) -> None:
    """Understood and deliberately without effect here."""


CORE_HANDLERS: list[tuple[HandlerKey, Handler]] = [
    (("Follow", ANY), handle_follow),
    (("Accept", "Follow"), handle_accept_follow),
    (("Accept", ANY), handle_accept_follow),
    (("Reject", "Follow"), handle_reject_follow),
    (("Reject", ANY), handle_reject_follow),
    (("Undo", "Follow"), handle_undo_follow),
    (("Undo", "Like"), handle_undo_like),
    (("Undo", "Announce"), handle_undo_announce),
    (("Undo", ANY), handle_undo_by_id),
    (("Create", ANY), handle_create),
    *((("Update", t), handle_update_actor) for t in ACTOR_TYPES),
    (("Update", ANY), handle_update_object),
    (("Delete", ANY), handle_delete),
    (("Like", ANY), handle_like),
    (("Announce", ANY), handle_announce),
    (("Add", ANY), ignore),
    (("Remove", ANY), ignore),
]
