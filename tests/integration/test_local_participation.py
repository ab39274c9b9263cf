"""Acts from a Mastodon app on the process's own node take part by the same rules as remote ones.

The node hands what its local apps send to local actors to its own inbox
handlers, after the sender's commit (``federation.delivery.OwnInbox``): an
app post mentioning a local process in its proposing phase is a proposal, an
app reply in a proposal's thread is a comment the process shares, and a like
the process refuses is answered with a Reject that leaves nothing counted.
"""

from __future__ import annotations

import asyncio
from typing import Any

from activitypub.vocabulary import id_of
from node import social_actions
from node.participation.processes import set_phase
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.participation_helpers import (
    PROPOSING_AND_VOTING,
    open_process,
    person,
    proposal_from_elsewhere,
)


def _boosts(peer: FakeMastodon, account: PeerAccount) -> list[str]:
    found = [r for r in peer.received_by(account) if r.activity["type"] == "Announce"]
    assert all(r.verified for r in found), [r.failure for r in found]
    return [id_of(r.activity["object"]) or "" for r in found]


async def test_app_post_and_reply_on_the_process_node_become_proposal_and_comment(
    start: StartNode, start_peer: StartPeer
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    node = oosterpark.node
    process = await open_process(oosterpark, "wijkagenda", "initiate", threshold=3)
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    follow = mastodon.follow(joris, process.uri)
    assert (await mastodon.post(joris, f"{oosterpark.base_url}/inbox", follow)).status == 202
    await resident(oosterpark, "anna")
    await resident(oosterpark, "bram")
    anna = await logged_in_client(oosterpark, "anna")
    bram = await logged_in_client(oosterpark, "bram")

    posted: Any = await asyncio.to_thread(
        anna.status_post, "@wijkagenda Meer bankjes\nLangs het Damsterdiep, voor ouderen."
    )
    record = await node.objects.record_by_row_id(int(posted.id))
    assert record is not None
    # Handled after the post's commit, by the delivery worker, like a remote post.
    assert await node.participation_store.get_proposal(record.uri) is None
    await deliver(oosterpark)
    proposal = await node.participation_store.get_proposal(record.uri)
    assert proposal is not None and proposal.local
    assert proposal.title == "Meer bankjes" and proposal.status == "submitted"
    assert proposal.process_uri == process.uri

    replied: Any = await asyncio.to_thread(
        bram.status_post, "@wijkagenda Ja, en een prullenbak erbij.", in_reply_to_id=posted.id
    )
    reply = await node.objects.record_by_row_id(int(replied.id))
    assert reply is not None
    await deliver(oosterpark)
    assert reply.uri in await node.participation_store.stances_of(proposal.uri)
    boosted = _boosts(mastodon, joris)
    # Each shared once with the process's followers, though handled from two local inboxes.
    assert boosted.count(proposal.uri) == 1 and boosted.count(reply.uri) == 1

    # An ordinary post mentioning nobody stays a post.
    plain: Any = await asyncio.to_thread(anna.status_post, "Mooi weer vandaag.")
    await deliver(oosterpark)
    plain_record = await node.objects.record_by_row_id(int(plain.id))
    assert plain_record is not None
    assert await node.participation_store.get_proposal(plain_record.uri) is None


async def test_local_like_refused_by_the_process_is_rejected_and_counts_nothing(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    node = oosterpark.node
    process = await open_process(
        oosterpark, "wijkagenda", "initiate", threshold=3, phases=PROPOSING_AND_VOTING
    )
    await resident(oosterpark, "anna")
    await resident(oosterpark, "bram")
    anna = await node.actors.by_username("anna")
    bram = await node.actors.by_username("bram")
    assert anna is not None and bram is not None
    post = await social_actions.post_note(
        node.social_services,
        anna,
        f'<p><a href="{process.uri}">@wijkagenda</a> Meer bomen</p><p>In de Oosterpoort.</p>',
        mentions=[process.uri],
    )
    await deliver(oosterpark)
    proposal = await node.participation_store.get_proposal(post["id"])
    assert proposal is not None

    await set_phase(node.participation_services, process, "voting")
    # The social like, as an app sends it for a post it does not know as a proposal.
    await social_actions.like(node.social_services, bram, proposal.uri)
    assert bram.uri in await node.reactions.likes_of(proposal.uri)
    await deliver(oosterpark)
    assert await node.participation_store.support_count(proposal.uri) == 0
    assert bram.uri not in await node.reactions.likes_of(proposal.uri)
    refused = await node.db.fetch_all(
        "SELECT activity, last_error FROM deliveries WHERE state = 'failed'"
    )
    reason = "support not counted: Proces wijkagenda takes no supports now (phase: voting)"
    assert [r["last_error"] for r in refused] == [reason]
    # Bram's app shows why, as a direct message only he can see.
    app = await logged_in_client(oosterpark, "bram")
    [told] = await asyncio.to_thread(app.notifications, types=["mention"])
    assert f"Niet verwerkt: {reason}" in told.status.content
    assert told.status.visibility != "public"
    anna_app = await logged_in_client(oosterpark, "anna")
    assert not await asyncio.to_thread(anna_app.notifications, types=["mention"])


async def test_app_reply_mentioning_only_the_local_author_reaches_the_remote_process(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    process = await open_process(gemeente, "klimaat", "advise", threshold=3)
    anna = await person(oosterpark, "anna")
    proposal = await proposal_from_elsewhere(gemeente, oosterpark, anna, process)
    await resident(oosterpark, "bram")
    bram = await logged_in_client(oosterpark, "bram")
    shown = await oosterpark.node.objects.record(proposal.uri)
    assert shown is not None

    # The composer left out the process: only Anna, on this node, is named.
    replied: Any = await asyncio.to_thread(
        bram.status_post, "@anna Ook bij de school graag.", in_reply_to_id=shown.row_id
    )
    reply = await oosterpark.node.objects.record_by_row_id(int(replied.id))
    assert reply is not None
    await deliver(oosterpark, gemeente)
    for running in (oosterpark, gemeente):
        stances = await running.node.participation_store.stances_of(proposal.uri)
        assert list(stances) == [reply.uri]


async def test_a_like_and_a_reply_in_a_proposals_thread_reach_its_process_wherever_the_author(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    process = await open_process(gemeente, "inspraak", "advise", threshold=3)
    anna = await person(oosterpark, "anna")
    proposal = await proposal_from_elsewhere(gemeente, oosterpark, anna, process)
    femke = await person(gemeente, "femke")

    # A plain like and a reply, as any app of the process's node would send them: to the
    # author on another node, and to the process the proposal belongs to (its audience).
    await social_actions.like(gemeente.node.social_services, femke, proposal.uri)
    await social_actions.post_note(
        gemeente.node.social_services, femke, "<p>Goed plan.</p>", in_reply_to=proposal.uri
    )
    await deliver(gemeente, oosterpark)

    store = gemeente.node.participation_store
    assert await store.supporters(proposal.uri) == [femke.uri]
    assert list((await store.stances_of(proposal.uri)).keys()) != []
    # The author's own like of the proposal reaches the process too, and is counted there.
    await social_actions.like(oosterpark.node.social_services, anna, proposal.uri)
    await deliver(gemeente, oosterpark)
    assert sorted(await store.supporters(proposal.uri)) == sorted([femke.uri, anna.uri])
