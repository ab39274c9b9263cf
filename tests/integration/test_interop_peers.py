"""Independent servers and a Samenspraak node speak with each other, both ways.

The peers are other projects' code running as their own processes on loopback
(``tests/peers/``): Fedify builds, signs, sends and verifies with its own
implementation, and so does bovine. Each capability is asserted in both
directions: peer → node through what a resident's app (Mastodon.py on the
node's client API) shows, node → peer through what the peer's inbox received
after verifying the signature. The test names are the matrix: capability,
then direction; each runs once per peer. Nothing here weakens a signature or
origin check: the node runs in development mode, as every integration test's
node does, which allows plain http and loopback addresses (its SSRF guard is
for production); the peers allow loopback in the same way.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from mastodon import Mastodon, MastodonNotFoundError

from activitypub.vocabulary import id_of
from node.participation.models import Process
from node.participation.processes import set_phase
from node.participation.proposals import create_proposal
from node.participation.voting import current_tally, open_vote
from node.runner import RunningNode, dev_config, free_port, start_node
from node.social_actions import post_note
from node.storage.actors import LocalActor
from tests.integration.conftest import deliver
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.participation_helpers import PROPOSING_AND_VOTING, open_process, person
from tests.integration.voting_scenarios import in_a_week, send_tally_updates
from tests.peers import PeerProcess, bovine_peer, fedify_peer

pytestmark = pytest.mark.asyncio(loop_scope="module")

PEERS: dict[str, Callable[[], PeerProcess]] = {"fedify": fedify_peer, "bovine": bovine_peer}


@dataclass
class World:
    """A node with a resident signed in to an app, and a peer server."""

    running: RunningNode
    peer: PeerProcess
    app: Mastodon
    anna: LocalActor
    names: itertools.count[int]

    @property
    def host(self) -> str:
        """The node's host, as in handles."""
        return self.running.node.urls.host

    @property
    def peer_handle(self) -> str:
        """The peer account's handle."""
        return f"@{self.peer.username}@{self.peer.host}"

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """A Mastodon.py call of Anna's app (blocking, so off the loop the node serves on)."""
        return await asyncio.to_thread(getattr(self.app, method), *args, **kwargs)

    async def deliver(self) -> None:
        """The node's delivery worker, until nothing is left to send."""
        await deliver(self.running)

    async def anna_posts(self, text: str, **kwargs: Any) -> Any:
        """Anna's post from her app, delivered; the status as her app shows it."""
        status = await self.call("status_post", text, **kwargs)
        await self.deliver()
        return status

    async def status_of(self, uri: str) -> Any:
        """The status the node shows for a post's id, as Anna's app finds it (no fetch)."""
        found = await self.call("search_v2", uri, resolve=False)
        statuses = [s for s in found["statuses"] if s["uri"] == uri]
        return statuses[0] if statuses else None

    async def peer_posts(self, text: str, **extra: Any) -> str:
        """A post by the peer's account mentioning Anna, sent to her; its id."""
        mention = {"href": self.anna.uri, "name": f"@anna@{self.host}"}
        sent = await self.peer.act(
            "post", content=f"<p>{text}</p>", to=[self.anna.uri], mentions=[mention], **extra
        )
        return str(sent["id"])

    async def peer_status(self, text: str) -> tuple[str, Any]:
        """A post by the peer mentioning Anna: its id, and the status her app shows."""
        note = await self.peer_posts(text)
        status = await self.status_of(note)
        assert status is not None, note
        return note, status

    async def process(self, slug: str) -> Process:
        """A new open process on the node, in its proposing phase, voting to come."""
        return await open_process(
            self.running, f"{slug}{next(self.names)}", "initiate", 5, PROPOSING_AND_VOTING
        )

    async def peer_follows_process(self, process: Process) -> None:
        """The peer follows the process and is accepted."""
        await self.peer.act("follow", object=process.uri)
        await self.deliver()
        [accept] = [a for a in await self.peer.received("Accept") if a["actor"] == process.uri]
        assert accept["actor"] == process.uri


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=sorted(PEERS))
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """One node and one peer per peer kind for the whole module."""
    directory: Path = tmp_path_factory.mktemp(request.param)
    config = dev_config("gemeente", "Gemeente Groningen", free_port(), "municipality", False)
    running = await start_node(directory / "gemeente", config, run_workers=False)
    peer = PEERS[request.param]()
    try:
        await peer.start()
        await resident(running, "anna")
        anna = await running.node.actors.by_username("anna")
        assert anna is not None
        app = await logged_in_client(running, "anna")
        yield World(running, peer, app, anna, itertools.count(1))
    finally:
        await peer.stop()
        await running.stop()


