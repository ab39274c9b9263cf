"""Mastodon's favourite and reply reach the process through the author's node, provably.

Mastodon sends a favourite only to the author's server. The proposal's author
lives on Oosterpark, its process on the municipal node; Oosterpark forwards the
signed request it received (``federation/forwarding.py``), and the process
counts it after checking the liker's own signature. A forward the author's node
invented, altered or took from elsewhere is refused and counts nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from federation.forwarding import InboxRequest, forwarded_request_activity
from federation.transport import PostOutcome
from node.clock import utc_now
from node.participation.models import Process, Proposal
from node.participation.trail import change_status
from node.runner import RunningNode
from schemas import outgoing_context
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.participation_helpers import open_process, person, proposal_from_elsewhere


@dataclass(frozen=True)
class Network:
    """The proposal's process on the municipal node, its author on Oosterpark, and Mastodon."""

    gemeente: RunningNode
    oosterpark: RunningNode
    mastodon: FakeMastodon
    joris: PeerAccount
    process: Process
    proposal: Proposal


async def _network(start: StartNode, start_peer: StartPeer) -> Network:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    process = await open_process(gemeente, "klimaat", "advise", threshold=3)
    anna = await person(oosterpark, "anna")
    proposal = await proposal_from_elsewhere(gemeente, oosterpark, anna, process)
    return Network(gemeente, oosterpark, mastodon, joris, process, proposal)


async def _send(net: Network, to: RunningNode, activity: dict[str, Any]) -> int:
    """POST an activity from Joris's Mastodon server to a node's shared inbox; the status."""
    return (await net.mastodon.post(net.joris, f"{to.base_url}/inbox", activity)).status


async def _forward_as(
    forwarder: RunningNode, to: RunningNode, request: InboxRequest, inner_id: str, process: str
) -> PostOutcome:
    """A ForwardedRequest that ``forwarder``'s instance actor signs and POSTs itself."""
    signer = await forwarder.node.actors.instance_signer()
    wrapper = forwarded_request_activity(
        forwarder.node.outbox.new_activity_id(), signer.actor_id, request, inner_id, [process]
    )
    body = json.dumps({"@context": outgoing_context(), **wrapper}).encode("utf-8")
    return await forwarder.node.transport.post_activity(f"{to.base_url}/inbox", body, signer)


def _signed(
    mastodon: FakeMastodon,
    account: PeerAccount,
    url: str,
    activity: dict[str, Any],
    **spoil: Any,
) -> InboxRequest:
    """The request Mastodon sends to ``url``, as the receiving inbox sees it; ``spoil`` as
    in ``FakeMastodon.signed_post_headers``."""
    body = json.dumps(activity).encode("utf-8")
    headers = mastodon.signed_post_headers(account, url, body, **spoil)
    lowered = {name.lower(): value for name, value in headers.items()}
    return InboxRequest("POST", urlsplit(url).path, lowered, body)


