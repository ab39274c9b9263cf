"""Inbox handlers of the participation domain, registered in the node's one handler table.

They keep the core's behaviour for ordinary posts, likes and undos (calling
the core handlers) and add domain meaning where it applies: a proposal, a
comment, an official response, a support, a status change. Everything is
checked before anything is stored, so a refused activity leaves no trace.

Mastodon posts: a post that mentions a process of this node while it is in
its proposing phase, and replies to nothing, is a proposal (its first line is
the title); a reply in a proposal's thread is a comment; a favourite of a
proposal is a support. Votes (poll answers) have their own entry, in
``node/participation/voting_handlers.py``.

Lemmy-family posts (Lemmy, PieFed, Mbin follow a process as a community):
a ``Page`` with a title sent to a process in its proposing phase is a
proposal, a comment in its thread is a comment, an upvote (``Like``) is a
support, and a downvote (``Dislike``) is acknowledged and not counted: a
process counts support, not opposition, which comments with a stance carry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import schemas
from activitypub.vocabulary import Activity, ASObject, as_list, parse_object
from federation import social_handlers
from federation.actors import same_origin
from federation.errors import Invalid, NotAllowed, Refused
from federation.handlers import ANY, Handler, HandlerKey, InboxContext, bind_all
from moderation.sanitize import plain_text
from node.clock import epoch_of
from node.participation.announce import announce_act, announce_to_followers
from node.participation.comments import stance_of, thread_proposal
from node.participation.models import PHASE_LIFECYCLE, Process, Proposal, StatusChange
from node.participation.official_responses import official_target, record_official_response
from node.participation.openings_elsewhere import ballot_opened_elsewhere
from node.participation.processes import known_process, process_from_document
from node.participation.proposals import (
    MAX_TITLE,
    SUBMITTED_REASON,
    addressed_actors,
    adopt_post,
    check_proposal_rules,
    check_takes_proposals,
    proposal_from_object,
    validate,
    with_process_mention,
)
from node.participation.relay import pass_on_to_process
from node.participation.services import ParticipationServices
from node.participation.status import INITIAL_STATUS
from node.participation.supports import forget_support, receive_support
from node.participation.trail import (
    proposal_document,
    receive_status_change,
    status_change_from_wire,
)
from node.storage.objects import ObjectRecord

log = logging.getLogger(__name__)


async def _addressed_process(services: ParticipationServices, obj: ASObject) -> Process | None:
    for uri in addressed_actors(obj):
        process = await known_process(services, uri, fetch=uri == obj.audience)
        if process is not None:
            return process
    return None


async def handle_create_post(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A Note or a Lemmy-family Page: a proposal, a comment, an official response, or
    just a post."""
    obj = activity.object
    assert obj is not None
    if obj.in_reply_to is not None:
        await _receive_reply(ctx, services, activity, obj)
        return
    process = await _addressed_process(services, obj)
    if process is None:
        await social_handlers.store_created_object(ctx, activity)
        return
    if "proposalStatus" in obj.raw:
        document = dict(obj.raw)
        validate("proposal", document)
        check_proposal_rules(obj)
        if process.local:
            check_takes_proposals(process)
            if document["proposalStatus"] != INITIAL_STATUS:
                raise Refused(
                    f"invalid proposal: /proposalStatus of a new proposal must be {INITIAL_STATUS}"
                )
    elif process.local and process.current_phase == "proposing":
        document = adopt_post(obj, process)
        validate("proposal", document)
    else:
        await social_handlers.store_created_object(ctx, activity)
        return
    await social_handlers.store_created_object(ctx, activity)
    # From an app on this node, through its own inbox (federation.delivery.OwnInbox).
    local = await ctx.is_local_actor(activity.actor)
    await _record_proposal(services, process, document, local=local)


