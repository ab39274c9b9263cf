"""What people see: process and proposal pages, the decision log and the open-data export."""

from __future__ import annotations

import csv
import io

import aiohttp

import schemas
from node.participation.comments import post_comment
from node.participation.models import Place
from node.participation.official_responses import respond_officially
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.trail import change_status
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person


async def test_pages_and_exports_show_supports_statuses_responses_and_comments(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    node = gemeente.node
    process = await open_process(gemeente, "klimaatbestendig", "advise", threshold=2)
    fatima, kees, wethouder = (
        await person(gemeente, "fatima"),
        await person(gemeente, "kees"),
        await person(gemeente, "wethouder", "moderator"),
    )
    proposal = await create_proposal(
        node.participation_services,
        fatima,
        process,
        "Groene schoolpleinen",
        "Tegels eruit, bomen erin.",
        cost=40000,
        location=Place("Basisschool De Starter", 53.2, 6.6),
    )
    await post_comment(
        node.participation_services,
        kees,
        proposal.uri,
        "Goed plan, mijn kinderen spelen daar.",
        stance="for",
    )
    await post_comment(
        node.participation_services,
        wethouder,
        proposal.uri,
        "Wie betaalt het onderhoud?",
        stance="against",
    )
    await support(node.participation_services, kees, proposal.uri)
    await support(node.participation_services, wethouder, proposal.uri)
    await respond_officially(
        node.participation_services,
        wethouder,
        proposal.uri,
        "De gemeente neemt het onderhoud op zich.",
    )
    current = await node.participation_store.get_proposal(proposal.uri)
    assert current is not None
    await change_status(
        node.participation_services,
        current,
        "accepted",
        reason="Opgenomen in de begroting 2027.",
        actor=wethouder.uri,
    )
    record = await node.objects.record(proposal.uri)
    assert record is not None

    async with aiohttp.ClientSession(gemeente.base_url) as http:
        async with http.get("/processes/klimaatbestendig") as response:
            process_html = await response.text()
        async with http.get(f"/proposals/{record.row_id}") as response:
            proposal_html = await response.text()
        async with http.get("/processes/klimaatbestendig/decisions.json") as response:
            decisions = (await response.json())["decisions"]
        async with http.get("/processes/klimaatbestendig/export.json") as response:
            export = await response.json()
        async with http.get("/processes/klimaatbestendig/export.csv") as response:
            assert response.content_type == "text/csv"
            rows = list(csv.DictReader(io.StringIO(await response.text())))
        async with http.get("/processes/onbekend") as response:
            assert response.status == 404
        headers = {"Accept": "application/activity+json"}
        async with http.get("/actors/klimaatbestendig", headers=headers) as response:
            group = await response.json(content_type=None)
        async with http.get("/processes/klimaatbestendig", headers=headers) as response:
            assert await response.json(content_type=None) == group

    assert schemas.validate("process", group) == []
    assert (group["type"], group["archetype"], group["currentPhase"]) == (
        "Group",
        "advise",
        "proposing",
    )
    assert group["supportThreshold"] == {"type": "SupportThreshold", "count": 2}

    assert "Bewoners geven advies" in process_html
    assert "Groene schoolpleinen" in process_html and "2 van 2" in process_html
    assert "aangenomen" in process_html

    official, comments = proposal_html.split('id="reactie"')[1].split('id="verloop"')
    assert "De gemeente neemt het onderhoud op zich." in official
    assert "De gemeente neemt het onderhoud op zich." not in comments.split('id="reacties"')[1]
    assert "Basisschool De Starter" in proposal_html and "kosten €\u00a040.000" in proposal_html
    assert "<strong>voor</strong>" in comments and "<strong>tegen</strong>" in comments

    assert [d["status"] for d in decisions] == ["submitted", "threshold_reached", "accepted"]
    assert decisions[-1]["reason"] == "Opgenomen in de begroting 2027."
    [row] = export["proposals"]
    assert (row["supports"], row["status"], row["official_responses"]) == (2, "accepted", 1)
    assert row["awaiting_response"] is False and export["results"] == []
    assert rows[0]["title"] == "Groene schoolpleinen" and rows[0]["supports"] == "2"
