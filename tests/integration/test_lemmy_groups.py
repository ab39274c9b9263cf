"""A process followed as a community from Lemmy-family servers (Lemmy, PieFed, Mbin).

What the Lemmy users send are Lemmy's own examples (``tests/peers/lemmy/``, copied from
Lemmy's repository, where its tests parse them), posted with Lemmy's ``@context`` and
signed by servers on loopback playing two Lemmy instances: ``ds9``, where the author
is, and ``enterprise``, where another follower is. What the process sends back is
compared with Lemmy's examples of what a community sends: ``accept.json``,
``announce_create_page.json`` and ``group.json``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from node.participation.models import Process
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.fake_peer import AS, PUBLIC, FakeMastodon, PeerAccount
from tests.integration.participation_helpers import open_process, person
from tests.integration.voting_scenarios import follow

LEMMY_EXAMPLES = Path(__file__).parents[1] / "peers" / "lemmy"
# What Lemmy puts on everything it sends (lemmy_utils FEDERATION_CONTEXT).
LEMMY_CONTEXT = ["https://join-lemmy.org/context.json", AS]


def example(name: str) -> dict[str, Any]:
    """One of Lemmy's examples, as Lemmy wrote it."""
    document: dict[str, Any] = json.loads((LEMMY_EXAMPLES / f"{name}.json").read_text())
    return document


def moved(value: Any, moves: dict[str, str]) -> Any:
    """``value`` with Lemmy's example URLs moved to servers here: a URL named in ``moves``
    is replaced whole, else its host part is, by the longest prefix that matches."""
    if isinstance(value, dict):
        return {key: moved(item, moves) for key, item in value.items()}
    if isinstance(value, list):
        return [moved(item, moves) for item in value]
    if isinstance(value, str):
        if value in moves:
            return moves[value]
        for prefix in sorted(moves, key=len, reverse=True):
            if prefix.endswith("/") and value.startswith(prefix):
                return moves[prefix] + value[len(prefix) :]
    return value


@dataclass
class LemmyInstance(FakeMastodon):
    """A server on loopback whose accounts are Lemmy persons, as ``person.json`` shows one."""

    def actor_document(self, account: PeerAccount) -> dict[str, Any]:
        """Lemmy's person, with this account's ids and key."""
        person = {k: v for k, v in example("person").items() if k not in ("icon", "image")}
        return {
            "@context": LEMMY_CONTEXT,
            **person,
            "id": account.uri,
            "preferredUsername": account.username,
            "name": account.display_name,
            "inbox": account.inbox,
            "outbox": f"{account.uri}/outbox",
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "publicKey": {
                "id": account.key_id,
                "owner": account.uri,
                "publicKeyPem": account.public_pem,
            },
        }


@pytest.fixture
async def lemmy() -> AsyncIterator[Callable[[], Any]]:
    """Start Lemmy instances on loopback; all are stopped after the test."""
    running: list[LemmyInstance] = []

    async def _start() -> LemmyInstance:
        instance = LemmyInstance(software="lemmy", node_name="Lemmy op loopback")
        await instance.start()
        running.append(instance)
        return instance

    yield _start
    for instance in running:
        await instance.stop()


@dataclass
class Threadiverse:
    """A municipality's process, a Lemmy author on ds9 and a Lemmy follower on enterprise."""

    gemeente: RunningNode
    process: Process
    ds9: LemmyInstance
    alpha: PeerAccount
    enterprise: LemmyInstance
    beta: PeerAccount
    moves: dict[str, str]

    @property
    def inbox(self) -> str:
        return f"{self.gemeente.base_url}/inbox"

    def lemmy_activity(self, name: str) -> dict[str, Any]:
        """Lemmy's example ``name``, sent as Lemmy sends it, by the accounts here."""
        return {"@context": LEMMY_CONTEXT, **moved(example(name), self.moves)}

    async def send(self, name: str, **changes: Any) -> dict[str, Any]:
        """Post Lemmy's example ``name`` (with ``changes``), signed by its actor."""
        activity = self.lemmy_activity(name) | changes
        account, instance = (
            (self.alpha, self.ds9)
            if activity["actor"] == self.alpha.uri
            else (self.beta, self.enterprise)
        )
        if activity["type"] == "Create":
            # Lemmy serves its posts and comments at their ids.
            post = activity["object"]
            instance.statuses[urlsplit(post["id"]).path] = {"@context": LEMMY_CONTEXT, **post}
        answer = await instance.post(account, self.inbox, activity)
        assert answer.status == 202, (name, answer.body)
        return activity


