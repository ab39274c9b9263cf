"""The front page says what a resident can do now: open processes as cards, what was
decided lately, and the latest posts a page at a time, without replies out of context."""

from __future__ import annotations

import aiohttp

from node.clock import utc_now
from node.participation.comments import post_comment
from node.participation.models import phases_around
from node.participation.processes import create_process
from node.participation.proposals import create_proposal
from node.participation.trail import change_status
from node.runner import RunningNode
from node.social_actions import post_note
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.test_page_languages import visible_text


async def front_page(running: RunningNode, query: str = "") -> tuple[str, str]:
    """The front page as a browser gets it: its HTML and its visible text."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{running.base_url}/{query}", headers={"Accept": "text/html"}) as r:
            assert r.status == 200
            html = await r.text()
    return html, visible_text(html)


async def test_the_front_page_shows_open_processes_what_to_do_and_recent_decisions(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    services = wijk.node.participation_services
    process = await create_process(
        services,
        slug="speeltuin",
        title="Speeltuin Oosterpark",
        archetype="initiate",
        threshold_count=2,
        # The proposing phase ends in 9.5 days: "nog 10 dagen".
        phases=phases_around(utc_now(), ("proposing", -1, 9.5), ("voting", 9.5, 20)),
    )
    await create_process(
        services,
        slug="oud",
        title="Afgesloten proces",
        archetype="advise",
        threshold_count=2,
        phases=phases_around(utc_now(), ("proposing", -20, -10)),
        current_phase="closed",
    )
    proposal = await create_proposal(services, anouk, process, "Een bankje", "Om te zitten.")
    await post_comment(services, anouk, proposal.uri, "Graag bij de zandbak.")
    await change_status(
        services, proposal, "on_agenda", reason="Besproken in de wijkraad.", actor=process.uri
    )

    html, text = await front_page(wijk)

    assert "Nu meedoen" in text
    assert "Speeltuin Oosterpark" in text and "Afgesloten proces" not in text
    assert "Fase: voorstellen indienen" in text and "(nog 10 dagen)" in text
    assert "1 voorstel · 0 keer gesteund" in text
    assert f'href="{wijk.base_url}/processes/speeltuin#voorstel-doen">Doe een voorstel</a>' in html
    assert "Onlangs besloten" in text
    assert "Een bankje (Speeltuin Oosterpark): op de agenda" in text
    # A comment is no post of its own on the front page: it belongs in its thread.
    assert "Een bankje" in html and "Graag bij de zandbak." not in html


async def test_the_latest_posts_come_a_page_at_a_time(start: StartNode) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    # Several residents, each posting within the node's rate limit.
    residents = [await person(wijk, f"bewoner{n}") for n in range(6)]
    for number in range(1, 23):
        author = residents[number % len(residents)]
        await post_note(wijk.node.social_services, author, f"<p>Bericht nummer {number}.</p>")

    first, _ = await front_page(wijk)
    assert "Bericht nummer 22." in first and "Bericht nummer 3." in first
    assert "Bericht nummer 2." not in first
    assert f'href="{wijk.base_url}/?page=2" rel="next"' in first

    second, _ = await front_page(wijk, "?page=2")
    assert "Bericht nummer 2." in second and "Bericht nummer 1." in second
    assert "Bericht nummer 3." not in second
    assert 'rel="next"' not in second and 'rel="prev"' in second
