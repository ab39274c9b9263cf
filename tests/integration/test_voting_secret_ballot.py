"""Votes travel as Mastodon poll votes, are counted once per voter and never published."""

from __future__ import annotations

import pytest

from federation.lifecycle import IllegalMove
from node.i18n import readable_moment
from node.participation.processes import set_phase
from node.participation.voting import cast_vote, close_vote, current_tally, open_vote
from node.web.negotiation import ACTIVITY_JSON
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.voting_scenarios import (
    delivery_error,
    exchange,
    follow,
    in_a_week,
    person,
    process_with_proposals,
)


def totals(question_document: dict) -> dict[str, int]:
    """Option → replies.totalItems, as a Mastodon client reads a poll."""
    return {o["name"]: o["replies"]["totalItems"] for o in question_document["oneOf"]}


async def test_a_changed_vote_replaces_the_earlier_one_and_only_tallies_travel(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("30 km/u op de Oosterweg", None)]
    )
    bram = await person(wijert, "bram")
    femke = await person(gemeente, "femke")
    await follow(wijert, bram, process.uri)
    await exchange(gemeente, wijert)

    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, wijert)
    seen_by_bram = await wijert.node.objects.record(question.uri)
    assert seen_by_bram is not None and seen_by_bram.as_type == "Question"
    assert totals(seen_by_bram.document) == {"voor": 0, "tegen": 0, "onthouding": 0}
    # The post Mastodon users read gives the end on the Dutch clock, as people write it.
    closes = readable_moment(question.end_time, "nl")
    assert f"Stem tot {closes}: voor, tegen, onthouding." in seen_by_bram.document["content"]
    assert question.end_time not in seen_by_bram.document["content"]

    first = await cast_vote(wijert.node.participation_services, bram, question.uri, "voor")
    await exchange(gemeente, wijert)
    await cast_vote(wijert.node.participation_services, bram, question.uri, "voor")
    await exchange(gemeente, wijert)
    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.voters_count) == (1, 1)

    await cast_vote(wijert.node.participation_services, bram, question.uri, "tegen")
    await cast_vote(gemeente.node.participation_services, femke, question.uri, "voor")
    await exchange(gemeente, wijert)
    tally = await current_tally(gemeente.node.participation_services, question)
    assert [(t.option, t.count) for t in tally.tallies] == [
        ("voor", 1),
        ("tegen", 1),
        ("onthouding", 0),
    ]
    assert tally.voters_count == 2

    # What Mastodon re-fetches: the Question at its id carries the current tallies.
    async with gemeente.node.transport.session.get(
        question.uri, headers={"Accept": ACTIVITY_JSON}
    ) as response:
        served = await response.json(content_type=None)
    assert totals(served) == {"voor": 1, "tegen": 1, "onthouding": 0}
    assert served["votersCount"] == 2
    # The Update of the Question reached the voter's node with the same tallies.
    refreshed = await wijert.node.objects.record(question.uri)
    assert refreshed is not None and totals(refreshed.document) == totals(served)

    # Secret: no vote is stored as a post, and nothing the process sends names a voter
    # (the Update of the Question goes to voters, but names none).
    assert await gemeente.node.objects.record(first) is None
    published = await gemeente.node.db.fetch_all(
        "SELECT document FROM outbox WHERE actor = ? AND type != 'Accept'", (process.uri,)
    )
    assert all(bram.uri not in row["document"] for row in published)
    assert all(femke.uri not in row["document"] for row in published)


async def test_vote_after_close_is_rejected_and_not_counted(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Zebrapad bij de school", None)]
    )
    bram = await person(wijert, "bram")
    await follow(wijert, bram, process.uri)
    await exchange(gemeente, wijert)
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, wijert)
    await cast_vote(wijert.node.participation_services, bram, question.uri, "voor")
    await exchange(gemeente, wijert)

    result = await close_vote(gemeente.node.participation_services, question.uri)
    await exchange(gemeente, wijert)
    assert result["closed"] and result["voteResult"]["tallies"][0] == {"option": "voor", "count": 1}
    with pytest.raises(IllegalMove, match=r"voting is closed already .* published and final"):
        await close_vote(gemeente.node.participation_services, question.uri)

    late = await cast_vote(wijert.node.participation_services, bram, question.uri, "tegen")
    await exchange(gemeente, wijert)
    error = await delivery_error(wijert, f"{late}/activity")
    assert error is not None and error.startswith("422")
    assert "voting on this question closed at" in error
    refusal = await wijert.node.db.fetch_one(
        "SELECT state, reason FROM sent_votes WHERE activity_object = ?", (late,)
    )
    assert refusal["state"] == "refused"
    assert "voting on this question closed at" in refusal["reason"]
    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.count("tegen"), tally.voters_count) == (1, 0, 1)


async def test_a_mastodon_poll_vote_for_an_unknown_option_gets_422_and_a_reject(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Meer groen op het plein", None)]
    )
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    inbox = gemeente.node.urls.inbox(process.slug)

    def poll_vote(option: str, number: int) -> dict:
        # Exactly what Mastodon sends when a user taps a poll option.
        vote = {
            "id": f"{joris.uri}#votes/{number}",
            "type": "Note",
            "name": option,
            "attributedTo": joris.uri,
            "inReplyTo": question.uri,
            "to": process.uri,
        }
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{joris.uri}#votes/{number}/activity",
            "type": "Create",
            "actor": joris.uri,
            "to": process.uri,
            "object": vote,
        }

    answer = await mastodon.post(joris, inbox, poll_vote("misschien", 1))
    assert answer.status == 422
    assert "'misschien' is not an option" in answer.body["error"]
    await deliver(gemeente)
    rejects = [r.activity for r in mastodon.received_by(joris) if r.activity["type"] == "Reject"]
    assert len(rejects) == 1 and rejects[0]["object"]["id"] == f"{joris.uri}#votes/1"
    assert "'misschien' is not an option" in rejects[0]["summary"]
    assert (await current_tally(gemeente.node.participation_services, question)).voters_count == 0

    answer = await mastodon.post(joris, inbox, poll_vote("onthouding", 2))
    assert answer.status == 202
    assert (await current_tally(gemeente.node.participation_services, question)).count(
        "onthouding"
    ) == 1


async def test_malformed_and_out_of_phase_votes_are_refused_with_their_reason(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Busbaan op de Petrus Campersingel", None)]
    )
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    stored = await gemeente.node.objects.record(proposal.uri)
    assert stored is not None and stored.document["question"] == question.uri
    inbox = gemeente.node.urls.inbox(process.slug)
    vote = {
        "id": f"{joris.uri}#votes/1",
        "type": "Note",
        "name": "voor",
        "attributedTo": joris.uri,
        "inReplyTo": question.uri,
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{joris.uri}#votes/1/activity",
        "type": "Create",
        "actor": joris.uri,
        "object": vote,
    }
    answer = await mastodon.post(joris, inbox, create)
    assert answer.status == 422
    assert answer.body["error"].startswith("vote refused: malformed vote at /")
    assert "'to' is a required property" in answer.body["error"]

    await set_phase(gemeente.node.participation_services, process, "closed")
    answer = await mastodon.post(joris, inbox, create | {"object": vote | {"to": process.uri}})
    assert answer.status == 422
    assert (
        "is in its closed phase; votes are taken only in the voting phase" in (answer.body["error"])
    )
    assert (await current_tally(gemeente.node.participation_services, question)).voters_count == 0
