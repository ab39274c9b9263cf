"""The process's views of a proposal arrive in any order; a node shows the newest.

Deliveries retried after a node was down, or sent side by side to one inbox,
can arrive in another order than they were sent. Each view the process sends
(an ``Update`` of the proposal) carries its time to the microsecond; a node
takes a view only when it is newer than the last one it took, so an old
support count never replaces a newer one.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from node.clock import iso_precise_now, utc_now
from node.participation.trail import proposal_document
from node.runner import RunningNode
from schemas import outgoing_context
from tests.integration.conftest import StartNode, StartPeer
from tests.integration.network import (
    THRESHOLD,
    Network,
    start_network,
    support_count_shown,
)


async def view_from_process(net: Network, count: int, published: str) -> dict[str, Any]:
    """An Update of the proposal by its process that says ``count`` supports."""
    services = net.gemeente.node.participation_services
    proposal = await services.store.get_proposal(net.proposal.uri)
    assert proposal is not None
    document = await proposal_document(services, proposal) | {"supportCount": count}
    return {
        "@context": outgoing_context(),
        "id": net.gemeente.node.outbox.new_activity_id(),
        "type": "Update",
        "actor": net.process.uri,
        "published": published,
        "object": document,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }


async def post_as_process(net: Network, to: RunningNode, activity: dict[str, Any]) -> int:
    """POST ``activity`` to a node's inbox, signed by the process's own key."""
    signer = await net.gemeente.node.actors.signer_for(net.process.uri)
    assert signer is not None
    body = json.dumps(activity).encode("utf-8")
    outcome = await net.gemeente.node.transport.post_activity(f"{to.base_url}/inbox", body, signer)
    return outcome.status or 0


async def test_an_older_count_arriving_after_a_newer_one_changes_nothing(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await start_network(start, start_peer, "advise")
    earlier = (utc_now() - timedelta(microseconds=500)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    newer = await view_from_process(net, 2, iso_precise_now())
    older = await view_from_process(net, 1, earlier)

    assert await post_as_process(net, net.wijert, newer) == 202
    assert (
        await support_count_shown(net.wijert, net.proposal.uri)
        == f"2 van {THRESHOLD} steunbetuigingen"
    )
    assert await post_as_process(net, net.wijert, older) == 202
    assert (
        await support_count_shown(net.wijert, net.proposal.uri)
        == f"2 van {THRESHOLD} steunbetuigingen"
    )