async def test_mastodon_favourite_sent_to_the_author_node_counts_once_on_the_process_node(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await _network(start, start_peer)

    like = net.mastodon.like(net.joris, net.proposal.uri)
    assert await _send(net, net.oosterpark, like) == 202
    # Mastodon retries a delivery it thinks failed; the same like twice is one act.
    assert await _send(net, net.oosterpark, like) == 202
    await deliver(net.oosterpark, net.gemeente)
    store = net.gemeente.node.participation_store
    assert await store.supporters(net.proposal.uri) == [net.joris.uri]

    # Sent to the process as well (a server that addresses it): still one support.
    assert await _send(net, net.gemeente, like) == 202
    await deliver(net.oosterpark, net.gemeente)
    assert await store.support_count(net.proposal.uri) == 1

    # Mastodon's unfavourite also reaches the author only; it withdraws the support.
    undo = net.mastodon.undo(net.joris, like)
    assert await _send(net, net.oosterpark, undo) == 202
    await deliver(net.oosterpark, net.gemeente)
    assert await store.support_count(net.proposal.uri) == 0


async def test_mastodon_reply_mentioning_only_the_author_becomes_a_comment_of_the_process(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await _network(start, start_peer)
    anna = await net.oosterpark.node.actors.by_username("anna")
    assert anna is not None
    reply = net.mastodon.note(
        net.joris,
        "<p>Goed idee, ook bij de school.</p>",
        mentions=((anna.uri, f"@anna@{net.oosterpark.node.urls.host}"),),
        in_reply_to=net.proposal.uri,
    )
    create = net.mastodon.create(reply)
    assert await _send(net, net.oosterpark, create) == 202
    await deliver(net.oosterpark, net.gemeente)
    stances = await net.gemeente.node.participation_store.stances_of(net.proposal.uri)
    assert list(stances) == [reply["id"]]

    # The process's own notice in the thread reaches the author's node, and stays there.
    proposal = await net.gemeente.node.participation_store.get_proposal(net.proposal.uri)
    assert proposal is not None
    await change_status(
        net.gemeente.node.participation_services,
        proposal,
        "under_review",
        reason="De gemeente bekijkt het.",
        actor=net.process.uri,
    )
    await deliver(net.oosterpark, net.gemeente)
    assert list(await net.gemeente.node.participation_store.stances_of(proposal.uri)) == [
        reply["id"]
    ]
    forwarded = await net.oosterpark.node.db.fetch_all(
        "SELECT uri FROM outbox WHERE type = 'ForwardedRequest'"
    )
    assert len(forwarded) == 1, "the reply only"


async def test_forged_forwards_are_refused_and_count_nothing(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await _network(start, start_peer)
    store = net.gemeente.node.participation_store
    inbox = f"{net.oosterpark.base_url}/inbox"

    # The author's node invents a like and signs it with its own key in the liker's name.
    invented = net.mastodon.like(net.joris, net.proposal.uri)
    body = json.dumps(invented).encode("utf-8")
    instance = await net.oosterpark.node.actors.instance_signer()
    headers = net.mastodon.signed_post_headers(
        net.joris, inbox, body, private_pem=instance.private_key_pem
    )
    forged = InboxRequest("POST", "/inbox", {k.lower(): v for k, v in headers.items()}, body)
    outcome = await _forward_as(
        net.oosterpark, net.gemeente, forged, invented["id"], net.process.uri
    )
    assert outcome.status == 403
    assert "is not signed by its actor (bad_signature)" in outcome.error

    # A real like, altered on the way: the digest no longer matches the body.
    genuine = _signed(
        net.mastodon, net.joris, inbox, net.mastodon.like(net.joris, net.proposal.uri)
    )
    tampered_like = {**json.loads(genuine.body), "id": f"{net.joris.uri}#likes/forged"}
    tampered = InboxRequest(
        "POST", genuine.target, genuine.headers, json.dumps(tampered_like).encode("utf-8")
    )
    outcome = await _forward_as(
        net.oosterpark, net.gemeente, tampered, tampered_like["id"], net.process.uri
    )
    assert outcome.status == 403 and "(bad_digest)" in outcome.error

    # A real like sent to another server, passed on as if Oosterpark had received it.
    elsewhere = _signed(net.mastodon, net.joris, f"{net.mastodon.base_url}/inbox", invented)
    outcome = await _forward_as(
        net.oosterpark, net.gemeente, elsewhere, invented["id"], net.process.uri
    )
    assert outcome.status == 403
    assert f"not to the forwarding node {net.oosterpark.node.urls.host}" in outcome.error

    # Old, unsigned where it matters, or sent to somewhere that is not an inbox.
    refusals = {
        "(stale_date)": {"date": utc_now() - timedelta(hours=3)},
        "host must be signed": {"unsigned": ("Host",)},
    }
    for reason, spoil in refusals.items():
        spoiled = _signed(net.mastodon, net.joris, inbox, invented, **spoil)
        outcome = await _forward_as(
            net.oosterpark, net.gemeente, spoiled, invented["id"], net.process.uri
        )
        assert outcome.status == 403 and reason in outcome.error
    outbox = f"{net.oosterpark.base_url}/actors/anna/outbox"
    not_an_inbox = _signed(net.mastodon, net.joris, outbox, invented)
    outcome = await _forward_as(
        net.oosterpark, net.gemeente, not_an_inbox, invented["id"], net.process.uri
    )
    assert outcome.status == 403 and "only a POST to an inbox" in outcome.error

    assert await store.support_count(net.proposal.uri) == 0
    assert not await net.gemeente.node.inbox_log.seen(invented["id"])
