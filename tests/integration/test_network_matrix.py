"""Every route of supporting a proposal reaches the process and shows on every node.

The matrix is route (web form on a node, Mastodon client API on a node, a remote
Mastodon server) × origin node × archetype × act. Each case starts the network
of ``tests/integration/network.py``, in which a resident of Oosterpark has a
proposal in a municipal process, and asserts the count on the process's node
and the count a visitor reads on every node's proposal page.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from node.participation.models import ARCHETYPES
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
from tests.integration.web_login import logged_in

ORIGINS = ("gemeente", "oosterpark", "wijert")
# A remote Mastodon server sends a favourite to the author's node only (Oosterpark).
ROUTES = [("web", origin) for origin in ORIGINS] + [("api", origin) for origin in ORIGINS]
ROUTES.append(("mastodon", "mastodon.example"))
ACTS = ("support", "withdraw")


async def web_act(network: Network, origin: str, act: str) -> None:
    """A resident of ``origin`` supports (and withdraws) on its own node's page."""
    running = network.node(origin)
    await person(running, "steuner")
    path = await proposal_path(running, network.proposal.uri)
    async with logged_in(running, "steuner") as browser:
        assert (await browser.post(f"{path}/support", {})).status == 303
        await network.deliver()
        if act == "withdraw":
            assert (await browser.post(f"{path}/support/withdraw", {})).status == 303


async def api_act(network: Network, origin: str, act: str) -> None:
    """A resident of ``origin`` favourites (and unfavourites) from a Mastodon app."""
    running = network.node(origin)
    await resident(running, "steuner")
    app = await logged_in_client(running, "steuner")
    found: Any = await asyncio.to_thread(app.search_v2, network.proposal.uri, resolve=True)
    [status] = found.statuses
    assert (await asyncio.to_thread(app.status_favourite, status.id)).favourited
    await network.deliver()
    if act == "withdraw":
        await asyncio.to_thread(app.status_unfavourite, status.id)


async def mastodon_act(network: Network, act: str) -> None:
    """A Mastodon user likes (and unlikes): Mastodon sends it to the author's node."""
    peer, joris = network.mastodon, network.joris
    inbox = f"{network.oosterpark.base_url}/inbox"
    like = peer.like(joris, network.proposal.uri)
    assert (await peer.post(joris, inbox, like)).status == 202
    await network.deliver()
    if act == "withdraw":
        assert (await peer.post(joris, inbox, peer.undo(joris, like))).status == 202


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("route,origin", ROUTES)
@pytest.mark.parametrize("archetype", ARCHETYPES)
async def test_support_reaches_the_process_and_every_node(
    start: StartNode, start_peer: StartPeer, archetype: str, route: str, origin: str, act: str
) -> None:
    network = await start_network(start, start_peer, archetype)
    if route == "web":
        await web_act(network, origin, act)
    elif route == "api":
        await api_act(network, origin, act)
    else:
        await mastodon_act(network, act)
    await network.deliver()

    expected = 1 if act == "support" else 0
    store = network.gemeente.node.participation_store
    assert await store.support_count(network.proposal.uri) == expected
    for running in network.nodes:
        shown = await support_count_shown(running, network.proposal.uri)
        assert shown == f"{expected} van {THRESHOLD} steunbetuigingen", running.node.config.handle
