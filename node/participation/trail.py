"""The status trail: changing a proposal's status, federating it, and taking it in.

Only the node hosting a proposal's process changes its status and counts its
supports; every other node shows what the process published. Each change of
the process's view (a status step, a new support count) is an ``Update`` of
the whole proposal sent by the process actor to its followers and to the
author on Samenspraak nodes; they accept it from that process only.

A support count goes out batched: a counted or withdrawn support marks the
proposal, and one ``Update`` per marked proposal follows after
``SUPPORT_COUNT_DELAY`` (``publish_due_support_counts``, run by the node's
periodic tasks), so a support costs one delivery per following node however
many arrive together. Each view carries its time to the microsecond
(``published``); a node takes a view only when it is newer than the last it
took, since retried deliveries arrive in any order.

Mastodon-family servers refuse an ``Update`` whose actor is not the object's
author, so a status step also travels as a notice: a public ``Note`` by the
process in the proposal's thread, carrying the new status and its reason
(``status_notice``). Samenspraak nodes keep it as a post of the process, never
as a comment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import PUBLIC, ASObject, id_of, parse_object
from federation.errors import NotAllowed, NotFound, Refused
from node.clock import epoch_now, iso_now, iso_precise_now
from node.participation.mail_notices import mail_status_change
from node.participation.models import Process, Proposal, StatusChange
from node.participation.proposals import (
    change_document,
    status_html,
    statused_content,
    validate,
)
from node.participation.readers import readers_by_host
from node.participation.status import PROPOSAL_LIFECYCLE, require_status_change
from node.social_actions import create_object
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

log = logging.getLogger(__name__)

# Seconds a changed support count waits before its Update goes out, gathering
# the supports that arrive meanwhile into one delivery per following node.
SUPPORT_COUNT_DELAY = 10.0


async def proposal_document(services: ParticipationServices, proposal: Proposal) -> dict[str, Any]:
    """The stored document of a proposal with its current status, count and trail."""
    record = await services.objects.record(proposal.uri)
    if record is None or record.deleted_at is not None:
        raise NotFound(
            "this proposal no longer exists", detail=proposal.uri, code="proposal_unknown"
        )
    document = {k: v for k, v in record.document.items() if k != "@context"}
    trail = await services.store.status_trail(proposal.uri)
    document["proposalStatus"] = proposal.status
    document["statusHistory"] = [change_document(c) for c in trail]
    document["awaitingResponse"] = proposal.awaiting_response
    document.pop("statusChange", None)
    if proposal.progress is not None:
        document["progress"] = proposal.progress
    if proposal.merged_into is not None:
        document["mergedInto"] = proposal.merged_into
    process = await services.store.get_process(proposal.process_uri)
    if process is not None and process.local:
        document["supportCount"] = await services.store.support_count(proposal.uri)
    return document


async def change_status(
    services: ParticipationServices,
    proposal: Proposal,
    status: str,
    *,
    reason: str,
    actor: str,
    progress: int | None = None,
    merged_into: str | None = None,
) -> Proposal:
    """Take one step in a proposal's lifecycle on the process's node, and federate it;
    ``merged_into`` is the proposal a duplicate is merged into (merging.py checks it)."""
    process = await services.store.get_process(proposal.process_uri)
    if process is None or not process.local:
        raise Refused(
            "only the node hosting the process can change a proposal's status",
            code="not_hosted_here",
        )
    reason = reason.strip()
    if not reason:
        raise Refused("a status change needs a reason", code="status_reason_missing")
    require_status_change(
        proposal.status,
        status,
        by_author=actor == proposal.author,
        progress=progress,
        merged_into=merged_into,
    )
    now = iso_now()
    change = StatusChange(proposal.uri, status, proposal.status, reason, actor, progress, now)
    answered = bool(await services.store.official_responses(proposal.uri))
    changed = replace(
        proposal,
        status=status,
        progress=progress if status == "in_progress" else proposal.progress,
        awaiting_response=proposal.awaiting_response
        or (process.archetype == "advise" and status == "threshold_reached" and not answered),
        merged_into=merged_into if status == "merged" else proposal.merged_into,
    )
    async with services.db.transaction():
        await services.store.save_proposal(changed)
        await services.store.add_status_change(change)
        document = await proposal_document(services, changed)
        document["statusChange"] = change_document(change)
        if proposal.local:
            document["content"] = statused_content(
                document.get("content", ""), status, reason, progress, services.config.language
            )
            document["updated"] = now
        validate("status_change", document)
        await _save_document(services, document, local=proposal.local)
        await _send_process_view(services, process, proposal, document)
        await _post_status_notice(services, process, changed, change)
    await notify_status_change(services, changed, change)
    return changed


async def publish_support_count(services: ParticipationServices, proposal: Proposal) -> None:
    """Note that a proposal of a local process has a new support count; the nodes that
    show it hear it from ``publish_due_support_counts``."""
    await services.store.changed_counts.mark(proposal.uri, epoch_now())


async def publish_due_support_counts(
    services: ParticipationServices, now: float | None = None
) -> int:
    """Send one ``Update`` with the current count for each proposal whose supports
    changed at least SUPPORT_COUNT_DELAY seconds ago; return how many were sent."""
    moment = epoch_now() if now is None else now

    async def send(proposal_uri: str) -> bool:
        proposal = await services.store.get_proposal(proposal_uri)
        if proposal is None:
            return False
        process = await services.store.get_process(proposal.process_uri)
        if process is None or not process.local:
            return False
        try:
            document = await proposal_document(services, proposal)
        except NotFound:
            return False
        await _send_process_view(services, process, proposal, document)
        return True

    return await services.store.changed_counts.send_due(moment - SUPPORT_COUNT_DELAY, moment, send)


async def _send_process_view(
    services: ParticipationServices,
    process: Process,
    proposal: Proposal,
    document: dict[str, Any],
) -> None:
    """The process's view of a proposal, as an ``Update`` to the nodes that read it."""
    recipients = await _view_readers(services, process, proposal)
    if not recipients:
        return
    await services.outbox.send(
        process.uri,
        {
            "id": services.outbox.new_activity_id(),
            "type": "Update",
            "published": iso_precise_now(),
            "object": document,
            "to": [PUBLIC],
            "cc": recipients,
        },
        recipients,
    )