async def _record_proposal(
    services: ParticipationServices,
    process: Process,
    document: dict[str, Any],
    told_by_process: Mapping[str, Any] | None = None,
    *,
    local: bool = False,
) -> None:
    """Keep a stored post as a proposal of ``process``; a local process shares it.

    Status and trail are believed only from the process (``told_by_process``,
    the object its Announce carried); an author's own claims start at submitted.
    ``local``: the post is by one of our people (posted from an app, say), so
    our copy of it becomes the proposal as the process took it.
    """
    obj = parse_object(document)
    if local:
        await services.objects.save_local_object(document)
    else:
        await services.objects.save_remote_object(obj)
    proposal = replace(
        proposal_from_object(obj, process, local=local),
        status=INITIAL_STATUS,
        progress=None,
        awaiting_response=False,
    )
    steps = [
        StatusChange(
            proposal.uri,
            INITIAL_STATUS,
            None,
            SUBMITTED_REASON,
            proposal.author,
            None,
            proposal.published,
        )
    ]
    if told_by_process is not None and not schemas.validate("proposal", dict(told_by_process)):
        history = as_list(told_by_process.get("statusHistory"))
        steps = [status_change_from_wire(proposal.uri, step) for step in history] or steps
        proposal = replace(
            proposal,
            status=told_by_process["proposalStatus"],
            progress=told_by_process.get("progress"),
            awaiting_response=told_by_process.get("awaitingResponse") is True,
        )
    async with services.db.transaction():
        await services.store.save_proposal(proposal)
        for step in steps:
            await services.store.add_status_change(step)
    if process.local:
        await announce_to_followers(services, process, await proposal_document(services, proposal))


async def record_fetched_proposal(
    services: ParticipationServices, process: Process, document: dict[str, Any]
) -> None:
    """Keep a proposal fetched from its origin (a resident opened it from another server);
    its status and trail are believed only when that origin is the process's own node."""
    told = document if same_origin(str(document["id"]), process.uri) else None
    await _record_proposal(services, process, document, told)


async def _receive_reply(
    ctx: InboxContext, services: ParticipationServices, activity: Activity, obj: ASObject
) -> None:
    proposal = await thread_proposal(services, obj.in_reply_to)
    # The process's own posts in the thread tell Mastodon readers of its decisions
    # (node/participation/trail.py status_notice); they are no comments.
    if proposal is None or obj.attributed_to == proposal.process_uri:
        await social_handlers.store_created_object(ctx, activity)
        return
    validate("comment", dict(obj.raw))
    if obj.raw.get("officialResponse") is True:
        validate("official_response", dict(obj.raw))
    await social_handlers.store_created_object(ctx, activity)
    await _record_comment(services, obj)
    await pass_on_to_process(services, ctx, activity, proposal.uri)


async def _record_comment(services: ParticipationServices, obj: ASObject) -> None:
    """Keep a stored reply as a comment in its proposal's thread (or as its official answer)."""
    proposal = await thread_proposal(services, obj.in_reply_to)
    if proposal is None:
        return
    answered = await official_target(services, obj)
    async with services.db.transaction():
        await services.store.save_stance(obj.id, proposal.uri, stance_of(obj))
        if answered is not None and obj.attributed_to is not None:
            await record_official_response(services, answered, obj.attributed_to, obj.id)
    process = await services.store.get_process(proposal.process_uri)
    if process is not None and process.local:
        record = await services.objects.record(obj.id)
        assert record is not None
        await announce_to_followers(services, process, record.document)


