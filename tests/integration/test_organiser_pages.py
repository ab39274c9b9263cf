"""Organisers run the node's processes on /organise: an administrator makes a colleague
organiser on /admin/roles; the organiser opens a decide process with a budget on
/organise/new (a duplicate name and a phase ending before it starts refused beside their
fields, nothing stored), moves it with a budget to voting,
opens and closes its ballot on dates and changes a proposal's status with a reason, each
form saying beforehand what federates and to whom, and a node following the process
receives the Update. A resident opening the page gets 403 and changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from node.clock import iso, utc_now
from node.i18n import LOCAL_TIME
from node.participation.models import Budget, phases_around
from node.participation.processes import create_process, known_process, local_process
from node.participation.proposals import create_proposal
from node.runner import RunningNode
from node.storage.actors import LocalActor
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import follow
from tests.integration.web_login import logged_in

DUTCH_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()
BUDGET = Budget(amount=50_000, currency="EUR", min_picks=1, max_picks=2)


def _day(days: int) -> str:
    # A day as the organiser's date picker gives it: a Dutch day, as the pages read it.
    return (utc_now() + timedelta(days=days)).astimezone(LOCAL_TIME).date().isoformat()


NEW = {
    "slug": "wijkbudget",
    "title": "Wijkbudget Oosterpark",
    "summary": "Wat doen we met het geld?",
    "archetype": "decide",
    "eligibility": "open",
    "threshold": "1",
    "electorate": "",
    "proposing_start": _day(-1),
    "proposing_end": _day(10),
    "supporting_start": "",
    "supporting_end": "",
    "voting_start": _day(11),
    "voting_end": _day(20),
    "budget_amount": "50000",
    "budget_currency": "eur",
    "min_picks": "1",
    "max_picks": "2",
}


async def _two_nodes(start: StartNode) -> tuple[RunningNode, RunningNode, LocalActor, LocalActor]:
    """The municipality's node with its resident bram, and a neighbourhood's with anna."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    return gemeente, oosterpark, await person(gemeente, "bram"), await person(oosterpark, "anna")


async def _known_phase(running: RunningNode, process_uri: str) -> str | None:
    known = await known_process(running.node.participation_services, process_uri)
    return known.current_phase if known else None


