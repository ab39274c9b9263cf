"""Organisers run the node's processes on /organise: an administrator makes a colleague
organiser on /admin/roles; the organiser moves a decide process with a budget to voting,
opens and closes its ballot on dates and changes a proposal's status with a reason, each
form saying beforehand what federates and to whom, and a node following the process
receives the Update. A resident opening the page gets 403 and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from node.clock import utc_now
from node.participation.models import Budget, phases_around
from node.participation.processes import create_process, known_process
from node.participation.proposals import create_proposal
from node.runner import RunningNode
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import follow
from tests.integration.web_login import logged_in

BUDGET = Budget(amount=50_000, currency="EUR", min_picks=1, max_picks=2)


async def _known_phase(running: RunningNode, process_uri: str) -> str | None:
    known = await known_process(running.node.participation_services, process_uri)
    return known.current_phase if known else None


async def test_an_organiser_runs_a_budget_process_from_the_page_and_followers_hear_it(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    assert gemeente.admin is not None
    await person(gemeente, "sanne")
    bram = await person(gemeente, "bram")
    anna = await person(oosterpark, "anna")
    services = gemeente.node.participation_services
    process = await create_process(
        services,
        slug="wijkbudget",
        title="Wijkbudget Oosterpark",
        archetype="decide",
        threshold_count=1,
        budget=BUDGET,
        phases=phases_around(utc_now(), ("proposing", -3, 10), ("voting", 10, 20)),
    )
    bench = await create_proposal(services, bram, process, "Bankjes", "Om te rusten.", cost=8_000)
    await create_proposal(services, bram, process, "Groen plein", "Meer bomen.", cost=30_000)
    await follow(oosterpark, anna, process.uri)
    await deliver(gemeente, oosterpark)

    async with logged_in(gemeente, "bram") as as_bram:
        refused = await as_bram.get("/organise")
        posted = await as_bram.post(
            "/organise", {"action": "phase", "process": "wijkbudget", "phase": "voting"}
        )
    assert refused.status == posted.status == 403
    assert "alleen voor de organisatoren en beheerders" in refused.text
    assert await _known_phase(gemeente, process.uri) == "proposing"

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        made = await admin.post(
            "/admin/roles", {"username": "sanne", "role": "organiser", "reason": "Wijkbudget"}
        )
    assert made.status == 200 and "sanne is nu organisator (regelt de processen)." in made.text

    tomorrow = (utc_now() + timedelta(days=1)).date().isoformat()
    async with logged_in(gemeente, "sanne") as sanne:
        own = await sanne.get("/me")
        listing = await sanne.get("/organise")
        moved = await sanne.post(
            "/organise", {"action": "phase", "process": "wijkbudget", "phase": "voting"}
        )
        await deliver(gemeente, oosterpark)
        assert await _known_phase(oosterpark, process.uri) == "voting"
        no_date = await sanne.post(
            "/organise",
            {"action": "ballot-open", "form": "ballot-open-wijkbudget", "process": "wijkbudget"},
        )
        opened = await sanne.post(
            "/organise", {"action": "ballot-open", "process": "wijkbudget", "until": tomorrow}
        )
        no_reason = await sanne.post(
            "/organise",
            {
                "action": "status",
                "form": "status-wijkbudget-1",
                "proposal": bench.uri,
                "status": "rejected",
                "reason": "",
            },
        )
        changed = await sanne.post(
            "/organise",
            {
                "action": "status",
                "proposal": bench.uri,
                "status": "under_review",
                "reason": "De gemeente kijkt of het past.",
            },
        )
        during = await sanne.get("/organise")
        closed = await sanne.post("/organise", {"action": "ballot-close", "process": "wijkbudget"})
    assert 'href="http://' in own.text and "/organise" in own.text
    assert "Processen regelen" in own.text
    assert listing.status == 200 and "Wijkbudget Oosterpark" in listing.text
    assert "2 voorstellen" in listing.text
    assert "Dit stuurt een Update van het proces naar de volgers (1) op hun servers (1)." in (
        listing.text
    )
    assert moved.status == 200
    assert "Wijkbudget Oosterpark is nu in de fase stemmen." in moved.text
    assert no_date.status == 422 and "Kies een datum." in no_date.text
    assert 'id="ballot-open-wijkbudget-until-error"' in no_date.text
    assert opened.status == 200 and "De stemming over het budget van Wijkbudget" in opened.text
    assert no_reason.status == 422 and "Geef een reden: die wordt gepubliceerd" in no_reason.text
    assert changed.status == 200 and "Bankjes heeft nu de status in behandeling." in changed.text
    assert "0 stembiljetten" in during.text
    assert closed.status == 200 and "is gesloten: 0 stembiljetten" in closed.text
    assert await _known_phase(gemeente, process.uri) == "closed"

    await deliver(gemeente, oosterpark)
    assert await _known_phase(oosterpark, process.uri) == "closed"
    updates = await oosterpark.node.db.fetch_all(
        "SELECT type FROM inbox_log WHERE actor = ? AND type = 'Update'", (process.uri,)
    )
    # The move to voting, the proposal's new status, the close with the result.
    assert len(updates) >= 3
