"""A network as a real deployment has it: a municipality, two neighbourhoods, a Mastodon server.

The municipality hosts one process; both neighbourhood nodes follow it from
their organisation account, as `samenspraak` nodes do when they show a
municipal process, and a Mastodon user follows it too. A resident of
Oosterpark has made a proposal in it, which every node knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from node.participation.models import Process, Proposal
from node.runner import RunningNode
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
