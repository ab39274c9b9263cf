"""A neighbourhood node that was down while residents took part converges once it is back.

De Wijert is stopped while residents of the municipality, Oosterpark and a
Mastodon server support and comment on a proposal in the municipal process.
It is started again on the same port and data directory; after delivery
rounds (retries come later, so the rounds run on a later clock) every node
shows the process's final counts, status and comments.
"""

from __future__ import annotations

import asyncio
import dataclasses

from node.clock import epoch_now
from node.participation.trail import publish_due_support_counts
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer
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

# Past every retry delay and host pause a few failed deliveries can cause.
LATER = 3600.0
COMMENT = "Liever bomen dan wadis."


class LaterClock:
    """Delivery rounds on a clock that moves an hour on each round and never back.

    A failed delivery pauses its host until a time on the clock of the round that
    failed; rounds after the restart must start past it, or the paused jobs are
    not yet due and the rounds end with nothing done (what made the comments test
    fail in about a third of the runs).
    """

    def __init__(self) -> None:
        self.rounds = 0

    async def deliver(self, *nodes: RunningNode, rounds: int) -> None:
        """Run delivery rounds on every node until none has a job waiting, or ``rounds`` ran."""
        for _ in range(rounds):
            self.rounds += 1
            moment = epoch_now() + self.rounds * LATER
            for running in nodes:
                await publish_due_support_counts(running.node.participation_services, now=moment)
                await running.node.worker.run_once(now=moment)
            waiting = [
                (await running.node.deliveries.counts()).get("pending", 0) for running in nodes
            ]
            if not any(waiting):
                return


async def acts_while_wijert_is_down(start: StartNode, start_peer: StartPeer) -> Network:
    """Support three times and comment once while De Wijert is down; restart it and deliver."""
    network = await start_network(start, start_peer, "advise")
    later = LaterClock()
    gemeente, oosterpark, wijert = network.nodes
    uri = network.proposal.uri
    await wijert.stop()

    await person(gemeente, "fatima")
    path = await proposal_path(gemeente, uri)
    async with logged_in(gemeente, "fatima") as fatima:
        assert (await fatima.post(f"{path}/support", {})).status == 303
        assert (
            await fatima.post(f"{path}/comments", {"stance": "against", "text": COMMENT})
        ).status == 303
    await resident(oosterpark, "joost")
    joost = await logged_in_client(oosterpark, "joost")
    [status] = (await asyncio.to_thread(joost.search_v2, uri, resolve=True)).statuses
    assert (await asyncio.to_thread(joost.status_favourite, status.id)).favourited
    peer, joris = network.mastodon, network.joris
    like = peer.like(joris, uri)
    assert (await peer.post(joris, f"{oosterpark.base_url}/inbox", like)).status == 202
    # Rounds while De Wijert is down: its host gets paused for longer and longer.
    await later.deliver(gemeente, oosterpark, rounds=6)
    assert await gemeente.node.participation_store.support_count(uri) == 3
    # What the process shares with De Wijert waits in the queue.
    assert (await gemeente.node.deliveries.counts()).get("pending", 0) > 0

    config = wijert.node.config
    wijert = await start(config.handle, config.name, kind=config.kind, port=config.port)
    network = dataclasses.replace(network, wijert=wijert)
    # Past the longest pause (twelve hours) the host can have reached.
    await later.deliver(*network.nodes, rounds=24)
    return network


async def page_of(running: RunningNode, uri: str) -> str:
    """The HTML of a node's page for a proposal."""
    async with web_browser(running) as visitor:
        return (await visitor.get(await proposal_path(running, uri))).text


async def test_a_node_down_during_the_acts_shows_the_final_counts_after_restart(
    start: StartNode, start_peer: StartPeer
) -> None:
    network = await acts_while_wijert_is_down(start, start_peer)
    uri = network.proposal.uri

    assert await network.gemeente.node.participation_store.support_count(uri) == 3
    for running in network.nodes:
        handle = running.node.config.handle
        assert await support_count_shown(running, uri) == f"3 van {THRESHOLD} steunbetuigingen"
        assert "Status: genoeg steun" in await page_of(running, uri), handle


async def test_a_node_down_during_the_acts_shows_the_comments_after_restart(
    start: StartNode, start_peer: StartPeer
) -> None:
    network = await acts_while_wijert_is_down(start, start_peer)
    uri = network.proposal.uri
    for running in network.nodes:
        handle = running.node.config.handle
        assert await running.node.participation_store.stances_of(uri) != {}, handle
        assert COMMENT in await page_of(running, uri), handle