async def threadiverse(start: StartNode, lemmy: Callable[[], Any]) -> Threadiverse:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    ds9: LemmyInstance = await lemmy()
    enterprise: LemmyInstance = await lemmy()
    alpha = ds9.add_account("lemmy_alpha")
    beta = enterprise.add_account("lemmy_beta")
    post = f"{alpha.uri}/statuses/1"
    moves = {
        "http://ds9.lemmy.ml/u/lemmy_alpha": alpha.uri,
        "http://enterprise.lemmy.ml/u/lemmy_beta": beta.uri,
        "http://ds9.lemmy.ml/post/1": post,
        "http://ds9.lemmy.ml/comment/1": f"{alpha.uri}/statuses/2",
        "http://enterprise.lemmy.ml/c/main": process.uri,
        "https://enterprise.lemmy.ml/c/main": process.uri,
        "https://enterprise.lemmy.ml/c/tenforward": process.uri,
        "http://ds9.lemmy.ml/": f"{ds9.base_url}/",
        "http://enterprise.lemmy.ml/": f"{enterprise.base_url}/",
    }
    return Threadiverse(gemeente, process, ds9, alpha, enterprise, beta, moves)


def received(instance: FakeMastodon, kind: str) -> list[dict[str, Any]]:
    return [r.activity for r in instance.inbox if r.verified and r.activity["type"] == kind]


def unlike_lemmy(ours: Any, lemmys: Any, path: str = "") -> list[str]:
    """Where ``ours`` lacks a field of Lemmy's example or holds another JSON kind there
    (Lemmy parses each field into a fixed type); nested objects are compared alike."""
    if isinstance(lemmys, dict):
        if not isinstance(ours, dict):
            return [f"{path or '/'}: not an object"]
        return [
            problem
            for key, value in lemmys.items()
            for problem in (
                unlike_lemmy(ours[key], value, f"{path}/{key}")
                if key in ours
                else [f"{path}/{key}: missing"]
            )
        ]
    if isinstance(lemmys, list):
        return [] if isinstance(ours, list) else [f"{path}: not a list"]
    return [] if type(ours) is type(lemmys) else [f"{path}: not a {type(lemmys).__name__}"]


async def test_a_lemmy_user_follows_a_process_as_a_community_and_gets_the_accept_lemmy_reads(
    start: StartNode, lemmy: Callable[[], Any]
) -> None:
    net = await threadiverse(start, lemmy)

    group = await net.ds9.get(net.process.uri, signer=net.alpha)
    assert group.status == 200
    # What Lemmy's Group requires (lemmy_apub_objects::protocol::group::Group).
    for required in ("id", "type", "preferredUsername", "inbox", "outbox", "publicKey"):
        assert required in group.body, required
    assert group.body["type"] == "Group"
    lemmy_group = example("group")
    shared = {"preferredUsername", "name", "inbox", "followers", "outbox", "endpoints"}
    assert (
        unlike_lemmy({k: group.body[k] for k in shared}, {k: lemmy_group[k] for k in shared}) == []
    )

    follow_activity = await net.send("follow")
    await deliver(net.gemeente)

    [accept] = received(net.ds9, "Accept")
    assert accept["actor"] == net.process.uri
    assert accept["object"]["id"] == follow_activity["id"]
    assert accept["object"]["actor"] == net.alpha.uri
    lemmys = example("accept")
    # Lemmy skips a Follow's ``to`` it cannot read (deserialize_skip_error): a compacted
    # single recipient is no list, and no error.
    follow_without_to = {k: v for k, v in lemmys["object"].items() if k != "to"}
    assert unlike_lemmy(accept, lemmys | {"object": follow_without_to}) == []
    followers = await net.gemeente.node.follows.followers_of(net.process.uri)
    assert net.alpha.uri in followers


