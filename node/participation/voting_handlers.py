"""Inbox handlers for votes, budget ballots and their refusals.

A vote is a ``Create`` of a ``Note`` shaped as a poll answer (see
``federation/handlers.py`` ``POLL_ANSWER``); the table files it apart from
other Notes, and an answer to a question this node does not host is taken as
an ordinary Note.
Every refusal answers the voter with a ``Reject`` whose ``summary`` is the
reason, and the inbox with 422 and the same reason; nothing is counted. A
counted vote is answered with an ``Accept`` carrying its receipt
(node/participation/receipts.py), which the voter's node keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

import schemas
from activitypub.vocabulary import ASObject, as_list, id_of
from federation.actors import same_origin
from federation.errors import NotAllowed, Refused
from federation.handlers import POLL_ANSWER, Handler, HandlerKey, InboxContext, bind_all
from federation.social_handlers import (
    require_author,
    require_same_origin,
    store_created_object,
)
from node.participation.ballots import record_ballot
from node.participation.credentials import receive_revocation
from node.participation.handlers import handle_create_post, handle_undo_by_id
from node.participation.openings_elsewhere import question_opened_elsewhere
from node.participation.services import ParticipationServices
from node.participation.voting import record_vote, withdraw_vote

if TYPE_CHECKING:
    from activitypub.vocabulary import Activity


def _embedded(activity: Activity, what: str) -> ASObject:
    obj = activity.object
    if obj is None:
        raise Refused(f"a {what} must be embedded in its Create")
    require_same_origin(activity, obj.id)
    require_author(activity, obj)
    if obj.attributed_to is None:
        raise Refused(f"a {what} must name its voter in attributedTo")
    return obj


def _schema_problem(kind: str, obj: ASObject) -> str | None:
    problems = schemas.validate(kind, dict(obj.raw))
    if not problems:
        return None
    first = problems[0]
    return f"malformed {kind.replace('_', ' ')} at {first.path}: {first.message}"


def _credential(obj: ASObject) -> str | None:
    credential = obj.raw.get("credential")
    return credential if isinstance(credential, str) else None


async def _answer(
    services: ParticipationServices,
    process_uri: str,
    obj: ASObject,
    voter: str,
    answer: dict[str, Any],
    *,
    outlives_rollback: bool = False,
) -> None:
    """Send the voter an answer (``Accept`` or ``Reject``) embedding their vote or ballot."""
    embedded: dict[str, Any] = {k: v for k, v in obj.raw.items() if k != "@context"}
    await services.outbox.send(
        process_uri,
        {"id": services.outbox.new_activity_id(), **answer, "object": embedded, "to": [voter]},
        [voter],
        outlives_rollback=outlives_rollback,
    )


async def refuse(
    services: ParticipationServices, process_uri: str, obj: ASObject, voter: str, reason: str
) -> NoReturn:
    """Answer a refused vote or ballot with a Reject naming the reason, then refuse the POST."""
    await _answer(
        services,
        process_uri,
        obj,
        voter,
        {"type": "Reject", "summary": reason},
        outlives_rollback=True,
    )
    raise Refused(reason)


async def send_receipt(
    services: ParticipationServices, process_uri: str, obj: ASObject, voter: str, receipt: str
) -> None:
    """Give a counted vote's receipt to the voter's node: an ``Accept`` of the vote with its
    ``receipt``, sent with the vote's effects. Mastodon-family servers have nowhere to show
    it and get nothing."""
    document = await services.actors.remote_document(voter)
    if document is not None and not schemas.speaks_samenspraak(document):
        return
    await _answer(services, process_uri, obj, voter, {"type": "Accept", "receipt": receipt})


async def receive_vote(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A poll vote for one of our Questions; an answer to another node's poll is a Note."""
    answered = activity.object.in_reply_to if activity.object is not None else None
    question = await services.votes.question(answered or "")
    if question is None:
        await handle_create_post(services, ctx, activity)
        return
    vote = _embedded(activity, "vote")
    problem = _schema_problem("vote", vote)
    if problem is not None:
        await refuse(
            services, question.process_uri, vote, activity.actor, f"vote refused: {problem}"
        )
    try:
        receipt = await record_vote(
            services, question.uri, activity.actor, vote.name, vote.id, _credential(vote)
        )
    except Refused as exc:
        await refuse(services, question.process_uri, vote, activity.actor, exc.reason)
    await send_receipt(services, question.process_uri, vote, activity.actor, receipt)


