"""Organisers change a running process on /organise/<slug>/edit (and with ``samenspraak
process edit``): a new title, dates, threshold and budget are stored and a node following
the process shows them after the Update; an empty title, an edit that changes nothing,
dropping the phase the process is in, an unknown agreement and a budget change once the
ballot is open are refused beside their field with nothing changed; a resident gets 403."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from federation.errors import Refused
from node.cli import main
from node.clock import utc_now
from node.i18n import LOCAL_TIME
from node.participation.ballots import open_budget_ballot
from node.participation.models import Budget, phases_around
from node.participation.processes import (
    create_process,
    edit_process,
    known_process,
    local_process,
    set_phase,
)
from node.participation.proposals import create_proposal
from node.participation.schedule import run_schedule
from tests.integration.agreement_scenarios import agreed
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import node_with_a_process, person
from tests.integration.voting_scenarios import follow
from tests.integration.web_login import logged_in

BUDGET = Budget(amount=50_000, currency="EUR", min_picks=1, max_picks=2)


def _day(days: int) -> str:
    # A day as the organiser's date picker gives it: a Dutch day, as the pages read it.
    return (utc_now() + timedelta(days=days)).astimezone(LOCAL_TIME).date().isoformat()


def _budget_form(**fields: str) -> dict[str, str]:
    """The process form of a budget process proposing from 3 days ago and voting from
    day 11 to 20, with ``fields`` changed."""
    return {
        "summary": "",
        "threshold": "1",
        "electorate": "",
        "proposing_start": _day(-3),
        "proposing_end": _day(10),
        "voting_start": _day(11),
        "voting_end": _day(20),
        "budget_amount": "50000",
        "budget_currency": "EUR",
        "min_picks": "1",
        "max_picks": "2",
        "agreement": "",
        **fields,
    }


async def test_an_organiser_changes_a_running_process_and_the_following_node_shows_it(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    assert gemeente.admin is not None
    bram = await person(gemeente, "bram")
    anna = await person(oosterpark, "anna")
    services = gemeente.node.participation_services
    process = await create_process(
        services,
        slug="wijkbudget",
        title="Wijkbudget Oosterpark",
        archetype="decide",
        threshold_count=10,
        budget=BUDGET,
        phases=phases_around(utc_now(), ("proposing", -3, 10), ("voting", 11, 20)),
    )
    await create_proposal(services, bram, process, "Bankjes", "Om te rusten.", cost=8_000)
    await follow(oosterpark, anna, process.uri)
    await deliver(gemeente, oosterpark)
    edit = "/organise/wijkbudget/edit"

    async with logged_in(gemeente, "bram") as as_bram:
        refused_form = await as_bram.get(edit)
        refused = await as_bram.post(edit, {"title": "Van Bram", "threshold": "1"})
    assert refused_form.status == refused.status == 403
    assert "alleen voor de organisatoren en beheerders" in refused.text

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        listing = await admin.get("/organise")
        form = await admin.get(edit)
        values = _budget_form(title="Wijkbudget Oosterpark", threshold="10", electorate="0")
        no_title = await admin.post(edit, {**values, "title": ""})
        unchanged = await admin.post(edit, values)
        no_current = await admin.post(edit, {**values, "proposing_start": "", "proposing_end": ""})
        no_agreement = await admin.post(edit, {**values, "agreement": "http://elders/afspraak"})
        assert await local_process(services, "wijkbudget") == process
        changed = await admin.post(
            edit,
            {
                **values,
                "title": "Wijkbudget Oosterpark 2027",
                "summary": "<script>alert(1)</script>\n\nWat doen we met € 60.000?",
                "threshold": "5",
                "voting_end": _day(25),
                "budget_amount": "60000",
            },
        )
        # The summary is typed as text: shown as text, and given back as text to edit.
        page = await admin.get("/processes/wijkbudget")
        again = await admin.get(edit)
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<p>Wat doen we met € 60.000?</p>" in page.text
    assert "<p>" not in again.text.split('name="summary"')[1].split("</textarea>")[0]
    assert 'href="http://' in listing.text and "/organise/wijkbudget/edit" in listing.text
    assert form.status == 200 and 'value="Wijkbudget Oosterpark"' in form.text
    assert "Opslaan stuurt een Update van het proces naar de volgers (1) op hun servers (1)" in (
        form.text
    )
    assert no_title.status == 422 and 'id="process-title-error"' in no_title.text
    assert "Geef het proces een titel." in no_title.text
    assert unchanged.status == 422 and "Er is niets veranderd" in unchanged.text
    assert no_current.status == 422 and 'id="process-proposing_start-error"' in no_current.text
    assert "Het proces is nu in deze fase: geef de eerste en de laatste dag op." in no_current.text
    assert no_agreement.status == 404 and 'id="process-agreement-error"' in no_agreement.text
    assert "Deze node heeft zo" in no_agreement.text
    assert changed.status == 200
    assert "Wijkbudget Oosterpark 2027 is gewijzigd. Een Update van het proces gaat naar de" in (
        changed.text
    )
    stored = await local_process(services, "wijkbudget")
    assert stored.title == "Wijkbudget Oosterpark 2027" and stored.threshold_count == 5
    assert stored.budget == Budget(60_000, "EUR", 1, 2)
    assert stored.phases[0] == process.phases[0], "an unchanged phase keeps its moments"
    assert stored.phases[1].end.startswith(_day(25))

    await deliver(gemeente, oosterpark)
    seen = await known_process(oosterpark.node.participation_services, process.uri)
    assert seen is not None and seen.title == "Wijkbudget Oosterpark 2027"
    assert seen.threshold_count == 5 and seen.budget == stored.budget
    async with logged_in(oosterpark, "anna") as as_anna:
        remote_page = await as_anna.get(f"/processes/wijkbudget@{gemeente.node.urls.host}")
    assert "Wijkbudget Oosterpark 2027" in remote_page.text

    voting = await set_phase(services, stored, "voting")
    await open_budget_ballot(services, voting.uri, f"{_day(3)}T23:59:59Z")
    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        during = await admin.post(
            edit,
            {
                **values,
                "title": "Wijkbudget Oosterpark 2027",
                "threshold": "5",
                "voting_end": _day(25),
                "budget_amount": "90000",
            },
        )
    assert during.status == 422 and 'id="process-budget_amount-error"' in during.text
    assert "Het budget kan niet meer veranderen: de stemming erover is al geopend." in during.text
    assert (await local_process(services, "wijkbudget")) == voting


def test_the_cli_edits_a_process_as_the_page_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = node_with_a_process(tmp_path, 8797)
    capsys.readouterr()

    assert main(["process", "edit", node, "groen", "--title", "Groener", "--threshold", "5%"]) == 2
    assert "a share threshold needs the size of the electorate" in capsys.readouterr().err
    assert main(["process", "edit", node, "groen", "--title", "Groen"]) == 2
    assert "the edit changes nothing" in capsys.readouterr().err
    edited = ["process", "edit", node, "groen", "--title", "Groener", "--threshold", "5%"]
    assert main([*edited, "--electorate", "400"]) == 0
    assert "Groener is changed; its followers will get an Update" in capsys.readouterr().out
    assert main(["process", "list", node]) == 0
    assert "groen\tadvise\tproposing\tGroener" in capsys.readouterr().out


async def test_dates_moved_into_the_past_move_the_process_on_and_a_closed_one_stays_as_it_is(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    services = gemeente.node.participation_services
    process = await create_process(
        services,
        slug="straatnaam",
        title="Nieuwe straatnaam",
        archetype="decide",
        threshold_count=1,
        phases=phases_around(utc_now(), ("proposing", -3, 10), ("voting", 11, 20)),
    )
    earlier = phases_around(utc_now(), ("proposing", -3, -1), ("voting", -1, 20))
    edited = await edit_process(services, process, {"phases": earlier})
    assert edited.current_phase == "proposing"
    await run_schedule(services)
    moved = await local_process(services, "straatnaam")
    assert moved.current_phase == "voting" and moved.phases == earlier

    closed = await set_phase(services, moved, "closed")
    with pytest.raises(Refused, match="a closed process cannot be changed") as refused:
        await edit_process(services, closed, {"title": "Andere naam"})
    assert refused.value.code == "process_edit_closed"
    assert await local_process(services, "straatnaam") == closed


async def test_a_delegated_process_names_its_agreement_on_the_forms_and_keeps_within_it(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    assert wijert.admin is not None
    agreement = await agreed(gemeente, wijert, [("9722", "De Wijert", None)])
    new = _budget_form(
        slug="wijkbudget",
        title="Wijkbudget De Wijert",
        archetype="decide",
        eligibility="verified-local",
        proposing_start=_day(-1),
        agreement=agreement.uri,
    )
    edit = "/organise/wijkbudget/edit"
    async with logged_in(wijert, "admin", wijert.admin.password) as admin:
        form = await admin.get("/organise/new")
        over = await admin.post("/organise/new", new)
        assert await wijert.node.participation_store.local_processes() == []
        created = await admin.post("/organise/new", {**new, "budget_amount": "20000"})
        process = await local_process(wijert.node.participation_services, "wijkbudget")
        values = {**new, "budget_amount": "20000"}
        raised = await admin.post(edit, {**values, "budget_amount": "30000"})
        voting = await set_phase(wijert.node.participation_services, process, "voting")
        out = await admin.post(edit, {**values, "agreement": ""})
    assert "Wijkbudget De Wijert (postcodegebieden 9722)" in form.text
    assert over.status == 422 and 'id="process-budget_amount-error"' in over.text
    assert "Het budget is hoger dan de afspraak overdraagt: hoogstens" in over.text
    assert created.status == 200 and process.agreement == agreement.uri
    assert raised.status == 422 and 'id="process-budget_amount-error"' in raised.text
    assert out.status == 422 and 'id="process-agreement-error"' in out.text
    assert "De afspraak kan niet veranderen tijdens het stemmen" in out.text
    assert await local_process(wijert.node.participation_services, "wijkbudget") == voting