# Discovery


async def test_discovery_peer_to_node(world: World) -> None:
    """The peer finds a resident and a process by their handles (WebFinger, then the actor)."""
    process = await world.process("vindbaar")
    for name, kind, uri in (
        ("anna", "Person", world.anna.uri),
        (process.slug, "Group", process.uri),
    ):
        found = await world.peer.act("lookup", identifier=f"acct:{name}@{world.host}")
        assert found["found"] is not None, name
        assert (found["found"]["id"], found["found"]["type"]) == (uri, kind)


async def test_discovery_node_to_peer(world: World) -> None:
    found = await world.call("search_v2", world.peer_handle, resolve=True)
    [account] = found["accounts"]
    assert account["acct"] == world.peer_handle.removeprefix("@")
    assert account["uri"] == world.peer.actor


# Follow and accept


async def test_follow_peer_to_node(world: World) -> None:
    await person(world.running, follows := f"gevolgd{next(world.names)}")
    followed = await world.running.node.actors.by_username(follows)
    assert followed is not None
    await world.peer.act("follow", object=followed.uri)
    await world.deliver()
    accepts = [a for a in await world.peer.received("Accept") if a["actor"] == followed.uri]
    assert len(accepts) == 1
    assert (await world.peer.state())["following"][followed.uri] == "accepted"
    account = await world.call("account_lookup", follows)
    assert account["followers_count"] == 1


async def test_follow_node_to_peer(world: World) -> None:
    found = await world.call("search_v2", world.peer_handle, resolve=True)
    [account] = found["accounts"]
    await world.call("account_follow", account["id"])
    await world.deliver()
    assert world.anna.uri in (await world.peer.state())["followers"]
    [relationship] = await world.call("account_relationships", account["id"])
    assert relationship["following"] and not relationship["requested"]


# Create and reply


async def test_create_peer_to_node(world: World) -> None:
    note = await world.peer_posts("Hallo Anna, een bericht van elders.")
    status = await world.status_of(note)
    assert status is not None
    assert "een bericht van elders" in status["content"]
    assert status["account"]["uri"] == world.peer.actor


async def test_create_node_to_peer(world: World) -> None:
    status = await world.anna_posts(f"{world.peer_handle} Hallo uit Groningen!")
    [create] = [
        a for a in await world.peer.received("Create") if id_of(a["object"]) == status["uri"]
    ]
    assert create["actor"] == world.anna.uri
    assert "Hallo uit Groningen!" in create["object"]["content"]


async def test_reply_peer_to_node(world: World) -> None:
    status = await world.anna_posts(f"{world.peer_handle} Wat vind jij van het plan?")
    reply = await world.peer_posts("Een goed plan.", inReplyTo=status["uri"])
    context = await world.call("status_context", status["id"])
    assert [d["uri"] for d in context["descendants"]] == [reply]


async def test_reply_node_to_peer(world: World) -> None:
    note, status = await world.peer_status("Wie doet er mee aan de buurtschoonmaak?")
    reply = await world.anna_posts(f"{world.peer_handle} Ik doe mee!", in_reply_to_id=status["id"])
    [create] = [
        a for a in await world.peer.received("Create") if id_of(a["object"]) == reply["uri"]
    ]
    assert create["object"]["inReplyTo"] == note


