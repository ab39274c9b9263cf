"""Budget ballots: picks within the budget and min/max, replaceable until close, a signed
result that anyone can recount."""

from __future__ import annotations

import pytest

from federation.errors import Refused
from federation.lifecycle import IllegalMove
from node.participation.ballots import cast_ballot, close_budget, open_budget_ballot
from node.participation.models import Budget
from node.web.negotiation import ACTIVITY_JSON
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import (
    delivery_error,
    exchange,
    follow,
    import_register,
    in_a_week,
    process_with_proposals,
    resident,
)

BUDGET = Budget(amount=50_000, currency="EUR", min_picks=1, max_picks=3)
PROJECTS = [
    ("Groen schoolplein", 30_000.0),
    ("Bankjes langs het water", 7_800.0),
    ("Wadi's in de Van Iddekingeweg", 25_000.0),
    ("Buurtkrant", 4_000.0),
    ("Muurschildering onder het viaduct", 12_000.0),
]


async def test_budget_overspend_too_many_and_too_few_picks_are_refused_with_reasons(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await wijert.node.trust.add(oosterpark.node.urls.host)
    for running in (wijert, oosterpark):
        await import_register(running)
    bram = await resident(wijert, "bram", "9722AB", "4")
    anna = await resident(oosterpark, "anna", "9713XT", "12")
    process, proposals = await process_with_proposals(
        wijert, "wijkbudget", PROJECTS, eligibility="trusted-nodes", budget=BUDGET
    )
    school, benches, wadi, paper, mural = (p.uri for p in proposals)
    await follow(oosterpark, anna, process.uri)
    await exchange(wijert, oosterpark)
    await open_budget_ballot(wijert.node.participation_services, process.uri, in_a_week())
    store = wijert.node.ballots

    refusals = [
        ([school, wadi], "the picks cost EUR 55,000 together, over the budget of EUR 50,000"),
        ([benches, paper, mural, wadi], "4 picks is too many: pick at most 3"),
        ([], "0 pick(s) is too few: pick at least 1"),
        ([f"{wijert.base_url}/objects/elders"], "is not a proposal on this ballot"),
    ]
    for picks, reason in refusals:
        with pytest.raises(Refused) as refused:
            await cast_ballot(wijert.node.participation_services, bram, process.uri, picks)
        assert refused.value.reason.startswith("ballot refused: ") and reason in str(refused.value)
        sent = await cast_ballot(oosterpark.node.participation_services, anna, process.uri, picks)
        await exchange(wijert, oosterpark)
        error = await delivery_error(oosterpark, f"{sent}/activity")
        assert error is not None and error.startswith("422") and reason in error
        seen = await oosterpark.node.db.fetch_one(
            "SELECT state, reason FROM sent_votes WHERE activity_object = ?", (sent,)
        )
        assert seen["state"] == "refused" and reason in seen["reason"]
    assert await store.all_picks(process.uri) == []

    await cast_ballot(
        wijert.node.participation_services, bram, process.uri, [school, benches, paper]
    )
    await cast_ballot(oosterpark.node.participation_services, anna, process.uri, [wadi, mural])
    await exchange(wijert, oosterpark)
    assert await store.picks_of(process.uri, anna.uri) == sorted([wadi, mural])


async def test_a_later_ballot_replaces_the_earlier_one_and_the_result_is_signed_and_recountable(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await wijert.node.trust.add(oosterpark.node.urls.host)
    for running in (wijert, oosterpark):
        await import_register(running)
    bram = await resident(wijert, "bram", "9722AB", "4")
    sanne = await resident(wijert, "sanne", "9722AB", "6a")
    anna = await resident(oosterpark, "anna", "9713XT", "12")
    process, proposals = await process_with_proposals(
        wijert, "wijkbudget", PROJECTS, eligibility="trusted-nodes", budget=BUDGET
    )
    school, benches, wadi, paper, mural = (p.uri for p in proposals)
    await follow(oosterpark, anna, process.uri)
    await exchange(wijert, oosterpark)
    await open_budget_ballot(wijert.node.participation_services, process.uri, in_a_week())

    await cast_ballot(wijert.node.participation_services, bram, process.uri, [school, benches])
    await cast_ballot(wijert.node.participation_services, sanne, process.uri, [school, paper])
    await cast_ballot(oosterpark.node.participation_services, anna, process.uri, [mural])
    await exchange(wijert, oosterpark)
    await cast_ballot(oosterpark.node.participation_services, anna, process.uri, [wadi, benches])
    await exchange(wijert, oosterpark)

    document = await close_budget(wijert.node.participation_services, process.uri)
    await exchange(wijert, oosterpark)
    with pytest.raises(IllegalMove, match="voting is closed already"):
        await close_budget(wijert.node.participation_services, process.uri)
    result = document["budgetResult"]
    assert result["votersCount"] == 3
    by_proposal = {a["proposal"]: a for a in result["allocations"]}
    assert {p: a["votes"] for p, a in by_proposal.items()} == {
        school: 2,
        benches: 2,
        wadi: 1,
        paper: 1,
        mural: 0,
    }
    # Greedy by votes within EUR 50,000: benches (2, cheaper) and school (2) fit, then paper
    # (1, cheaper than wadi); wadi no longer fits; the mural got no votes.
    assert [a["proposal"] for a in result["allocations"] if a["selected"]] == [
        benches,
        school,
        paper,
    ]

    # Anyone can recount: the ballots in the database, grouped independently, give the same.
    rows = await wijert.node.db.fetch_all(
        "SELECT proposal_uri, count(*) AS n FROM ballot_picks WHERE process_uri = ?"
        " GROUP BY proposal_uri",
        (process.uri,),
    )
    recount = {r["proposal_uri"]: r["n"] for r in rows}
    assert {p: a["votes"] for p, a in by_proposal.items() if a["votes"]} == recount

    async with wijert.node.transport.session.get(result["recount"]) as response:
        assert response.status == 200
        lines = (await response.text()).splitlines()
    assert lines[0] == "proposal;title;cost;currency;votes;selected"
    assert f"{benches};Bankjes langs het water;7800.00;EUR;2;yes" in lines

    # The process actor (what Mastodon and other nodes fetch) carries the result.
    async with wijert.node.transport.session.get(
        process.uri, headers={"Accept": ACTIVITY_JSON}
    ) as response:
        served = await response.json(content_type=None)
    assert served["currentPhase"] == "closed"
    assert served["budgetResult"]["allocations"] == result["allocations"]

    late = await cast_ballot(oosterpark.node.participation_services, anna, process.uri, [mural])
    await exchange(wijert, oosterpark)
    error = await delivery_error(oosterpark, f"{late}/activity")
    assert error is not None and "the budget ballot closed at" in error
