"""The clock runs the process: votes and ballots close at their end, phases move at their
dates, followers are reminded before a phase ends; each once, also across a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp

from node.clock import DEFAULT_CLOCK, Clock, iso, utc_now
from node.participation.ballots import cast_ballot, open_budget_ballot
from node.participation.models import Budget, Phase
from node.participation.processes import create_process, set_phase
from node.participation.schedule import run_schedule
from node.participation.voting import cast_vote
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import (
    exchange,
    follow,
    followed_vote,
    person,
    process_with_proposals,
)
from tests.integration.web_login import web_browser

# The restarted node's clock reads this much later than the clock the vote was opened on:
# past the vote's end, within the hour of skew signatures allow, so peers still take its
# deliveries.
LATER = timedelta(minutes=30)


async def updates_from(running: RunningNode, actor: str) -> int:
    """How many Updates by ``actor`` a node's inbox has taken."""
    count = await running.node.db.fetch_value(
        "SELECT count(*) FROM inbox_log WHERE actor = ? AND type = 'Update'", (actor,)
    )
    return int(count)


async def test_a_node_stopped_over_a_votes_end_closes_it_and_publishes_once_after_restart(
    start: StartNode,
) -> None:
    gemeente, wijert, process, proposal, question = await followed_vote(
        start, utc_now() + timedelta(minutes=10)
    )
    for number, choice in enumerate(["voor", "tegen", "voor"]):
        here = await person(gemeente, f"inwoner{number}")
        there = await person(wijert, f"bewoner{number}")
        await cast_vote(gemeente.node.participation_services, here, question.uri, choice)
        await cast_vote(wijert.node.participation_services, there, question.uri, "voor")
    await exchange(gemeente, wijert)
    before = await updates_from(wijert, process.uri)

    config = gemeente.node.config
    await gemeente.stop()
    gemeente = await start(
        config.handle,
        config.name,
        kind=config.kind,
        port=config.port,
        clock=Clock(DEFAULT_CLOCK.shift + LATER),
    )
    # The round a running node makes at start, then the rounds that follow.
    await gemeente.node.run_periodic_once()
    await exchange(gemeente, wijert)
    await gemeente.node.run_periodic_once()
    await exchange(gemeente, wijert)

    assert await updates_from(wijert, process.uri) == before + 1
    seen = await wijert.node.objects.record(question.uri)
    assert seen is not None
    assert {t["option"]: t["count"] for t in seen.document["voteResult"]["tallies"]} == {
        "voor": 5,
        "tegen": 1,
        "onthouding": 0,
    }

    # Started once more: the close is done and stays done.
    await gemeente.stop()
    gemeente = await start(
        config.handle,
        config.name,
        kind=config.kind,
        port=config.port,
        clock=Clock(DEFAULT_CLOCK.shift + LATER * 2),
    )
    await gemeente.node.run_periodic_once()
    await exchange(gemeente, wijert)
    assert await updates_from(wijert, process.uri) == before + 1

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{gemeente.base_url}/processes/verkeersplan/decisions.json") as r:
            decisions = (await r.json())["decisions"]
    [closed] = [d for d in decisions if d["kind"] == "vote-closed"]
    assert closed["proposal"] == proposal.uri
    assert closed["dueAt"] == question.end_time
    assert closed["actor"] == process.uri


async def test_two_schedules_at_once_close_a_vote_once(start: StartNode) -> None:
    gemeente, wijert, process, _, question = await followed_vote(
        start, utc_now() + timedelta(hours=1)
    )
    await exchange(gemeente, wijert)
    before = await updates_from(wijert, process.uri)
    later = utc_now() + timedelta(hours=2)
    services = gemeente.node.participation_services

    reports = await asyncio.gather(run_schedule(services, later), run_schedule(services, later))
    await exchange(gemeente, wijert)

    assert sum(r.votes_closed for r in reports) == 1
    assert await updates_from(wijert, process.uri) == before + 1
    closed = await gemeente.node.votes.question(question.uri)
    assert closed is not None and closed.closed_at is not None


async def test_phases_move_at_their_dates_and_followers_are_reminded_once(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    now = utc_now()
    phases = (
        Phase("proposing", iso(now - timedelta(days=10)), iso(now + timedelta(days=5))),
        Phase("supporting", iso(now + timedelta(days=5)), iso(now + timedelta(days=10))),
        Phase("voting", iso(now + timedelta(days=10)), iso(now + timedelta(days=20))),
    )
    services = wijert.node.participation_services
    process = await create_process(
        services,
        slug="speeltuin",
        title="Speeltuin De Wijert",
        archetype="initiate",
        threshold_count=3,
        phases=phases,
    )
    reader = await person(oosterpark, "lezer")
    await follow(oosterpark, reader, process.uri)
    await exchange(wijert, oosterpark)

    assert (await run_schedule(services, now)).moves == 0
    # Two days before the end of proposing: one reminder, however often the clock ticks.
    reminded = now + timedelta(days=3, hours=1)
    assert (await run_schedule(services, reminded)).reminders == 1
    assert (await run_schedule(services, reminded + timedelta(hours=1))).moves == 0
    await exchange(wijert, oosterpark)
    notes = await oosterpark.node.db.fetch_all(
        "SELECT document FROM objects WHERE attributed_to = ? AND as_type = 'Note'",
        (process.uri,),
    )
    assert len(notes) == 1 and "De indienfase van Speeltuin De Wijert sluit op" in str(notes[0][0])

    # Down over both supporting and the start of voting: one move, straight to voting.
    report = await run_schedule(services, now + timedelta(days=12))
    assert report.phases == 1
    moved = await services.store.get_process(process.uri)
    assert moved is not None and moved.current_phase == "voting"
    # The organiser closes it by hand; the dates move nothing back.
    await set_phase(services, moved, "closed")
    assert (await run_schedule(services, now + timedelta(days=30))).moves == 0

    async with web_browser(wijert) as visitor:
        html = (await visitor.get("/processes/speeltuin/decisions?lang=en")).text
    assert "Phase: voting" in html and "Phase: closed" in html
    assert "On schedule:" in html and "By hand" in html
    assert "Followers reminded that this phase ends soon: making proposals" in html


async def test_a_budget_ballot_closes_at_its_end_and_publishes_the_result(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    services = wijert.node.participation_services
    process, proposals = await process_with_proposals(
        wijert,
        "wijkbudget",
        [("Bankjes", 4000.0), ("Bomen", 9000.0)],
        budget=Budget(10000, "EUR", 1, 1),
    )
    end = utc_now() + timedelta(days=1)
    await open_budget_ballot(services, process.uri, iso(end))
    for number, pick in enumerate([0, 1, 1]):
        voter = await person(wijert, f"bewoner{number}")
        await cast_ballot(services, voter, process.uri, [proposals[pick].uri])

    assert (await run_schedule(services, end - timedelta(minutes=1))).ballots_closed == 0
    report = await run_schedule(services, end + timedelta(minutes=1))
    assert report.ballots_closed == 1
    closed = await services.store.get_process(process.uri)
    assert closed is not None and closed.current_phase == "closed"
    actor = await wijert.node.actors.by_uri(process.uri)
    assert actor is not None
    result = actor.properties["activitypub"]["budgetResult"]
    assert result["votersCount"] == 3
    selected = {a["proposal"]: a["selected"] for a in result["allocations"]}
    assert selected == {proposals[0].uri: False, proposals[1].uri: True}
    assert (await run_schedule(services, end + timedelta(days=1))).moves == 0