async def test_an_organiser_runs_a_budget_process_from_the_page_and_followers_hear_it(
    start: StartNode,
) -> None:
    gemeente, oosterpark, bram, anna = await _two_nodes(start)
    assert gemeente.admin is not None
    await person(gemeente, "sanne")
    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        made = await admin.post(
            "/admin/roles", {"username": "sanne", "role": "organiser", "reason": "Wijkbudget"}
        )
    assert made.status == 200 and "sanne is nu organisator (regelt de processen)." in made.text

    async with logged_in(gemeente, "sanne") as sanne:
        form = await sanne.get("/organise/new")
        backwards = await sanne.post("/organise/new", {**NEW, "voting_end": _day(5)})
        created = await sanne.post("/organise/new", NEW)
        taken = await sanne.post("/organise/new", {**NEW, "title": "Nog een keer"})
    assert form.status == 200 and "Korte naam in adressen" in form.text
    assert backwards.status == 422 and 'id="process-voting_end-error"' in backwards.text
    assert "Deze fase eindigt voordat hij begint" in backwards.text
    assert created.status == 200 and "Wijkbudget Oosterpark is open." in created.text
    assert "@wijkbudget@" in created.text
    assert taken.status == 409 and 'id="process-slug-error"' in taken.text
    assert "De naam wijkbudget is al in gebruik op deze node." in taken.text
    assert len(await gemeente.node.participation_store.local_processes()) == 1
    services = gemeente.node.participation_services
    process = await local_process(services, "wijkbudget")
    assert process.archetype == "decide" and process.budget == BUDGET
    assert [p.name for p in process.phases] == ["proposing", "voting"]
    bench = await create_proposal(services, bram, process, "Bankjes", "Om te rusten.", cost=8_000)
    await create_proposal(services, bram, process, "Groen plein", "Meer bomen.", cost=30_000)
    await follow(oosterpark, anna, process.uri)
    await deliver(gemeente, oosterpark)

    async with logged_in(gemeente, "bram") as as_bram:
        refused = await as_bram.get("/organise")
        refused_new = await as_bram.post("/organise/new", {**NEW, "slug": "van_bram"})
        posted = await as_bram.post(
            "/organise", {"action": "phase", "process": "wijkbudget", "phase": "voting"}
        )
    assert refused.status == posted.status == refused_new.status == 403
    assert await gemeente.node.actors.by_username("van_bram") is None
    assert "alleen voor de organisatoren en beheerders" in refused.text
    assert await _known_phase(gemeente, process.uri) == "proposing"

    tomorrow = _day(1)
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
        status = {"action": "status", "proposal": bench.uri, "reason": "Het past."}
        await sanne.post("/organise", {**status, "status": "accepted"})
        no_progress = await sanne.post(
            "/organise",
            {**status, "form": "status-wijkbudget-1", "status": "in_progress", "progress": "veel"},
        )
        progressing = await sanne.post(
            "/organise", {**status, "status": "in_progress", "progress": "40"}
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
    assert "Een Update van het proces gaat naar de volgers (1) op hun servers (1)." in (opened.text)
    assert no_reason.status == 422 and "Geef een reden: die wordt gepubliceerd" in no_reason.text
    assert changed.status == 200 and "Bankjes heeft nu de status in behandeling." in changed.text
    assert no_progress.status == 422 and 'id="status-wijkbudget-1-progress-error"' in (
        no_progress.text
    )
    assert "Geef de voortgang als een heel percentage" in no_progress.text
    assert progressing.status == 200 and "de status in uitvoering." in progressing.text
    assert "Status: in uitvoering (40%)" in during.text and "0 stembiljetten" in during.text
    assert closed.status == 200 and "is gesloten: 0 stembiljetten" in closed.text
    assert await _known_phase(gemeente, process.uri) == "closed"

    await deliver(gemeente, oosterpark)
    assert await _known_phase(oosterpark, process.uri) == "closed"
    updates = await oosterpark.node.db.fetch_all(
        "SELECT type FROM inbox_log WHERE actor = ? AND type = 'Update'", (process.uri,)
    )
    # The move to voting, the ballot opening, the proposal's three new statuses, and at
    # the close the move to the closed phase and the result.
    assert len(updates) == 7


async def test_an_administrator_opens_and_closes_a_vote_on_a_proposal_from_the_page(
    start: StartNode,
) -> None:
    gemeente, oosterpark, bram, anna = await _two_nodes(start)
    assert gemeente.admin is not None
    services = gemeente.node.participation_services
    process = await create_process(
        services,
        slug="straatnaam",
        title="Nieuwe straatnaam",
        archetype="decide",
        threshold_count=1,
        phases=phases_around(utc_now(), ("proposing", -3, 1), ("voting", 1, 10)),
    )
    proposal = await create_proposal(services, bram, process, "Wilgenlaan", "Naar de bomen.")
    await follow(oosterpark, anna, process.uri)
    await deliver(gemeente, oosterpark)

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        await admin.post(
            "/organise", {"action": "phase", "process": "straatnaam", "phase": "voting"}
        )
        listing = await admin.get("/organise")
        past = await admin.post(
            "/organise",
            {
                "action": "vote-open",
                "form": "vote-open-straatnaam-1",
                "proposal": proposal.uri,
                "until": _day(-1),
            },
        )
        opened = await admin.post(
            "/organise", {"action": "vote-open", "proposal": proposal.uri, "until": _day(3)}
        )
        during = await admin.get("/organise")
        results = await admin.get("/processes/straatnaam/results")
        closed = await admin.post("/organise", {"action": "vote-close", "proposal": proposal.uri})
    assert "Stemming openen" in listing.text
    assert "Dit stuurt de vraag naar de volgers van het proces (1) op hun servers (1)" in (
        listing.text
    )
    assert past.status == 422 and 'id="vote-open-straatnaam-1-until-error"' in past.text
    assert "Kies een einddatum in de toekomst." in past.text
    assert opened.status == 200 and "De stemming over Wilgenlaan is open." in opened.text
    assert "Stemming nu sluiten" in during.text and "0 stemmen" in during.text
    # The day chosen is a Dutch day: the vote closes at 23:59 that evening on the pages'
    # clock, not at midnight UTC (00:59 the next day in Groningen).
    last_day = date.fromisoformat(_day(3))
    dutch_end = datetime.combine(last_day, time(23, 59, 59), tzinfo=ZoneInfo("Europe/Amsterdam"))
    opened_question = await services.votes.question_for(proposal.uri)
    assert opened_question is not None and opened_question.end_time == iso(dutch_end)
    day_shown = f"{last_day.day} {DUTCH_MONTHS[last_day.month - 1]} {last_day.year}"
    assert f"Open tot {day_shown}, 23:59 ·" in results.text
    assert closed.status == 200 and "De stemming over Wilgenlaan is gesloten: 0 kiezers." in (
        closed.text
    )
    question = await services.votes.question_for(proposal.uri)
    assert question is not None and question.closed_at is not None

    await deliver(gemeente, oosterpark)
    creates = await oosterpark.node.db.fetch_all(
        "SELECT type FROM inbox_log WHERE actor = ? AND type = 'Create'", (process.uri,)
    )
    assert creates, "the follower's node did not receive the question"
