"""Official responses: the municipality's answer to a proposal, shown apart from comments.

Anyone can set ``officialResponse`` on a reply, so a node honours it only from
someone it trusts to answer: an actor on the same node as the process, or one
this node's organisation follows (a collective follows its municipality).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import ASObject
from federation.actors import same_origin
from federation.errors import NotAllowed, NotFound
from node.clock import iso_now
from node.i18n import N_, translator
from node.participation.comments import post_comment, thread_proposal
from node.participation.mail_notices import mail_official_response
from node.participation.models import OfficialResponse, Process, Proposal
from node.participation.trail import process_of
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

ANSWERING_ROLES = frozenset({"official", "moderator", "admin"})


async def may_answer_officially(
    services: ParticipationServices, process: Process, actor: str
) -> bool:
    """Whether this node believes ``actor`` answers for the municipality in this process."""
    if same_origin(actor, process.uri):
        return True
    organisation = await services.organisation()
    follow = await services.follows.follow_between(organisation.uri, actor)
    return follow is not None and follow.state == "accepted"


async def respond_officially(
    services: ParticipationServices, account: LocalActor, proposal_uri: str, text: str
) -> dict[str, Any]:
    """A municipal moderator answers a proposal in the name of the municipality."""
    if services.config.kind != "municipality":
        raise NotAllowed(
            "only a municipality's node can give official responses", code="official_not_here"
        )
    found = await services.accounts.by_actor_uri(account.uri)
    if found is None or found.role not in ANSWERING_ROLES:
        raise NotAllowed(
            "only a moderator or administrator can answer officially", code="official_role"
        )
    proposal = await services.store.get_proposal(proposal_uri)
    if proposal is None:
        raise NotFound(
            "there is no such proposal on this node", detail=proposal_uri, code="proposal_unknown"
        )
    organisation = await services.organisation()
    async with services.db.transaction():
        document = await post_comment(
            services,
            organisation,
            proposal_uri,
            text,
            heading=translator(services.config.language)(
                N_("Official response from %(organisation)s"),
                organisation=organisation.display_name,
            ),
            extra={"officialResponse": True},
        )
        await record_official_response(services, proposal, organisation.uri, document["id"])
    return document


async def record_official_response(
    services: ParticipationServices, proposal: Proposal, actor: str, response_uri: str
) -> None:
    """Keep a reply as the proposal's official response; the proposal is answered now.
    Its author is mailed, if they asked."""
    await services.store.add_official_response(
        OfficialResponse(response_uri, proposal.uri, actor, iso_now())
    )
    if proposal.awaiting_response:
        await services.store.save_proposal(replace(proposal, awaiting_response=False))
    await mail_official_response(services, proposal, actor, response_uri)


async def official_target(services: ParticipationServices, obj: ASObject) -> Proposal | None:
    """The proposal a reply officially answers, when the flag is set by someone trusted."""
    if obj.raw.get("officialResponse") is not True or obj.attributed_to is None:
        return None
    proposal = await thread_proposal(services, obj.in_reply_to)
    if proposal is None or proposal.uri != obj.in_reply_to:
        return None
    process = await process_of(services, proposal)
    if not await may_answer_officially(services, process, obj.attributed_to):
        return None
    return proposal