async def _view_readers(
    services: ParticipationServices, process: Process, proposal: Proposal
) -> list[str]:
    """One actor per Samenspraak node that shows the proposal: the process's followers,
    its author, and those who supported it or replied in its thread, so a node whose
    resident took part hears the process even when nobody there follows it.

    Mastodon-family servers refuse an ``Update`` whose actor is not the post's
    author (Takahē retries it without end), so their people get the status
    notice instead. An actor whose document was never fetched is kept.
    """
    replies = await services.objects.replies_to(proposal.uri)
    candidates = [
        *await services.follows.followers_of(process.uri),
        proposal.author,
        *await services.store.supporters(proposal.uri),
        *(reply.attributed_to for reply in replies if reply.attributed_to),
    ]
    # The fan-out sends to the node's shared inbox: one actor stands for it.
    return list((await readers_by_host(services, candidates)).samenspraak.values())


def status_notice(
    services: ParticipationServices, process: Process, proposal: Proposal, change: StatusChange
) -> dict[str, Any]:
    """The process's post in a proposal's thread that tells of a status step.

    It is the process's own ``Note``, so servers that take posts only from their
    authors (Mastodon, Takahē) show it to the process's followers as a reply.
    """
    uri = services.urls.new_object()
    recipients = [services.urls.followers(process.slug), proposal.author]
    return {
        "id": uri,
        "type": "Note",
        "attributedTo": process.uri,
        "inReplyTo": proposal.uri,
        "audience": process.uri,
        "content": f"<p><strong>{escape(proposal.title)}</strong></p>"
        + status_html(change.status, change.reason, change.progress, services.config.language),
        "to": [PUBLIC],
        "cc": recipients,
        "tag": [{"type": "Mention", "href": proposal.author}],
        "url": uri,
        "published": change.published,
        "statusChange": change_document(change),
    }


async def _post_status_notice(
    services: ParticipationServices, process: Process, proposal: Proposal, change: StatusChange
) -> None:
    actor = await services.actors.by_uri(process.uri)
    assert actor is not None, f"{process.uri} is a local process without an actor"
    notice = status_notice(services, process, proposal, change)
    await create_object(services.social, actor, notice, list(notice["cc"]))


async def notify_status_change(
    services: ParticipationServices,
    proposal: Proposal,
    change: StatusChange,
    sender: str | None = None,
) -> None:
    """Tell local authors and supporters that a proposal moved on (Mastodon's "update"),
    as coming from ``sender`` (the process that sent it) or else the change's actor; and
    mail its author, if they asked."""
    notifications = services.notifications
    for recipient in [proposal.author, *await services.reactions.likes_of(proposal.uri)]:
        await notifications.notify("update", recipient, sender or change.actor, proposal.uri)
    await mail_status_change(services, proposal, change)


async def _save_document(
    services: ParticipationServices, document: dict[str, Any], *, local: bool
) -> None:
    if local:
        await services.objects.save_local_object(document)
    else:
        await services.objects.save_remote_object(parse_object(document))


def status_change_from_wire(proposal_uri: str, step: Mapping[str, Any]) -> StatusChange:
    """A ``statusChange`` object (already schema-checked) as a stored StatusChange."""
    return StatusChange(
        proposal_uri,
        step["status"],
        step.get("previousStatus"),
        step["reason"],
        step["actor"],
        step.get("progress"),
        step["published"],
    )