# Like and undo


async def test_like_and_undo_peer_to_node(world: World) -> None:
    status = await world.anna_posts(f"{world.peer_handle} Vind je dit leuk?")
    like = (await world.peer.act("like", object=status["uri"], to=[world.anna.uri]))["id"]
    assert (await world.call("status", status["id"]))["favourites_count"] == 1
    await world.peer.act("undo", object=like, to=[world.anna.uri])
    assert (await world.call("status", status["id"]))["favourites_count"] == 0


async def test_like_and_undo_node_to_peer(world: World) -> None:
    note, status = await world.peer_status("Een mooie dag in het park.")
    await world.call("status_favourite", status["id"])
    await world.deliver()
    [like] = [a for a in await world.peer.received("Like") if id_of(a["object"]) == note]
    assert like["actor"] == world.anna.uri
    await world.call("status_unfavourite", status["id"])
    await world.deliver()
    [undo] = [
        a
        for a in await world.peer.received("Undo")
        if isinstance(a["object"], dict) and id_of(a["object"].get("object")) == note
    ]
    assert undo["actor"] == world.anna.uri and undo["object"]["type"] == "Like"


# Announce


async def test_announce_peer_to_node(world: World) -> None:
    status = await world.anna_posts(f"{world.peer_handle} Deel dit alsjeblieft.")
    await world.peer.act("announce", object=status["uri"], to=[world.anna.uri])
    assert (await world.call("status", status["id"]))["reblogs_count"] == 1


async def test_announce_node_to_peer(world: World) -> None:
    note, status = await world.peer_status("Graag delen: inloopavond donderdag.")
    await world.call("status_reblog", status["id"])
    await world.deliver()
    [announce] = [a for a in await world.peer.received("Announce") if id_of(a["object"]) == note]
    assert announce["actor"] == world.anna.uri


# Update


async def test_update_peer_to_node(world: World) -> None:
    note = await world.peer_posts("De vergadering is om acht uur.")
    mention = {"href": world.anna.uri, "name": f"@anna@{world.host}"}
    await world.peer.act(
        "update",
        object=note,
        content="<p>De vergadering is om negen uur.</p>",
        to=[world.anna.uri],
        mentions=[mention],
    )
    status = await world.status_of(note)
    assert status is not None
    assert "negen uur" in status["content"] and "acht uur" not in status["content"]


async def test_update_node_to_peer(world: World) -> None:
    """Anna edits her post in her app: the peer gets the Update with the new text."""
    status = await world.anna_posts(f"{world.peer_handle} We beginnen om acht uur.")
    await world.call(
        "status_update", status["id"], f"{world.peer_handle} We beginnen om negen uur."
    )
    await world.deliver()
    [update] = [
        a for a in await world.peer.received("Update") if id_of(a["object"]) == status["uri"]
    ]
    assert update["actor"] == world.anna.uri
    assert "negen uur" in update["object"]["content"]


# Delete


async def test_delete_peer_to_node(world: World) -> None:
    note = await world.peer_posts("Dit bericht verdwijnt zo weer.")
    assert await world.status_of(note) is not None
    await world.peer.act("delete", object=note, to=[world.anna.uri])
    assert await world.status_of(note) is None


async def test_delete_node_to_peer(world: World) -> None:
    status = await world.anna_posts(f"{world.peer_handle} Een vergissing.")
    await world.call("status_delete", status["id"])
    await world.deliver()
    [delete] = [
        a for a in await world.peer.received("Delete") if id_of(a["object"]) == status["uri"]
    ]
    assert delete["actor"] == world.anna.uri
    with pytest.raises(MastodonNotFoundError):
        await world.call("status", status["id"])


# Following a process


