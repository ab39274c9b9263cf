"""Every route of taking part reaches the process and shows on every node.

The matrix is route (web form on a node, Mastodon client API on a node, a remote
Mastodon server) × origin node × archetype × act. One network of
``tests/integration/network.py`` runs per archetype (module-scoped, so the
matrix stays quick); each case uses a fresh proposal and fresh people, and
asserts what the process's node counts and what a visitor reads on every
node's proposal page.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from node.participation.models import ARCHETYPES, Proposal
from node.participation.voting import current_tally, open_vote
from node.social_actions import follow
from tests.integration.conftest import StartNode
from tests.integration.network import (
    THRESHOLD,
    LongRunningNetwork,
    Network,
    proposal_path,
    shared_network,
    support_count_shown,
)
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import exchange, in_a_week, process_with_proposals
from tests.integration.web_login import logged_in, web_browser

pytestmark = pytest.mark.asyncio(loop_scope="module")

NODES = ("gemeente", "oosterpark", "wijert")
# A remote Mastodon server sends a favourite or a reply to the author's node only
# (Oosterpark), and a new post to the servers it mentions (the municipality).
ROUTES = [("web", origin) for origin in NODES] + [("api", origin) for origin in NODES]
ROUTES.append(("mastodon", "mastodon.example"))
ACTS = ("propose", "comment", "support", "withdraw")


def cases() -> list[Any]:
    """Every (route, origin, act)."""
    return [pytest.param(route, origin, act) for route, origin in ROUTES for act in ACTS]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=ARCHETYPES)
async def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LongRunningNetwork]:
    """One network per archetype for the whole module."""
    directory: Path = tmp_path_factory.mktemp(request.param)
    async for network in shared_network(directory, request.param):
        yield network


async def page_of(network: Network, handle: str, uri: str) -> str:
    """What a visitor of a node's page for the proposal reads."""
    running = network.node(handle)
    async with web_browser(running) as visitor:
        page = await visitor.get(await proposal_path(running, uri))
    assert page.status == 200, (handle, page.text)
    return page.text


async def web_act(shared: LongRunningNetwork, origin: str, act: str, proposal: Proposal) -> str:
    """A resident of ``origin`` acts with the forms of its own node; returns their text."""
    network = shared.network
    running = network.node(origin)
    username = shared.username("web")
    await person(running, username)
    text = f"Bericht van {username}."
    async with logged_in(running, username) as browser:
        if act == "propose":
            # The resident finds the process in their own node's list, wherever it runs.
            listing = (await browser.get("/processes")).text
            found = re.search(r'href="[^"]*(/processes/inspraak[^"/]*)"', listing)
            assert found is not None, listing
            form = {"title": f"Voorstel van {username}", "text": text}
            assert (await browser.post(f"{found[1]}/proposals", form)).status == 303
            return text
        path = await proposal_path(running, proposal.uri)
        if act == "comment":
            form = {"stance": "for", "text": text}
            assert (await browser.post(f"{path}/comments", form)).status == 303
            return text
        assert (await browser.post(f"{path}/support", {})).status == 303
        await network.deliver()
        if act == "withdraw":
            assert (await browser.post(f"{path}/support/withdraw", {})).status == 303
    return text


async def api_act(shared: LongRunningNetwork, origin: str, act: str, proposal: Proposal) -> str:
    """A resident of ``origin`` acts from a Mastodon app logged in to it; returns their text."""
    network = shared.network
    running = network.node(origin)
    username = shared.username("app")
    await resident(running, username)
    app = await logged_in_client(running, username)
    text = f"Bericht van {username}."
    if act == "propose":
        handle = f"@inspraak@{network.gemeente.node.urls.host}"
        await asyncio.to_thread(app.status_post, f"{handle} Voorstel van {username}\n{text}")
        return text
    found: Any = await asyncio.to_thread(app.search_v2, proposal.uri, resolve=True)
    [status] = found.statuses
    if act == "comment":
        await asyncio.to_thread(app.status_post, text, in_reply_to_id=status.id)
        return text
    assert (await asyncio.to_thread(app.status_favourite, status.id)).favourited
    await network.deliver()
    if act == "withdraw":
        await asyncio.to_thread(app.status_unfavourite, status.id)
    return text


