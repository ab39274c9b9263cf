"""A network as a real deployment has it: a municipality, two neighbourhoods, a Mastodon server.

The municipality hosts one process; both neighbourhood nodes follow it from
their organisation account, as `samenspraak` nodes do when they show a
municipal process, and a Mastodon user follows it too. A resident of
Oosterpark has made a proposal in it, which every node knows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from node.participation.models import Process, Proposal
from node.runner import RunningNode, dev_config, free_port, start_node
from node.social_actions import follow
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.participation_helpers import open_process, person, proposal_from_elsewhere
from tests.integration.web_login import web_browser

THRESHOLD = 3


@dataclass(frozen=True)
class Network:
    """The running nodes, the Mastodon peer and the process with its one proposal."""

    gemeente: RunningNode
    oosterpark: RunningNode
    wijert: RunningNode
    mastodon: FakeMastodon
    joris: PeerAccount
    process: Process
    proposal: Proposal

    @property
    def nodes(self) -> tuple[RunningNode, ...]:
        return (self.gemeente, self.oosterpark, self.wijert)

    def node(self, handle: str) -> RunningNode:
        """The node whose handle is ``handle``."""
        [found] = [n for n in self.nodes if n.node.config.handle == handle]
        return found

    async def deliver(self) -> None:
        """Delivery rounds on every node until nothing is left to send."""
        await deliver(*self.nodes)


async def start_network(start: StartNode, start_peer: StartPeer, archetype: str) -> Network:
    """Start the three nodes and the Mastodon peer, with follows, process and proposal."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijert = await start("wijert", "Bewonersorganisatie De Wijert")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    process = await open_process(gemeente, "inspraak", archetype, threshold=THRESHOLD)
    for neighbourhood in (oosterpark, wijert):
        node = neighbourhood.node
        await follow(node.social_services, await node.organisation(), process.uri)
    await mastodon.post(joris, f"{gemeente.base_url}/inbox", mastodon.follow(joris, process.uri))
    await deliver(gemeente, oosterpark, wijert)
    anna = await person(oosterpark, "anna")
    proposal = await proposal_from_elsewhere(gemeente, oosterpark, anna, process)
    await deliver(gemeente, oosterpark, wijert)
    return Network(gemeente, oosterpark, wijert, mastodon, joris, process, proposal)


@dataclass
class LongRunningNetwork:
    """One network shared by many tests: each asks for a fresh proposal and fresh people."""

    network: Network
    names: itertools.count[int]

    def username(self, prefix: str) -> str:
        """A username no earlier test of the module used."""
        return f"{prefix}{next(self.names)}"

    async def fresh_proposal(self) -> Proposal:
        """A new proposal by a new Oosterpark resident, known on every node."""
        net = self.network
        author = await person(net.oosterpark, self.username("auteur"))
        proposal = await proposal_from_elsewhere(net.gemeente, net.oosterpark, author, net.process)
        await net.deliver()
        return proposal


async def shared_network(directory: Path, archetype: str) -> AsyncIterator[LongRunningNetwork]:
    """The network of ``start_network``, in ``directory``, stopped when the caller is done."""
    running: list[RunningNode] = []
    peers: list[FakeMastodon] = []

    async def _start(handle: str, name: str, *, kind: str = "collective") -> RunningNode:
        config = dev_config(handle, name, free_port(), kind, False)
        node = await start_node(directory / handle, config, run_workers=False)
        running.append(node)
        return node

    async def _start_peer() -> FakeMastodon:
        peer = FakeMastodon()
        await peer.start()
        peers.append(peer)
        return peer

    try:
        network = await start_network(_start, _start_peer, archetype)
        yield LongRunningNetwork(network, itertools.count(1))
    finally:
        for peer in peers:
            await peer.stop()
        for node in reversed(running):
            await node.stop()


async def proposal_path(running: RunningNode, uri: str) -> str:
    """The path of a node's page for a proposal it knows."""
    record = await running.node.objects.record(uri)
    assert record is not None, (running.node.config.handle, uri)
    return f"/proposals/{record.row_id}"


async def support_count_shown(running: RunningNode, uri: str) -> str:
    """What a visitor of the node's proposal page reads as its support count."""
    async with web_browser(running) as browser:
        page = await browser.get(await proposal_path(running, uri))
    assert page.status == 200, (running.node.config.handle, page.text)
    found = re.search(r'<span id="support-count">([^<]*)</span>', page.text)
    assert found is not None, page.text
    return found[1]