async def handle_announce_note(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A boost; from a process we know, it shares a proposal or a comment of that process.

    As in FEP-1b12, the process announces what belongs to it: a post addressed
    to it that it announces as a proposal is one here too, as the process
    describes it, whatever its author's server wrote (a Mastodon status has no
    title or ``audience``).
    """
    # The network first (the object from its origin, then the announcer), writes after:
    # nothing is fetched while the inbox's write transaction is open.
    announced = await social_handlers.announced_object(ctx, activity)
    process = await known_process(services, activity.actor, fetch=True)
    await social_handlers.keep_announce(ctx, activity, announced)
    if process is None or process.local:
        return
    record = await services.objects.record(activity.object_id)
    if record is None or record.deleted_at is not None:
        return
    obj = parse_object(record.document)
    if obj.in_reply_to is not None:
        await _record_comment(services, obj)
        return
    if await services.store.get_proposal(obj.id):
        return
    told = activity.object.raw if activity.object is not None else None
    await _keep_as_told(services, process, record, told)


async def _keep_as_told(
    services: ParticipationServices,
    process: Process,
    record: ObjectRecord,
    told: Mapping[str, Any] | None,
) -> None:
    """Keep a stored post as a proposal of a remote process, as the process tells of it."""
    document = as_told_by_process(dict(record.document), process, told)
    if document is not None and validate_quietly("proposal", document):
        await _record_proposal(services, process, document, told, local=record.local)


# What a process says about a proposal it hosts: what the post is in the process.
PROCESS_VIEW = (
    "name",
    "audience",
    "proposalStatus",
    "progress",
    "supportCount",
    "awaitingResponse",
    "statusHistory",
    "cost",
    "area",
    "location",
    "question",
)


def as_told_by_process(
    document: dict[str, Any], process: Process, told: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """A post as a proposal of ``process``: its author's text with the process's view of it
    (``told``, the object of the process's Announce), or None when it is no proposal there.

    The author's server vouches for the text, the process for what the post is in
    it; a process can only take a post that was addressed to it.
    """
    obj = parse_object(document)
    if process.uri not in addressed_actors(obj):
        return None
    if told is None or told.get("id") != obj.id or told.get("audience") != process.uri:
        return document if obj.audience == process.uri else None
    view = {key: told[key] for key in PROCESS_VIEW if key in told}
    return with_process_mention(document | view, process)


def validate_quietly(kind: str, document: dict[str, Any]) -> bool:
    """Whether a document already stored also holds as a ``kind``; a failure is logged."""
    try:
        validate(kind, document)
    except Invalid as exc:
        log.info("%s kept as an ordinary post: %s", document.get("id"), exc.reason)
        return False
    return True


async def handle_update_note(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """The process's view of a proposal (a status change, a support count), or an
    author's edit."""
    obj = activity.object
    assert obj is not None
    proposal = await services.store.get_proposal(obj.id)
    if proposal is None and not obj.in_reply_to:
        proposal = await _proposal_told_in_update(services, activity, obj)
    if "statusChange" in obj.raw or (
        proposal is not None and activity.actor == proposal.process_uri
    ):
        await receive_status_change(services, activity.actor, obj, epoch_of(activity.published))
        return
    if proposal is None:
        await social_handlers.handle_update_object(ctx, activity)
        return
    before = await services.objects.record(obj.id)
    await social_handlers.handle_update_object(ctx, activity)
    after = await services.objects.record(obj.id)
    await _announce_if_local(services, activity, obj.id)
    if before is not None and after is not None and not after.local:
        # The author edits the text; what the post is in its process stays as the
        # process took it (a Mastodon edit has no title, audience or count).
        kept = {k: before.document[k] for k in PROCESS_VIEW if k in before.document}
        missing = {k: v for k, v in kept.items() if k not in after.document}
        if missing:
            await services.objects.save_remote_object(parse_object(after.document | missing))
    if obj.name and obj.name != proposal.title:
        await services.store.save_proposal(replace(proposal, title=plain_text(obj.name, MAX_TITLE)))


async def _proposal_told_in_update(
    services: ParticipationServices, activity: Activity, obj: ASObject
) -> Proposal | None:
    """A post held here (fetched from its author's server) that a remote process sends
    its view of: the process tells what it is, as its Announce would. A node whose
    resident took part hears of a proposal this way when nobody there follows the
    process."""
    process = await known_process(services, activity.actor, fetch=True)
    record = await services.objects.record(obj.id)
    if process is None or process.local or record is None or record.deleted_at is not None:
        return None
    await _keep_as_told(services, process, record, obj.raw)
    return await services.store.get_proposal(obj.id)


async def handle_update_group(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A Group changed; a process of another node may only move its phase forward, as
    its own node allows, so a move back is refused and the process stays as we know it.
    When it newly carries an open ballot window, its followers here hear the ballot opened."""
    if activity.object is None or activity.object_id != activity.actor:
        await social_handlers.handle_update_actor(ctx, activity)
        return
    known = await known_process(services, activity.actor)
    changed = process_from_document(activity.object.raw)
    if known is not None and not known.local and changed is not None:
        if changed.current_phase != known.current_phase:
            PHASE_LIFECYCLE.require_move(known.current_phase, changed.current_phase)
    before = await services.actors.remote_document(activity.actor)
    await social_handlers.handle_update_actor(ctx, activity)
    if known is not None and not known.local:
        await ballot_opened_elsewhere(services, activity.actor, before, activity.object.raw)


async def handle_like(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A like; of a proposal in one of our processes it is a support."""
    proposal = await services.store.get_proposal(activity.object_id)
    if proposal is not None:
        process = await services.store.get_process(proposal.process_uri)
        if process is not None and process.local:
            await receive_support(services, process, proposal, activity)
            await announce_act(services, process, activity.raw)
            await social_handlers.notify(
                ctx, "favourite", proposal.author, activity.actor, proposal.uri
            )
            return
    await social_handlers.handle_like(ctx, activity)
    await pass_on_to_process(services, ctx, activity, activity.object_id)


async def handle_undo_like(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """An undone like; an undone support is no longer counted."""
    await social_handlers.handle_undo_like(ctx, activity)
    inner = activity.object_activity
    target = inner.object_id if inner is not None else activity.object_id
    await forget_support(services, activity.actor, target)
    await _announce_if_local(services, activity, target)
    await pass_on_to_process(services, ctx, activity, target)


async def _announce_if_local(
    services: ParticipationServices, activity: Activity, target: str
) -> None:
    """Announce an act on a proposal to the readers of its process when the process is ours."""
    proposal = await services.store.get_proposal(target)
    process = await services.store.get_process(proposal.process_uri) if proposal else None
    if process is not None and process.local:
        await announce_act(services, process, activity.raw)


async def handle_undo_by_id(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """An Undo naming only an id: a support's Like, or whatever the core knows."""
    support = await services.store.support_by_activity(activity.object_id)
    if support is not None and support[1] == activity.actor:
        await forget_support(services, activity.actor, support[0])
        return
    await social_handlers.handle_undo_by_id(ctx, activity)


async def handle_dislike(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A Lemmy-family downvote, or its undo: taken (202) and not counted, as supports
    count only agreement; a process of ours announces it as Lemmy does."""
    log.info("%s of %s by %s taken, not counted", activity.type, activity.object_id, activity.actor)
    inner = activity.object_activity
    await _announce_if_local(services, activity, inner.object_id if inner else activity.object_id)


async def handle_reject_like(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A process refused the support of one of our people: it is not counted anywhere."""
    inner = activity.object_activity
    if inner is None or not await ctx.is_local_actor(inner.actor):
        return
    proposal = await services.store.get_proposal(inner.object_id)
    if proposal is None:
        return
    if activity.actor != proposal.process_uri:
        raise NotAllowed(f"only {proposal.process_uri} can refuse supports of {proposal.uri}")
    log.info("support of %s by %s refused: %s", proposal.uri, inner.actor, activity.summary)
    await forget_support(services, inner.actor, proposal.uri)


# Keys the domain takes over from the core; each handler falls back to the core's.
REPLACED_CORE_KEYS = frozenset(
    {("Like", ANY), ("Undo", "Like"), ("Undo", ANY), ("Update", "Group")}
)


def participation_handlers(services: ParticipationServices) -> list[tuple[HandlerKey, Handler]]:
    """The domain's entries for the node's handler table, bound to its services."""
    return bind_all(
        services,
        [
            (("Create", "Note"), handle_create_post),
            (("Create", "Page"), handle_create_post),
            (("Announce", "Note"), handle_announce_note),
            (("Announce", "Page"), handle_announce_note),
            (("Update", "Note"), handle_update_note),
            (("Update", "Page"), handle_update_note),
            (("Update", "Group"), handle_update_group),
            (("Like", ANY), handle_like),
            (("Undo", "Like"), handle_undo_like),
            (("Undo", ANY), handle_undo_by_id),
            (("Dislike", ANY), handle_dislike),
            (("Undo", "Dislike"), handle_dislike),
            (("Reject", "Like"), handle_reject_like),
        ],
    )
