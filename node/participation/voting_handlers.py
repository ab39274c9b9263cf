"""Inbox handlers for votes, budget ballots and their refusals.

``receive_vote`` is not in the table itself: a vote is a ``Create`` of a
``Note``, so the participation domain's Create-Note handler hands Notes that
reply to one of our Questions to it (``InboxContext.extras["vote_handler"]``).
Every refusal answers the voter with a ``Reject`` whose ``summary`` is the
reason, and the inbox with 422 and the same reason; nothing is counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

import schemas
from activitypub.jsonld import normalise
from activitypub.vocabulary import ASObject, as_list, id_of
from federation.actors import same_origin
from federation.errors import NotAllowed, Refused
from federation.handlers import Handler, HandlerKey, InboxContext
from federation.social_handlers import require_author, require_same_origin
from node.participation.ballots import record_ballot
from node.participation.eligibility import EligibilityPolicy
from node.participation.voting import publish_due_tallies, record_vote
from node.storage.residents import ResidentRegistry
from node.storage.trust import TrustList
from node.storage.votes import SentVotes, VotingStore
from schemas import outgoing_context

if TYPE_CHECKING:
    from activitypub.vocabulary import Activity
    from node.node import Node


def _node(ctx: InboxContext) -> Node:
    return ctx.extras["node"]


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


async def refuse(node: Node, process_uri: str, obj: ASObject, voter: str, reason: str) -> NoReturn:
    """Answer a refused vote or ballot with a Reject naming the reason, then refuse the POST."""
    embedded: dict[str, Any] = {k: v for k, v in obj.raw.items() if k != "@context"}
    await node.outbox.send(
        process_uri,
        {
            "id": node.outbox.new_activity_id(),
            "type": "Reject",
            "object": embedded,
            "summary": reason,
            "to": [voter],
        },
        [voter],
        outlives_rollback=True,
    )
    raise Refused(reason)


async def receive_vote(ctx: InboxContext, activity: Activity) -> None:
    """A poll vote from another server for one of our Questions."""
    node = _node(ctx)
    vote = _embedded(activity, "vote")
    question = await VotingStore(node.db).question(vote.in_reply_to or "")
    if question is None:
        raise Refused(f"{vote.in_reply_to} is not a question this node hosts")
    problem = _schema_problem("vote", vote)
    if problem is not None:
        await refuse(node, question.process_uri, vote, activity.actor, f"vote refused: {problem}")
    try:
        await record_vote(node, question.uri, activity.actor, vote.name, vote.id)
    except Refused as exc:
        await refuse(node, question.process_uri, vote, activity.actor, exc.reason)


async def handle_budget_ballot(ctx: InboxContext, activity: Activity) -> None:
    """A budget ballot for one of our processes."""
    node = _node(ctx)
    ballot = _embedded(activity, "budget ballot")
    process_uri = id_of(ballot.raw.get("process"))
    if not process_uri or not await ctx.is_local_actor(process_uri):
        raise Refused(f"{process_uri} is not a process this node hosts")
    problem = _schema_problem("budget_ballot", ballot)
    if problem is not None:
        await refuse(node, process_uri, ballot, activity.actor, f"ballot refused: {problem}")
    picks = [p for p in (id_of(v) for v in as_list(ballot.raw.get("picks"))) if p]
    try:
        await record_ballot(node, process_uri, activity.actor, picks, ballot.id)
    except Refused as exc:
        await refuse(node, process_uri, ballot, activity.actor, exc.reason)


async def handle_refused_vote(ctx: InboxContext, activity: Activity) -> None:
    """A process refused a vote or ballot one of our accounts sent: keep the reason to show."""
    node = _node(ctx)
    sent = SentVotes(node.db)
    target = await sent.target_of(activity.object_id)
    if target is None:
        return
    if not same_origin(activity.actor, target):
        raise NotAllowed(f"{activity.actor} cannot refuse a vote sent to {target}")
    await sent.refused(activity.object_id, activity.summary or "refused without a reason")


def install_voting(node: Node) -> None:
    """Give the node its real eligibility policies and the vote hook of the Create-Note
    handler."""
    node.eligibility = EligibilityPolicy(
        residents=ResidentRegistry(node.db),
        trust=TrustList(node.db),
        resolver=node.resolver,
        cached_actor=node.actors.remote_actor,
        remote_document=node.actors.remote_document,
        is_local=node.actors.is_local,
        normalise=lambda document: normalise(document, outgoing_context(), node.loader),
    ).check
    node.extras["vote_handler"] = receive_vote
    node.periodic.append(lambda: publish_due_tallies(node))


VOTING_HANDLERS: list[tuple[HandlerKey, Handler]] = [
    (("Create", "BudgetBallot"), handle_budget_ballot),
    (("Reject", "Note"), handle_refused_vote),
    (("Reject", "BudgetBallot"), handle_refused_vote),
]
