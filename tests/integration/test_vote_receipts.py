"""Vote receipts: every counted vote's voter gets a code, and after the close the process
publishes one hash per counted vote, which each voter finds and nobody else can read."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from node.clock import utc_now
from node.participation.ballots import cast_ballot, close_budget, open_budget_ballot
from node.participation.models import Budget, Question
from node.participation.receipts import receipt_hash
from node.participation.voting import cast_vote, close_vote, current_tally
from node.runner import RunningNode
from node.storage.actors import LocalActor
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import (
    delivery_error,
    exchange,
    followed_vote,
    in_a_week,
    person,
    process_with_proposals,
)
from tests.integration.web_login import logged_in, web_browser


async def published(url: str) -> tuple[int, dict[str, object]]:
    """The status and JSON of a published receipts collection."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return response.status, await response.json(content_type=None)


async def results_page(running: RunningNode, slug: str, receipt: str) -> str:
    """The results page of a process, asked whether a receipt was counted."""
    async with web_browser(running) as visitor:
        return (await visitor.get(f"/processes/{slug}/results?receipt={receipt}")).text


async def test_receipts_published_equal_the_votes_counted_and_each_voter_finds_theirs(
    start: StartNode,
) -> None:
    gemeente, wijert, process, _, question = await followed_vote(
        start, utc_now() + timedelta(days=7)
    )
    here_receipts = gemeente.node.participation_services.receipts
    there_receipts = wijert.node.participation_services.receipts
    replaced: list[str] = []
    counted: list[str] = []
    for number in range(3):
        here = await person(gemeente, f"inwoner{number}")
        await cast_vote(gemeente.node.participation_services, here, question.uri, "tegen")
        replaced.append(await here_receipts.latest(here.uri, question.uri) or "")
        await cast_vote(gemeente.node.participation_services, here, question.uri, "voor")
        counted.append(await here_receipts.latest(here.uri, question.uri) or "")
        there = await person(wijert, f"bewoner{number}")
        first = await cast_vote(wijert.node.participation_services, there, question.uri, "voor")
        await exchange(gemeente, wijert)
        second = await cast_vote(wijert.node.participation_services, there, question.uri, "tegen")
        await exchange(gemeente, wijert)
        replaced.append(await there_receipts.of_vote(first) or "")
        counted.append(await there_receipts.of_vote(second) or "")
    assert all(replaced) and all(counted) and len(set(replaced + counted)) == 12

    # A resident sees the receipt of the vote that counts on their own node's page.
    async with logged_in(wijert, "bewoner2") as bewoner:
        votes_page = (await bewoner.get("/votes")).text
    assert counted[-1] in votes_page and replaced[-1] not in votes_page

    status, _ = await published(f"{question.uri}/receipts")
    assert status == 404

    result = await close_vote(gemeente.node.participation_services, question.uri)
    status, collection = await published(result["voteResult"]["receipts"])
    assert status == 200
    hashes = collection["orderedItems"]
    assert isinstance(hashes, list)
    assert collection["totalItems"] == len(hashes) == result["votersCount"] == 6
    assert set(hashes) == {receipt_hash(code) for code in counted}
    assert not {receipt_hash(code) for code in replaced} & set(hashes)
    assert "voor" not in str(collection) and "tegen" not in str(collection)

    found = await results_page(gemeente, process.slug, counted[3].lower().replace("-", ""))
    assert "Uw ontvangstbewijs zit bij de getelde stemmen." in found
    assert "6 ontvangstbewijzen van getelde stemmen (hashes)" in found
    void = await results_page(gemeente, process.slug, replaced[3])
    assert "Dit ontvangstbewijs zit niet bij de getelde stemmen" in void


async def test_budget_ballot_receipts_equal_the_ballots_counted(start: StartNode) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    process, proposals = await process_with_proposals(
        wijert,
        "wijkbudget",
        [("Bankjes", 4000.0), ("Bomen", 9000.0)],
        budget=Budget(10000, "EUR", 1, 1),
    )
    await open_budget_ballot(wijert.node.participation_services, process.uri, in_a_week())
    codes = []
    for number, pick in enumerate([0, 1, 1]):
        voter = await person(wijert, f"bewoner{number}")
        await cast_ballot(
            wijert.node.participation_services, voter, process.uri, [proposals[pick].uri]
        )
        codes.append(
            await wijert.node.participation_services.receipts.latest(voter.uri, process.uri)
        )
    anna = await person(oosterpark, "anna")
    sent = await cast_ballot(
        oosterpark.node.participation_services, anna, process.uri, [proposals[0].uri]
    )
    await exchange(wijert, oosterpark)
    codes.append(await oosterpark.node.participation_services.receipts.of_vote(sent))
    assert all(codes)

    document = await close_budget(wijert.node.participation_services, process.uri)
    status, collection = await published(document["budgetResult"]["receipts"])
    assert status == 200
    assert collection["totalItems"] == document["budgetResult"]["votersCount"] == 4
    assert set(collection["orderedItems"]) == {receipt_hash(c) for c in codes if c}


async def take_back(
    running: RunningNode, voter: LocalActor, vote_id: str, question: Question
) -> str:
    """The voter's node sends an Undo of a vote's Create to the process, as a client
    taking back a poll answer would; the Undo's id."""
    undo_id = running.node.outbox.new_activity_id()
    vote = {"id": vote_id, "type": "Note", "attributedTo": voter.uri, "inReplyTo": question.uri}
    create = {"id": f"{vote_id}/activity", "type": "Create", "actor": voter.uri, "object": vote}
    await running.node.outbox.send(
        voter.uri,
        {"id": undo_id, "type": "Undo", "object": create, "to": [question.process_uri]},
        [question.process_uri],
        personal_inboxes=True,
    )
    return undo_id


async def test_a_vote_taken_back_after_the_close_is_refused_and_the_result_and_receipts_stand(
    start: StartNode,
) -> None:
    gemeente, wijert, _, _, question = await followed_vote(start, utc_now() + timedelta(days=7))
    voters, votes = [], []
    for number, option in enumerate(("voor", "tegen", "voor")):
        voters.append(await person(wijert, f"bewoner{number}"))
        votes.append(
            await cast_vote(wijert.node.participation_services, voters[-1], question.uri, option)
        )
    await exchange(gemeente, wijert)

    # While the vote is open a voter may take their vote back: it no longer counts.
    undo = await take_back(wijert, voters[0], votes[0], question)
    await exchange(gemeente, wijert)
    assert await delivery_error(wijert, undo) is None
    services = gemeente.node.participation_services
    assert (await current_tally(services, question)).voters_count == 2

    result = await close_vote(services, question.uri)
    assert result["votersCount"] == 2
    _, receipts = await published(result["voteResult"]["receipts"])
    undo = await take_back(wijert, voters[2], votes[2], question)
    await exchange(gemeente, wijert)
    error = await delivery_error(wijert, undo)
    assert error is not None and error.startswith("409")
    assert "a vote can no longer be withdrawn: voting on this question closed at" in error
    assert await published(result["voteResult"]["receipts"]) == (200, receipts)
    closed = await current_tally(services, question)
    assert (closed.voters_count, closed.count("voor"), closed.count("tegen")) == (2, 1, 1)
    async with aiohttp.ClientSession() as session:
        async with session.get(
            question.uri, headers={"Accept": "application/activity+json"}
        ) as response:
            document = await response.json(content_type=None)
    assert document["votersCount"] == 2 and document["voteResult"] == result["voteResult"]
