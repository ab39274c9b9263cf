"""Comments: replies to a proposal or to another comment, with an optional stance.

Any reply in a proposal's thread is a comment, a Mastodon reply included (it
has no stance). Threads are assembled from ``inReplyTo``; the stance table
remembers which proposal each comment belongs to.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import ASObject
from federation.errors import NotFound, Refused
from moderation.sanitize import text_to_html
from node.participation.announce import announce_to_followers
from node.participation.models import STANCES, Proposal
from node.participation.trail import process_of
from node.social_actions import post_note
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


async def thread_proposal(
    services: ParticipationServices, in_reply_to: str | None
) -> Proposal | None:
    """The proposal whose thread a reply to ``in_reply_to`` joins, if any."""
    if in_reply_to is None:
        return None
    proposal = await services.store.get_proposal(in_reply_to)
    if proposal is not None:
        return proposal
    parent = await services.store.proposal_of_comment(in_reply_to)
    return await services.store.get_proposal(parent) if parent else None


def stance_of(obj: ASObject) -> str | None:
    """The stance a comment takes, when it takes a known one."""
    stance = obj.raw.get("stance")
    return stance if stance in STANCES else None


async def post_comment(
    services: ParticipationServices,
    author: LocalActor,
    in_reply_to: str,
    text: str,
    *,
    stance: str | None = None,
    heading: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A local person replies in a proposal's thread; the process shares it with its followers.

    ``heading`` opens the reply in bold, for what Mastodon readers must see first.
    """
    if stance is not None and stance not in STANCES:
        raise Refused(f"stance must be one of {', '.join(STANCES)}", code="stance_invalid")
    if not text.strip():
        raise Refused("a comment needs a text", code="comment_text_missing")
    proposal = await thread_proposal(services, in_reply_to)
    if proposal is None:
        raise NotFound(f"{in_reply_to} is not a proposal or a comment on one")
    process = await process_of(services, proposal)
    fields: dict[str, Any] = {"audience": process.uri, **(extra or {})}
    if stance is not None:
        fields["stance"] = stance
    async with services.db.transaction():
        document = await post_note(
            services.social,
            author,
            (f"<p><strong>{escape(heading)}</strong></p>" if heading else "") + text_to_html(text),
            in_reply_to=in_reply_to,
            mentions=[process.uri],
            extra=fields,
            deliver_locally=False,
        )
        await services.store.save_stance(document["id"], proposal.uri, stance)
        if process.local:
            await announce_to_followers(services, process, document)
    return document


async def comments_of(
    services: ParticipationServices, proposal_uri: str
) -> list[tuple[Any, str | None, int]]:
    """The thread under a proposal, depth first: (record, stance, depth) per comment.

    The official response stands apart, and the process's own notices of status
    steps are no comments: the status trail shows them.
    """
    stances = await services.store.stances_of(proposal_uri)
    responses = {r.response_uri for r in await services.store.official_responses(proposal_uri)}
    proposal = await services.store.get_proposal(proposal_uri)
    process_uri = proposal.process_uri if proposal is not None else None
    thread: list[tuple[Any, str | None, int]] = []

    async def walk(uri: str, depth: int) -> None:
        for reply in await services.objects.replies_to(uri):
            if reply.uri in responses or reply.deleted_at is not None:
                continue
            if reply.attributed_to == process_uri:
                continue
            thread.append((reply, stances.get(reply.uri), depth))
            await walk(reply.uri, depth + 1)

    await walk(proposal_uri, 0)
    return thread
