"""Open processes and minted accounts: twenty accounts made on one server all vote.

``open`` means any fediverse account, and any server can make as many as it
likes. Without limits their votes count, but the published result says how
many servers the votes came from and names the one that sent twenty. With a
per-server cap only the first accounts of a server count; with a minimum
account age, accounts made today do not count at all.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from federation.actors import host_of
from federation.errors import Refused
from node.clock import iso, utc_now
from node.participation.ballots import cast_ballot, close_budget, open_budget_ballot
from node.participation.models import Budget
from node.participation.processes import create_process, known_process
from node.participation.voting import cast_vote, close_vote, current_tally, open_vote, record_vote
from node.runner import RunningNode
from node.storage.actors import LocalActor
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import PROPOSING
from tests.integration.voting_scenarios import (
    delivery_error,
    exchange,
    follow,
    in_a_week,
    person,
    process_with_proposals,
)

MINTED = 20


async def minted(running: RunningNode, count: int = MINTED) -> list[LocalActor]:
    """Accounts made on one server a moment ago, all for one vote."""
    return [await person(running, f"stem{n:02d}") for n in range(count)]


async def results_page(running: RunningNode, slug: str) -> str:
    async with running.node.transport.session.get(
        f"{running.base_url}/processes/{slug}/results"
    ) as response:
        assert response.status == 200
        return await response.text()


async def refusal_of(running: RunningNode, vote_id: str) -> tuple[str, str | None]:
    row = await running.node.db.fetch_one(
        "SELECT state, reason FROM sent_votes WHERE activity_object = ?", (vote_id,)
    )
    assert row is not None
    return row["state"], row["reason"]


async def test_twenty_minted_accounts_are_counted_but_the_result_names_their_server(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    stuffer = await start("stemfabriek", "Stemfabriek")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("30 km/u op de Oosterweg", None)]
    )
    residents = [await person(gemeente, name) for name in ("femke", "joost", "ilse")]
    accounts = await minted(stuffer)
    await follow(stuffer, accounts[0], process.uri)
    await exchange(gemeente, stuffer)
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, stuffer)

    for account in accounts:
        await cast_vote(stuffer.node.participation_services, account, question.uri, "voor")
    for account in residents:
        await cast_vote(gemeente.node.participation_services, account, question.uri, "tegen")
    await exchange(gemeente, stuffer)

    result = (await close_vote(gemeente.node.participation_services, question.uri))["voteResult"]
    assert result["votersCount"] == MINTED + 3
    assert result["serversCount"] == 2
    stuffing, small = result["byServer"]
    assert stuffing == {
        "server": host_of(stuffer.base_url),
        "votersCount": MINTED,
        "tallies": [
            {"option": "voor", "count": MINTED},
            {"option": "tegen", "count": 0},
            {"option": "onthouding", "count": 0},
        ],
    }
    # Three voters are too few to name their server: their choices stay theirs.
    assert small == {
        "serversCount": 1,
        "votersCount": 3,
        "tallies": [
            {"option": "voor", "count": 0},
            {"option": "tegen", "count": 3},
            {"option": "onthouding", "count": 0},
        ],
    }

    page = await results_page(gemeente, "verkeersplan")
    assert "Stemmen kwamen van 2 servers." in page
    assert (
        f'<th scope="row">{host_of(stuffer.base_url)}</th><td>{MINTED}</td><td>{MINTED}</td>'
        in (page)
    )
    assert '<th scope="row">1 kleinere server samen</th><td>3</td><td>0</td><td>3</td>' in page

    export = await gemeente.node.transport.session.get(
        f"{gemeente.base_url}/processes/verkeersplan/export.json"
    )
    [exported] = (await export.json())["results"]
    assert exported["serversCount"] == 2
    assert exported["byServer"][0]["tallies"] == {"voor": MINTED, "tegen": 0, "onthouding": 0}


async def test_a_per_server_cap_counts_only_the_first_accounts_of_a_server(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    stuffer = await start("stemfabriek", "Stemfabriek")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("30 km/u op de Oosterweg", None)], per_server_cap=3
    )
    accounts = await minted(stuffer)
    await follow(stuffer, accounts[0], process.uri)
    await exchange(gemeente, stuffer)
    # Other nodes read the cap from the process's Group document.
    seen = await known_process(stuffer.node.participation_services, process.uri)
    assert seen is not None and seen.per_server_cap == 3
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, stuffer)

    sent = [
        await cast_vote(stuffer.node.participation_services, account, question.uri, "voor")
        for account in accounts
    ]
    await exchange(gemeente, stuffer)

    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.voters_count) == (3, 3)
    reason = (
        "vote refused: Verkeersplan counts at most 3 accounts from one server, and 3 accounts"
        f" from {host_of(stuffer.base_url)} take part already"
    )
    for vote_id in sent[3:]:
        assert await refusal_of(stuffer, vote_id) == ("refused", reason)
        error = await delivery_error(stuffer, f"{vote_id}/activity")
        assert error is not None and error.startswith("422") and reason in error
    # Those who hold a place may still change their vote.
    await cast_vote(stuffer.node.participation_services, accounts[0], question.uri, "tegen")
    await exchange(gemeente, stuffer)
    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.count("tegen"), tally.voters_count) == (2, 1, 3)
    # The cap is the server's, not the stuffer's alone: a resident of the process's own
    # node is unaffected.
    femke = await person(gemeente, "femke")
    await cast_vote(gemeente.node.participation_services, femke, question.uri, "voor")
    assert (await current_tally(gemeente.node.participation_services, question)).voters_count == 4

    page = await gemeente.node.transport.session.get(f"{gemeente.base_url}/processes/verkeersplan")
    assert "hoogstens 3 accounts per server tellen mee" in await page.text()


async def test_accounts_arriving_at_once_cannot_pass_the_cap_together(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    _, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Zebrapad bij de school", None)], per_server_cap=3
    )
    services = gemeente.node.participation_services
    question = await open_vote(services, proposal.uri, in_a_week())

    voters = [f"https://stemfabriek.example/users/stem{n:02d}" for n in range(MINTED)]
    outcomes = await asyncio.gather(
        *(record_vote(services, question.uri, v, "voor", f"{v}#vote") for v in voters),
        return_exceptions=True,
    )

    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 3
    assert all(isinstance(o, Refused) for o in outcomes if isinstance(o, BaseException))
    assert (await current_tally(services, question)).voters_count == 3


async def test_a_minimum_account_age_refuses_accounts_made_today(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    stuffer = await start("stemfabriek", "Stemfabriek")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("30 km/u op de Oosterweg", None)], min_account_age_days=30
    )
    accounts = await minted(stuffer, 5)
    veteran = await person(stuffer, "veteraan")
    # An account made a quarter ago: its actor document says so in ``published``.
    made = iso(utc_now() - timedelta(days=90))
    await stuffer.node.db.execute(
        "UPDATE local_actors SET created_at = ? WHERE uri = ?", (made, veteran.uri)
    )
    await follow(stuffer, veteran, process.uri)
    await exchange(gemeente, stuffer)
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, stuffer)

    sent = [
        await cast_vote(stuffer.node.participation_services, account, question.uri, "voor")
        for account in [*accounts, veteran]
    ]
    await exchange(gemeente, stuffer)

    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.voters_count) == (1, 1)
    today = utc_now().date().isoformat()
    for account, vote_id in zip(accounts, sent, strict=False):
        state, reason = await refusal_of(stuffer, vote_id)
        assert state == "refused"
        assert reason == (
            "vote refused: Verkeersplan counts only accounts at least 30 days old, and"
            f" {account.uri} was made on {today}"
        )
    assert (await refusal_of(stuffer, sent[-1]))[0] == "sent"


async def test_budget_ballots_of_an_open_process_are_published_per_server(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    stuffer = await start("stemfabriek", "Stemfabriek")
    budget = Budget(amount=50_000, currency="EUR", min_picks=1, max_picks=2)
    process, proposals = await process_with_proposals(
        gemeente,
        "wijkbudget",
        [("Groen schoolplein", 30_000.0), ("Bankjes", 7_800.0)],
        budget=budget,
    )
    school, benches = (p.uri for p in proposals)
    accounts = await minted(stuffer, 6)
    await follow(stuffer, accounts[0], process.uri)
    await exchange(gemeente, stuffer)
    await open_budget_ballot(gemeente.node.participation_services, process.uri, in_a_week())
    for account in accounts:
        await cast_ballot(stuffer.node.participation_services, account, process.uri, [benches])
    femke = await person(gemeente, "femke")
    await cast_ballot(gemeente.node.participation_services, femke, process.uri, [school])
    await exchange(gemeente, stuffer)

    result = (await close_budget(gemeente.node.participation_services, process.uri))["budgetResult"]
    assert result["votersCount"] == 7 and result["serversCount"] == 2
    assert result["byServer"] == [
        {
            "server": host_of(stuffer.base_url),
            "votersCount": 6,
            "allocations": [{"proposal": benches, "votes": 6}, {"proposal": school, "votes": 0}],
        },
        {
            "serversCount": 1,
            "votersCount": 1,
            "allocations": [{"proposal": benches, "votes": 0}, {"proposal": school, "votes": 1}],
        },
    ]
    page = await results_page(gemeente, "wijkbudget")
    assert "Stembiljetten kwamen van 2 servers." in page


@pytest.mark.parametrize("eligibility", ["trusted-nodes", "verified-local"])
async def test_limits_are_for_open_processes_only(start: StartNode, eligibility: str) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    with pytest.raises(Refused, match="a per-server cap and a minimum account age are for open"):
        await create_process(
            gemeente.node.participation_services,
            slug="verkeersplan",
            title="Verkeersplan",
            archetype="advise",
            eligibility=eligibility,
            threshold_count=3,
            phases=PROPOSING,
            per_server_cap=5,
        )
    assert await gemeente.node.participation_store.local_processes() == []
