"""Supports, refusals and what Mastodon users' posts, replies and favourites mean."""

from __future__ import annotations

import pytest

from federation.errors import Refused
from node.clock import iso, utc_now
from node.participation import processes
from node.participation.proposals import create_proposal
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.participation_helpers import (
    PROPOSING_AND_VOTING,
    open_process,
    person,
)


async def test_support_is_counted_once_per_actor_and_undo_removes_it(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    fatima = await person(gemeente, "fatima")
    proposal = await create_proposal(
        gemeente.node.participation_services,
        fatima,
        process,
        "Meer bomen",
        "Meer bomen in de binnenstad.",
    )
    inbox = f"{gemeente.base_url}/inbox"

    first = mastodon.like(joris, proposal.uri)
    assert (await mastodon.post(joris, inbox, first)).status == 202
    again = mastodon.like(joris, proposal.uri)
    assert (await mastodon.post(joris, inbox, again)).status == 202
    assert await gemeente.node.participation_store.supporters(proposal.uri) == [joris.uri]

    assert (await mastodon.post(joris, inbox, mastodon.undo(joris, first))).status == 202
    assert await gemeente.node.participation_store.support_count(proposal.uri) == 0
    assert await gemeente.node.reactions.likes_of(proposal.uri) == []


async def test_support_in_the_wrong_phase_is_rejected_with_the_reason_and_not_counted(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    process = await open_process(
        gemeente, "klimaat", "initiate", threshold=5, phases=PROPOSING_AND_VOTING
    )
    fatima = await person(gemeente, "fatima")
    proposal = await create_proposal(
        gemeente.node.participation_services,
        fatima,
        process,
        "Meer bomen",
        "Meer bomen in de binnenstad.",
    )
    await processes.set_phase(gemeente.node.participation_services, process, "voting")

    like = mastodon.like(joris, proposal.uri)
    answer = await mastodon.post(joris, f"{gemeente.base_url}/inbox", like)
    assert answer.status == 422
    assert "phase: voting" in answer.body["error"]
    assert await gemeente.node.participation_store.support_count(proposal.uri) == 0
    assert await gemeente.node.reactions.likes_of(proposal.uri) == []

    await deliver(gemeente)
    [reject] = [r.activity for r in mastodon.received_by(joris) if r.activity["type"] == "Reject"]
    assert reject["object"]["id"] == like["id"]
    assert "phase: voting" in reject["summary"]


async def test_invalid_proposal_is_refused_with_the_schema_path_and_nothing_is_stored(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    peer = await start_peer()
    anouk = peer.add_account("anouk")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    note = peer.note(
        anouk,
        "<p><strong>Meer bomen</strong></p><p>Meer bomen in de binnenstad.</p>",
        mentions=((process.uri, f"@klimaat@{gemeente.node.urls.host}"),),
    )
    note |= {"name": "Meer bomen", "audience": process.uri, "proposalStatus": "maybe"}
    create = peer.create(note)
    create["@context"] = [*create["@context"], "https://samenspraak.nl/ns/v1"]

    answer = await peer.post(anouk, f"{gemeente.base_url}/inbox", create)

    assert answer.status == 422
    assert "invalid proposal" in answer.body["error"]
    assert "/proposalStatus" in answer.body["error"]
    [problem] = answer.body["problems"]
    assert problem["path"] == "/proposalStatus"
    assert problem["schema_path"].endswith("proposalStatus/enum")
    assert await gemeente.node.objects.record(note["id"]) is None
    assert await gemeente.node.participation_store.get_proposal(note["id"]) is None
    assert await gemeente.node.participation_store.proposals_of(process.uri) == []


async def test_mastodon_post_mentioning_a_proposing_process_becomes_a_proposal_and_is_announced(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    inbox = f"{gemeente.base_url}/inbox"
    assert (await mastodon.post(joris, inbox, mastodon.follow(joris, process.uri))).status == 202

    handle = f"@klimaat@{gemeente.node.urls.host}"
    note = mastodon.note(
        joris,
        f'<p><span class="h-card"><a href="{process.uri}" class="u-url mention">@klimaat</a>'
        "</span> Waterpleinen in Paddepoel</p><p>Bij hoosbuien loopt de kelder vol.</p>",
        mentions=((process.uri, handle),),
    )
    assert (await mastodon.post(joris, inbox, mastodon.create(note))).status == 202

    proposal = await gemeente.node.participation_store.get_proposal(note["id"])
    assert proposal is not None
    assert (proposal.title, proposal.status) == ("Waterpleinen in Paddepoel", "submitted")
    await deliver(gemeente)
    announces = [r.activity for r in mastodon.inbox if r.activity["type"] == "Announce"]
    # The boost Mastodon shows; the Announce of the Create beside it is for Lemmy-family
    # servers (FEP-1b12), and Mastodon ignores an Announce whose object is an activity.
    boosts = [a for a in announces if a["object"]["type"] != "Create"]
    assert [a["object"]["id"] for a in boosts] == [note["id"]]
    assert boosts[0]["actor"] == process.uri

    reply = mastodon.note(
        joris,
        "<p>En bij de Kardinge ook graag!</p>",
        mentions=((process.uri, handle),),
        in_reply_to=note["id"],
    )
    assert (await mastodon.post(joris, inbox, mastodon.create(reply))).status == 202
    assert await gemeente.node.participation_store.stances_of(note["id"]) == {reply["id"]: None}

    edited = {
        **note,
        "name": "Waterpleinen en wadi's in Paddepoel",
        "updated": iso(utc_now()),
    }
    update = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note['id']}#updates/1",
        "type": "Update",
        "actor": joris.uri,
        "object": edited,
    }
    assert (await mastodon.post(joris, inbox, update)).status == 202
    retitled = await gemeente.node.participation_store.get_proposal(note["id"])
    assert retitled is not None and retitled.title == "Waterpleinen en wadi's in Paddepoel"


async def test_mastodon_post_to_a_process_past_proposing_stays_an_ordinary_post(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    await processes.set_phase(gemeente.node.participation_services, process, "closed")
    note = mastodon.note(
        joris,
        "<p>Wanneer komt de uitslag?</p>",
        mentions=((process.uri, f"@klimaat@{gemeente.node.urls.host}"),),
    )
    answer = await mastodon.post(joris, f"{gemeente.base_url}/inbox", mastodon.create(note))
    assert answer.status == 202
    assert await gemeente.node.objects.record(note["id"]) is not None
    assert await gemeente.node.participation_store.get_proposal(note["id"]) is None


async def test_local_proposal_outside_the_proposing_phase_is_refused(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    closed = await processes.set_phase(gemeente.node.participation_services, process, "closed")
    fatima = await person(gemeente, "fatima")
    with pytest.raises(Refused, match="phase: closed"):
        await create_proposal(
            gemeente.node.participation_services, fatima, closed, "Te laat", "Nog een idee."
        )
    assert await gemeente.node.participation_store.proposals_of(process.uri) == []


async def test_a_remote_proposal_claiming_its_own_history_starts_at_submitted(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    peer = await start_peer()
    anouk = peer.add_account("anouk")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    note = peer.note(
        anouk,
        "<p><strong>Meer bomen</strong></p><p>Meer bomen in de binnenstad.</p>",
        mentions=((process.uri, f"@klimaat@{gemeente.node.urls.host}"),),
    )
    note |= {
        "name": "Meer bomen",
        "audience": process.uri,
        "proposalStatus": "submitted",
        "statusHistory": [
            {
                "type": "StatusChange",
                "status": "accepted",
                "reason": "Door de raad aangenomen.",
                "actor": process.uri,
                "published": iso(utc_now()),
            }
        ],
    }
    create = peer.create(note)
    create["@context"] = [*create["@context"], "https://samenspraak.nl/ns/v1"]

    assert (await peer.post(anouk, f"{gemeente.base_url}/inbox", create)).status == 202

    proposal = await gemeente.node.participation_store.get_proposal(note["id"])
    assert proposal is not None and proposal.status == "submitted"
    trail = await gemeente.node.participation_store.status_trail(note["id"])
    assert [(c.status, c.actor) for c in trail] == [("submitted", anouk.uri)]