async def handle_create_question(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A poll, kept as any post; from a process of another node, a vote opened in it."""
    question = await store_created_object(ctx, activity)
    await question_opened_elsewhere(services, activity.actor, question)


async def handle_budget_ballot(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A budget ballot for one of our processes."""
    ballot = _embedded(activity, "budget ballot")
    process_uri = id_of(ballot.raw.get("process"))
    if not process_uri or not await ctx.is_local_actor(process_uri):
        raise Refused(f"{process_uri} is not a process this node hosts")
    problem = _schema_problem("budget_ballot", ballot)
    if problem is not None:
        await refuse(services, process_uri, ballot, activity.actor, f"ballot refused: {problem}")
    picks = [p for p in (id_of(v) for v in as_list(ballot.raw.get("picks"))) if p]
    try:
        receipt = await record_ballot(
            services, process_uri, activity.actor, picks, ballot.id, _credential(ballot)
        )
    except Refused as exc:
        await refuse(services, process_uri, ballot, activity.actor, exc.reason)
    await send_receipt(services, process_uri, ballot, activity.actor, receipt)


async def handle_refused_vote(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A process refused a vote or ballot one of our accounts sent: keep the reason to show."""
    sent = services.sent_votes
    target = await sent.target_of(activity.object_id)
    if target is None:
        return
    if not same_origin(activity.actor, target):
        raise NotAllowed(f"{activity.actor} cannot refuse a vote sent to {target}")
    await sent.refused(activity.object_id, activity.summary or "refused without a reason")


async def handle_vote_receipt(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A process counted a vote or ballot one of our accounts sent: keep its receipt for
    the voter's pages. An Accept of any other Note is none of ours and changes nothing."""
    sent = await services.sent_votes.sent_by(activity.object_id)
    if sent is None:
        return
    voter, target = sent
    if not same_origin(activity.actor, target):
        raise NotAllowed(f"{activity.actor} cannot accept a vote sent to {target}")
    receipt = activity.raw.get("receipt")
    if not isinstance(receipt, str) or not receipt.strip():
        raise Refused("an accepted vote must carry its receipt")
    await services.receipts.keep(activity.object_id, voter, target, receipt.strip()[:64])


async def handle_undo_vote(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A voter takes back their vote (an Undo of its Create): withdrawn while the vote is
    open, refused (409) after it closed; an Undo of anything else goes on as before."""
    inner = activity.object_activity
    if inner is not None and inner.actor == activity.actor:
        if await withdraw_vote(services, activity.actor, inner.object_id):
            return
    await handle_undo_by_id(services, ctx, activity)


def voting_handlers(services: ParticipationServices) -> list[tuple[HandlerKey, Handler]]:
    """The voting entries for the node's handler table, bound to the domain's services."""
    return bind_all(
        services,
        [
            (("Create", POLL_ANSWER), receive_vote),
            (("Create", "Question"), handle_create_question),
            (("Create", "BudgetBallot"), handle_budget_ballot),
            (("Reject", "Note"), handle_refused_vote),
            (("Reject", "BudgetBallot"), handle_refused_vote),
            (("Delete", "Credential"), receive_revocation),
            (("Accept", "Note"), handle_vote_receipt),
            (("Accept", "BudgetBallot"), handle_vote_receipt),
            (("Undo", "Create"), handle_undo_vote),
        ],
    )
