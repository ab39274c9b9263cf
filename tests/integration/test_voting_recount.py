"""Published tallies equal an independent recount, and residents vote on the node's pages."""

from __future__ import annotations

import aiohttp

import schemas
from node.participation.processes import set_phase
from node.participation.voting import cast_vote, close_due_votes, close_vote, open_vote
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import (
    exchange,
    follow,
    in_a_week,
    person,
    process_with_proposals,
)
from tests.integration.web_login import web_browser

CHOICES = ["voor", "voor", "tegen", "voor", "onthouding", "tegen", "voor"]


async def test_tallies_equal_an_independent_recount_of_the_stored_votes(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Autoluwe binnenstad", None)]
    )
    observer = await person(wijert, "waarnemer")
    await follow(wijert, observer, process.uri)
    await exchange(gemeente, wijert)
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    for number, choice in enumerate(CHOICES):
        here = await person(gemeente, f"inwoner{number}")
        there = await person(wijert, f"bewoner{number}")
        await cast_vote(gemeente.node.participation_services, here, question.uri, choice)
        await cast_vote(wijert.node.participation_services, there, question.uri, "tegen")
        # Everyone changes their mind once; only the last choice counts.
        await cast_vote(wijert.node.participation_services, there, question.uri, choice)
    await exchange(gemeente, wijert)

    result = await close_vote(gemeente.node.participation_services, question.uri)
    await exchange(gemeente, wijert)
    assert schemas.validate("result", result) == []
    published = {t["option"]: t["count"] for t in result["voteResult"]["tallies"]}

    rows = await gemeente.node.db.fetch_all(
        "SELECT option, count(*) AS n FROM votes WHERE question_uri = ? GROUP BY option",
        (question.uri,),
    )
    assert (
        published
        == {r["option"]: r["n"] for r in rows}
        == {
            "voor": 8,
            "tegen": 4,
            "onthouding": 2,
        }
    )
    assert result["votersCount"] == result["voteResult"]["votersCount"] == 14
    assert {o["name"]: o["replies"]["totalItems"] for o in result["oneOf"]} == published

    async with aiohttp.ClientSession() as session:
        async with session.get(result["voteResult"]["recount"]) as response:
            exported = (await response.text()).splitlines()
    assert exported[0] == "question;proposal;option;votes;closed_at"
    assert {line.split(";")[2]: int(line.split(";")[3]) for line in exported[1:]} == published

    # The signed Update reached the follower's node as the closed poll with its result.
    seen = await wijert.node.objects.record(question.uri)
    assert seen is not None and seen.document["closed"] == result["closed"]
    assert seen.document["voteResult"]["tallies"] == result["voteResult"]["tallies"]


async def test_a_resident_votes_on_the_page_and_sees_refusals_with_their_reason(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, [proposal] = await process_with_proposals(
        wijert, "speeltuin", [("Nieuwe schommels", None)]
    )
    await person(wijert, "bram")
    question = await open_vote(wijert.node.participation_services, proposal.uri, in_a_week())
    page = f"/processes/{process.slug}/vote"
    async with web_browser(wijert) as browser:
        anonymous = await browser.get(page, follow=False)
        assert (anonymous.status, anonymous.location) == (303, f"/login?next={page}")
        await browser.login("bram")
        counted = await browser.post(page, {"question": question.uri, "option": "voor"})
        assert counted.status == 200
        assert "Uw stem is geteld." in counted.text
        refused = await browser.post(page, {"question": question.uri, "option": "misschien"})
        assert refused.status == 422
        assert "is not an option" in refused.text
        html = (await browser.get(f"/processes/{process.slug}/results")).text
    assert "Nieuwe schommels" in html and "<td>voor</td><td>1</td>" in html


async def test_closing_the_process_lets_due_votes_close_with_their_result(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, [first, second] = await process_with_proposals(
        wijert, "speeltuin", [("Nieuwe schommels", None), ("Een pannakooi", None)]
    )
    bram = await person(wijert, "bram")
    open_question = await open_vote(wijert.node.participation_services, first.uri, in_a_week())
    await open_vote(wijert.node.participation_services, second.uri, in_a_week())
    await cast_vote(wijert.node.participation_services, bram, open_question.uri, "voor")
    assert await close_due_votes(wijert.node.participation_services) == []

    await set_phase(wijert.node.participation_services, process, "closed")
    closed = await close_due_votes(wijert.node.participation_services)
    assert len(closed) == 2 and open_question.uri in closed
    record = await wijert.node.objects.record(open_question.uri)
    assert record is not None and record.document["voteResult"]["votersCount"] == 1
    assert schemas.validate("result", record.document) == []
