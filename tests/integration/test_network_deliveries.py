"""Each act reaches each node that shows it once, not once per consequence.

A municipality hosts an advise process that two neighbourhood nodes follow.
Supports made together go out as one count ``Update`` per following node
(batched, ``node/participation/trail.py``), and a comment written on a
neighbourhood node reaches the other nodes through the process's ``Announce``
but is not announced back to the node it came from, which shows it already.
"""

from __future__ import annotations

import asyncio

from federation.actors import host_of
from node.participation.trail import publish_due_support_counts
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.network import (
    THRESHOLD,
    Network,
    proposal_path,
    start_network,
    support_count_shown,
)
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.participation_helpers import person
from tests.integration.web_login import logged_in, web_browser

COMMENT = "Een bankje bij de ingang, graag."


async def deliveries_to(net: Network, to: RunningNode, activity_type: str) -> int:
    """How many deliveries of the process's ``activity_type`` went to ``to``'s host."""
    return int(
        await net.gemeente.node.db.fetch_value(
            "SELECT COUNT(*) FROM deliveries d JOIN outbox o ON o.uri = d.activity"
            " WHERE o.type = ? AND o.actor = ? AND d.host = ?",
            (activity_type, net.process.uri, host_of(to.base_url + "/")),
        )
    )


async def test_supports_made_together_go_out_as_one_count_update_per_following_node(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await start_network(start, start_peer, "advise")
    services = net.gemeente.node.participation_services
    path = await proposal_path(net.gemeente, net.proposal.uri)
    for name in ("fatima", "gerrit"):
        await person(net.gemeente, name)
        async with logged_in(net.gemeente, name) as browser:
            assert (await browser.post(f"{path}/support", {})).status == 303
    # Within the batching delay nothing has gone out yet; after it, one Update.
    assert await publish_due_support_counts(services) == 0
    await deliver(*net.nodes)
    for running in net.nodes:
        shown = await support_count_shown(running, net.proposal.uri)
        assert shown == f"2 van {THRESHOLD} steunbetuigingen", running.node.config.handle
    updates = await net.gemeente.node.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE type = 'Update' AND actor = ?", (net.process.uri,)
    )
    assert updates == 1


async def test_a_comment_is_announced_to_the_other_nodes_but_not_back_to_its_own(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await start_network(start, start_peer, "advise")
    before = [await deliveries_to(net, n, "Announce") for n in (net.oosterpark, net.wijert)]
    await person(net.wijert, "sanne")
    path = await proposal_path(net.wijert, net.proposal.uri)
    async with logged_in(net.wijert, "sanne") as sanne:
        answer = await sanne.post(f"{path}/comments", {"stance": "for", "text": COMMENT})
        assert answer.status == 303
    await deliver(*net.nodes)

    for running in net.nodes:
        async with web_browser(running) as visitor:
            page = await visitor.get(await proposal_path(running, net.proposal.uri))
        assert COMMENT in page.text, running.node.config.handle
    assert await deliveries_to(net, net.oosterpark, "Announce") == before[0] + 1
    assert await deliveries_to(net, net.wijert, "Announce") == before[1]


async def test_a_mastodon_follower_gets_the_status_notice_but_never_the_process_view(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await start_network(start, start_peer, "advise")
    path = await proposal_path(net.gemeente, net.proposal.uri)
    for name in ("fatima", "gerrit", "hanna"):
        await person(net.gemeente, name)
        async with logged_in(net.gemeente, name) as browser:
            assert (await browser.post(f"{path}/support", {})).status == 303
    await deliver(*net.nodes)

    for running in net.nodes:
        shown = await support_count_shown(running, net.proposal.uri)
        assert shown == f"3 van {THRESHOLD} steunbetuigingen", running.node.config.handle
    # Joris follows the process from Mastodon, which refuses an Update of a post by
    # anyone but its author: he gets the process's notice of the threshold instead.
    kinds = [r.activity["type"] for r in net.mastodon.inbox if r.verified]
    assert "Update" not in kinds
    notices = [
        r.activity["object"]
        for r in net.mastodon.inbox
        if r.activity["type"] == "Create" and r.activity["actor"] == net.process.uri
    ]
    assert [n["inReplyTo"] for n in notices] == [net.proposal.uri]


async def test_a_node_names_the_author_of_a_proposal_it_was_announced(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await start_network(start, start_peer, "advise")
    async with web_browser(net.wijert) as visitor:
        page = await visitor.get(await proposal_path(net.wijert, net.proposal.uri))
    # Her name and her node's (from its NodeInfo), not an address.
    assert "Door anna · Wijkraad Oosterpark" in page.text
    assert f"@anna@{net.oosterpark.node.urls.host}" not in page.text


async def test_a_node_where_nobody_follows_the_process_hears_it_once_a_resident_took_part(
    start: StartNode, start_peer: StartPeer
) -> None:
    net = await start_network(start, start_peer, "advise")
    paddepoel = await start("paddepoel", "Wijkraad Paddepoel")
    await resident(paddepoel, "lotte")
    lotte = await logged_in_client(paddepoel, "lotte")
    [status] = (await asyncio.to_thread(lotte.search_v2, net.proposal.uri, resolve=True)).statuses
    assert (await asyncio.to_thread(lotte.status_favourite, status.id)).favourited
    await deliver(*net.nodes, paddepoel)
    path = await proposal_path(net.gemeente, net.proposal.uri)
    for name in ("fatima", "gerrit"):
        await person(net.gemeente, name)
        async with logged_in(net.gemeente, name) as browser:
            assert (await browser.post(f"{path}/support", {})).status == 303
    await deliver(*net.nodes, paddepoel)

    assert await net.gemeente.node.participation_store.support_count(net.proposal.uri) == 3
    assert await support_count_shown(paddepoel, net.proposal.uri) == (
        f"3 van {THRESHOLD} steunbetuigingen"
    )
    async with web_browser(paddepoel) as visitor:
        page = await visitor.get(await proposal_path(paddepoel, net.proposal.uri))
    assert "Status: genoeg steun" in page.text