async def test_a_lemmy_page_becomes_a_proposal_comments_and_upvotes_count_and_downvotes_do_not(
    start: StartNode, start_peer: StartPeer, lemmy: Callable[[], Any]
) -> None:
    net = await threadiverse(start, lemmy)
    wijert = await start("wijert", "De Wijert")
    sanne = await person(wijert, "sanne")
    await follow(wijert, sanne, net.process.uri)
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    assert (
        await mastodon.post(joris, net.inbox, mastodon.follow(joris, net.process.uri))
    ).status == 202
    await net.send(
        "follow", actor=net.beta.uri, id=f"{net.enterprise.base_url}/activities/follow/1"
    )
    await deliver(wijert, net.gemeente)

    create = await net.send("create_page")
    page = create["object"]
    store = net.gemeente.node.participation_store
    proposal = await store.get_proposal(page["id"])
    assert proposal is not None
    assert (proposal.title, proposal.status, proposal.author) == (
        "test post",
        "submitted",
        net.alpha.uri,
    )
    await deliver(net.gemeente, wijert)

    # enterprise reads Lemmy's shape: the process announces the author's Create of the Page.
    announced_creates = [
        a for a in received(net.enterprise, "Announce") if a["object"]["type"] == "Create"
    ]
    [announce] = announced_creates
    assert announce["actor"] == net.process.uri
    lemmys = example("announce_create_page")
    # The Page inside is the author's; Lemmy's envelope around it is compared whole.
    assert unlike_lemmy(announce, lemmys | {"object": lemmys["object"] | {"object": {}}}) == []
    inner = announce["object"]
    # What Lemmy's Page requires (lemmy_apub_objects::protocol::page::Page).
    assert {"type", "id", "attributedTo"} <= inner["object"].keys()
    assert (inner["actor"], inner["object"]["id"]) == (net.alpha.uri, page["id"])
    assert inner["object"]["name"] == "test post"
    assert inner["object"]["audience"] == net.process.uri
    # Lemmy finds a post's community among its to and cc.
    assert net.process.uri in [*inner["object"]["to"], *inner["object"].get("cc", [])]
    assert PUBLIC in announce["to"]

    # Mastodon shows the boost of the Page, and is sent no announced activity, which it
    # would ignore (its NodeInfo says it is Mastodon); a Samenspraak node takes the Page
    # as a proposal.
    boosts = [a for a in received(mastodon, "Announce")]
    assert [(b["object"]["type"], b["object"]["id"]) for b in boosts] == [("Page", page["id"])]
    held = await wijert.node.participation_store.get_proposal(page["id"])
    assert held is not None and held.title == "test post"

    comment = (await net.send("create_comment"))["object"]
    assert await store.stances_of(page["id"]) == {comment["id"]: None}
    await deliver(net.gemeente)
    comment_creates = [
        a["object"]["object"]["id"]
        for a in received(net.enterprise, "Announce")
        if a["object"]["type"] == "Create"
    ]
    assert comment_creates == [page["id"], comment["id"]]
    # ds9 wrote the comment for the process: it has it in the thread already.
    assert comment["id"] not in [
        a["object"].get("object", a["object"]).get("id") for a in received(net.ds9, "Announce")
    ]

    upvote = await net.send("like_note", object=page["id"])
    assert await store.supporters(page["id"]) == [net.alpha.uri]

    downvote = await net.send("dislike_page")
    assert await store.supporters(page["id"]) == [net.alpha.uri]
    undone = await net.send("undo_dislike_page")
    assert await store.supporters(page["id"]) == [net.alpha.uri]
    await deliver(net.gemeente)
    assert received(net.enterprise, "Reject") == []
    # Votes reach the community's other instances as Lemmy announces them.
    acts = [a["object"] for a in received(net.enterprise, "Announce")]
    voted = [(act["type"], act["id"]) for act in acts if act["type"] in ("Like", "Dislike", "Undo")]
    assert voted == [
        ("Like", upvote["id"]),
        ("Dislike", downvote["id"]),
        ("Undo", undone["id"]),
    ]