async def receive_status_change(
    services: ParticipationServices, sender: str, obj: ASObject, viewed_at: float | None = None
) -> None:
    """An ``Update`` of a proposal from the process hosting it: a ``statusChange``, or
    without one its new support count. To our own process, an author's withdrawal.

    ``viewed_at`` is when the process sent this view (the Update's ``published``);
    a view older than one taken before adds its step to the trail and changes
    nothing else.
    """
    proposal = await services.store.get_proposal(obj.id)
    if proposal is None:
        return
    document = dict(obj.raw)
    process = await services.store.get_process(proposal.process_uri)
    if process is not None and process.local:
        await _receive_withdrawal(services, proposal, sender, document)
        return
    if sender != proposal.process_uri:
        raise NotAllowed(f"only {proposal.process_uri} decides the status of {proposal.uri}")
    newer = viewed_at is None or await services.store.take_newer_view(proposal.uri, viewed_at)
    if not newer:
        log.info("%s: an older view from %s than the one shown, not taken", obj.id, sender)
    if "statusChange" not in document:
        if newer:
            await _receive_support_count(services, proposal, document)
        return
    validate("status_change", document)
    step = document["statusChange"]
    if step["status"] != document["proposalStatus"]:
        raise Refused("invalid status_change: /statusChange/status must equal /proposalStatus")
    previous = step.get("previousStatus") or proposal.status
    if previous != proposal.status and step["status"] == proposal.status:
        return
    if not PROPOSAL_LIFECYCLE.allows(previous, step["status"]):
        raise Refused(
            f"invalid status_change: a proposal that is {previous} cannot become {step['status']}"
        )
    change = status_change_from_wire(proposal.uri, step)
    if not newer:
        await services.store.add_status_change(change)
        return
    changed = replace(
        proposal,
        status=change.status,
        progress=document.get("progress", proposal.progress),
        # An answer may arrive before the step that made the proposal wait for it.
        awaiting_response=document.get("awaitingResponse") is True
        and not await services.store.official_responses(proposal.uri),
        merged_into=id_of(document.get("mergedInto")) if change.status == "merged" else None,
    )
    async with services.db.transaction():
        await services.store.save_proposal(changed)
        await services.store.add_status_change(change)
        # Only status fields are taken from the process; the text stays as its
        # author's node published it.
        kept = await proposal_document(services, changed)
        if isinstance(document.get("supportCount"), int):
            kept["supportCount"] = document["supportCount"]
        if proposal.local:
            kept["content"] = statused_content(
                kept.get("content", ""),
                change.status,
                change.reason,
                change.progress,
                services.config.language,
            )
            kept["updated"] = iso_now()
        await _save_document(services, kept, local=proposal.local)
    await notify_status_change(services, changed, change, sender)


async def _receive_support_count(
    services: ParticipationServices, proposal: Proposal, document: dict[str, Any]
) -> None:
    """Show the support count the process published; nothing else is taken from it."""
    validate("proposal", document)
    if not isinstance(document.get("supportCount"), int):
        return
    kept = await proposal_document(services, proposal)
    kept["supportCount"] = document["supportCount"]
    await _save_document(services, kept, local=proposal.local)


async def _receive_withdrawal(
    services: ParticipationServices, proposal: Proposal, sender: str, document: dict[str, Any]
) -> None:
    """The author asks our process to withdraw their proposal; nobody else may change it."""
    step = document.get("statusChange")
    if sender != proposal.author or not isinstance(step, dict) or step.get("status") != "withdrawn":
        raise NotAllowed("this node decides the status of its own processes")
    validate("status_change", document)
    await change_status(services, proposal, "withdrawn", reason=step["reason"], actor=sender)


async def withdraw(
    services: ParticipationServices, author: LocalActor, proposal_uri: str, reason: str
) -> None:
    """The author withdraws a proposal: directly in our own process, else by asking the
    process's node, which confirms with its own status change."""
    proposal = await services.store.get_proposal(proposal_uri)
    if proposal is None or proposal.author != author.uri:
        raise NotFound(f"this is not a proposal of {author.username}", detail=proposal_uri)
    process = await process_of(services, proposal)
    if process.local:
        await change_status(services, proposal, "withdrawn", reason=reason, actor=author.uri)
        return
    require_status_change(proposal.status, "withdrawn", by_author=True, progress=None)
    if not reason.strip():
        raise Refused("a status change needs a reason", code="status_reason_missing")
    now = iso_now()
    change = StatusChange(
        proposal.uri, "withdrawn", proposal.status, reason.strip(), author.uri, None, now
    )
    document = await proposal_document(services, proposal)
    document |= {"proposalStatus": "withdrawn", "statusChange": change_document(change)}
    validate("status_change", document)
    # Only the process may accept the step; followers hear of it from the process.
    await services.outbox.send(
        author.uri,
        {
            "id": services.outbox.new_activity_id(),
            "type": "Update",
            "published": iso_precise_now(),
            "object": document,
            "to": [process.uri],
        },
        [process.uri],
    )


async def process_of(services: ParticipationServices, proposal: Proposal) -> Process:
    """The process a proposal belongs to."""
    process = await services.store.get_process(proposal.process_uri)
    if process is None:
        raise NotFound("the process of this proposal is unknown here", detail=proposal.uri)
    return process