async def mastodon_act(shared: LongRunningNetwork, act: str, proposal: Proposal) -> str:
    """A Mastodon user acts; Mastodon sends where it would. Returns their text."""
    network = shared.network
    peer, joris = network.mastodon, network.joris
    text = f"Bericht van joris {shared.username('')}."
    author_inbox = f"{network.oosterpark.base_url}/inbox"
    if act == "propose":
        handle = f"@inspraak@{network.gemeente.node.urls.host}"
        title = f"Voorstel van joris {shared.username('')}"
        note = peer.note(
            joris,
            f"<p>{handle} {title}</p><p>{text}</p>",
            mentions=((network.process.uri, handle),),
        )
        peer.publish(note)
        inbox = f"{network.gemeente.base_url}/inbox"
        assert (await peer.post(joris, inbox, peer.create(note))).status == 202
        return text
    if act == "comment":
        note = peer.note(joris, f"<p>{text}</p>", in_reply_to=proposal.uri)
        peer.publish(note)
        assert (await peer.post(joris, author_inbox, peer.create(note))).status == 202
        return text
    like = peer.like(joris, proposal.uri)
    assert (await peer.post(joris, author_inbox, like)).status == 202
    await network.deliver()
    if act == "withdraw":
        assert (await peer.post(joris, author_inbox, peer.undo(joris, like))).status == 202
    return text


async def new_proposal_uri(network: Network, text: str) -> str:
    """The process's proposal whose text holds ``text``."""
    store = network.gemeente.node.participation_store
    for proposal in await store.proposals_of(network.process.uri):
        record = await network.gemeente.node.objects.record(proposal.uri)
        if record is not None and text in (record.content or ""):
            return proposal.uri
    raise AssertionError(f"no proposal with {text!r} on the process's node")


@pytest.mark.parametrize("route,origin,act", cases())
async def test_an_act_reaches_the_process_and_shows_on_every_node(
    shared: LongRunningNetwork, route: str, origin: str, act: str
) -> None:
    network = shared.network
    proposal = await shared.fresh_proposal()
    if route == "web":
        text = await web_act(shared, origin, act, proposal)
    elif route == "api":
        text = await api_act(shared, origin, act, proposal)
    else:
        text = await mastodon_act(shared, act, proposal)
    await network.deliver()

    store = network.gemeente.node.participation_store
    if act == "propose":
        uri = await new_proposal_uri(network, text)
        kept = await store.get_proposal(uri)
        assert kept is not None and kept.process_uri == network.process.uri
        for handle in NODES:
            assert text in await page_of(network, handle, uri), handle
            shown = await support_count_shown(network.node(handle), uri)
            assert shown == f"0 van {THRESHOLD} steunbetuigingen", handle
    elif act == "comment":
        stances = await store.stances_of(proposal.uri)
        assert list(stances.values()) == ["for" if route == "web" else None]
        for handle in NODES:
            assert text in await page_of(network, handle, proposal.uri), handle
    else:
        expected = 1 if act == "support" else 0
        assert await store.support_count(proposal.uri) == expected
        for handle in NODES:
            shown = await support_count_shown(network.node(handle), proposal.uri)
            assert shown == f"{expected} van {THRESHOLD} steunbetuigingen", handle


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize("origin", NODES)
async def test_a_vote_from_an_app_counts_on_the_process_and_shows_on_every_node(
    start: StartNode, origin: str
) -> None:
    """Voting exists only in a decide process's voting phase: its own network per case."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijert = await start("wijert", "Bewonersorganisatie De Wijert")
    nodes = {"gemeente": gemeente, "oosterpark": oosterpark, "wijert": wijert}
    process, [proposal] = await process_with_proposals(
        gemeente, "inspraak", [("30 km/u op de Oosterweg", None)]
    )
    for neighbourhood in (oosterpark, wijert):
        node = neighbourhood.node
        await follow(node.social_services, await node.organisation(), process.uri)
    await exchange(*nodes.values())
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(*nodes.values())

    running = nodes[origin]
    await resident(running, "kiezer")
    app = await logged_in_client(running, "kiezer")
    found: Any = await asyncio.to_thread(app.search_v2, question.uri, resolve=True)
    [status] = found.statuses
    voted = await asyncio.to_thread(app.poll_vote, status.poll.id, [1])
    assert voted.voted and voted.own_votes == [1]
    await exchange(*nodes.values())

    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count(question.options[1]), tally.voters_count) == (1, 1)
    for handle, shown_on in nodes.items():
        await resident(shown_on, "lezer")
        reader = await logged_in_client(shown_on, "lezer")
        seen: Any = await asyncio.to_thread(reader.search_v2, question.uri, resolve=True)
        [poll_status] = seen.statuses
        assert poll_status.poll.votes_count == 1, handle