async def test_follow_process_peer_to_node(world: World) -> None:
    process = await world.process("volgbaar")
    await world.peer_follows_process(process)
    account = await world.call("account_lookup", process.slug)
    assert account["followers_count"] == 1


async def test_follow_process_node_to_peer(world: World) -> None:
    """What a follower of a process hears: the process boosts each new proposal, and
    tells of its phases."""
    process = await world.process("voorstellen")
    await world.peer_follows_process(process)
    proposal = await create_proposal(
        world.running.node.participation_services,
        await person(world.running, f"indiener{next(world.names)}"),
        process,
        "Meer bankjes",
        "Langs de Oosterhamrikkade is nergens een bank.",
    )
    await world.deliver()
    [boost] = [
        a for a in await world.peer.received("Announce") if id_of(a["object"]) == proposal.uri
    ]
    assert boost["actor"] == process.uri
    # And when the process moves to its next phase, followers get its Update.
    await set_phase(world.running.node.participation_services, process, "voting")
    await world.deliver()
    updates = [a for a in await world.peer.received("Update") if a["actor"] == process.uri]
    assert process.uri in [id_of(u["object"]) for u in updates]


# Voting in an open process


async def _vote_opened(world: World) -> tuple[Process, Any]:
    """A process the peer follows, with a proposal put to the vote."""
    process = await world.process("stemming")
    await world.peer_follows_process(process)
    services = world.running.node.participation_services
    author = await person(world.running, f"indiener{next(world.names)}")
    proposal = await create_proposal(services, author, process, "Een speeltuin", "Voor de buurt.")
    process = await set_phase(services, process, "voting")
    question = await open_vote(services, proposal.uri, in_a_week())
    await world.deliver()
    return process, question


async def test_vote_node_to_peer(world: World) -> None:
    _, question = await _vote_opened(world)
    [poll] = [
        a["object"]
        for a in await world.peer.received("Create")
        if id_of(a["object"]) == question.uri
    ]
    assert poll["type"] == "Question" and poll["endTime"]
    assert "voor" in [o["name"] for o in poll["oneOf"]]


async def test_vote_peer_to_node(world: World) -> None:
    process, question = await _vote_opened(world)
    await world.peer.act("vote", question=question.uri, name="voor", to=process.uri)
    services = world.running.node.participation_services
    tally = await current_tally(services, question)
    assert (tally.count("voor"), tally.voters_count) == (1, 1)
    # The tally goes back to the voter's server as an Update of the Question.
    await send_tally_updates(world.running)
    await world.deliver()
    latest = [
        a["object"]
        for a in await world.peer.received("Update")
        if id_of(a["object"]) == question.uri
    ][-1]
    counts = {o["name"]: o["replies"]["totalItems"] for o in latest["oneOf"]}
    assert counts["voor"] == 1


# Beyond the matrix: Mastodon's leniencies that independent servers rely on


async def test_authorized_fetch_node_to_peer(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A node in authorized-fetch mode still reaches the peer: the peer may fetch the
    signing key with or without a signature of its own."""
    config = dev_config("wijk", "Wijkraad", free_port(), "collective", True)
    strict = await start_node(tmp_path_factory.mktemp("strict") / "wijk", config, run_workers=False)
    try:
        bert = await person(strict, "bert")
        note = await post_note(
            strict.node.social_services, bert, "<p>Hallo!</p>", mentions=[world.peer.actor]
        )
        await deliver(strict)
        assert note["id"] in [id_of(a["object"]) for a in await world.peer.received("Create")]
    finally:
        await strict.stop()


async def test_like_of_an_unknown_object_peer_to_node(world: World) -> None:
    """A Like of a post the node does not hold is taken (202) and changes nothing."""
    unknown = f"{world.peer.base_url}/notes/not-on-the-node"
    await world.peer.act("like", object=unknown, to=[world.anna.uri])
    assert await world.status_of(unknown) is None
