"""A refusal of the domain that a page shows is in the visitor's language, with the
domain's codes (a status, a phase) as the page names them, and changes nothing: an
illegal status move and a phase move back on /organise, and blocking something that is no
domain, or the node itself, on the federation page."""

from __future__ import annotations

import html

from node.clock import utc_now
from node.participation.models import phases_around
from node.participation.proposals import create_proposal
from node.participation.trail import change_status
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person
from tests.integration.web_login import logged_in


async def test_an_illegal_status_or_phase_move_on_the_organisers_page_is_refused_in_dutch(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    assert gemeente.admin is not None
    services = gemeente.node.participation_services
    phases = phases_around(
        utc_now(), ("proposing", -10, 10), ("supporting", 10, 20), ("voting", 20, 30)
    )
    process = await open_process(gemeente, "klimaat", "advise", 5, phases)
    bram = await person(gemeente, "bram")
    bench = await create_proposal(services, bram, process, "Bankjes", "Om te rusten.")
    rejected = await change_status(
        services, bench, "rejected", reason="Past niet.", actor=gemeente.admin.actor.uri
    )
    status = {"action": "status", "proposal": bench.uri, "reason": "Toch wel."}

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        await admin.get("/organise")
        final = await admin.post("/organise", {**status, "status": "accepted"})
        final_en = await admin.post("/organise?lang=en", {**status, "status": "accepted"})
        moved = await admin.post(
            "/organise", {"action": "phase", "process": "klimaat", "phase": "supporting"}
        )
        back = await admin.post(
            "/organise?lang=nl", {"action": "phase", "process": "klimaat", "phase": "proposing"}
        )

    assert final.status == 422
    assert "Een voorstel met de status 'afgewezen' kan niet meer veranderen." in html.unescape(
        final.text
    )
    assert "A proposal that is rejected cannot change any more." in html.unescape(final_en.text)
    assert "cannot become" not in final.text
    assert (await services.store.get_proposal(bench.uri)).status == rejected.status
    assert moved.status == 200
    assert back.status == 422
    assert (
        "Een proces in de fase 'steun verzamelen' kan niet naar 'voorstellen indienen': fasen gaan"
        " alleen vooruit. Het kan naar: stemmen, gesloten." in html.unescape(back.text)
    )
    assert (await services.store.get_process(process.uri)).current_phase == "supporting"


async def test_a_moderators_refused_decision_is_shown_in_dutch_and_changes_nothing(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen")
    assert gemeente.admin is not None
    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        await admin.get("/moderation/federation")
        not_a_domain = await admin.post(
            "/moderation/federation",
            {"action": "block", "domain": "geen domein", "severity": "suspend", "reason": "Spam"},
        )
        itself = await admin.post(
            "/moderation/federation",
            {
                "action": "block",
                "domain": gemeente.node.urls.host,
                "severity": "suspend",
                "reason": "Spam",
            },
        )
    assert not_a_domain.status == 422
    assert "'geen domein' is geen domein van een node, zoals example.org." in html.unescape(
        not_a_domain.text
    )
    assert itself.status == 422
    assert "Een node kan zichzelf niet blokkeren of toelaten." in itself.text
    assert await gemeente.node.moderation_store.domain_rules() == []
