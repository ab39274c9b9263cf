"""The front page says what a resident can do now: open processes as cards, what was
decided lately, and the latest posts a page at a time, without replies out of context."""

from __future__ import annotations

import aiohttp

from node.clock import utc_now
from node.participation.comments import post_comment
from node.participation.models import Process, phases_around
from node.participation.processes import create_process
from node.participation.proposals import create_proposal
from node.participation.trail import change_status
from node.runner import RunningNode
from node.social_actions import post_note
from node.storage.actors import LocalActor
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


async def playground(start: StartNode) -> tuple[RunningNode, LocalActor, Process]:
    """A neighbourhood node with a resident and a process taking proposals for 9.5 more
    days ("nog 10 dagen"), voting after."""
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    process = await create_process(
        wijk.node.participation_services,
        slug="speeltuin",
        title="Speeltuin Oosterpark",
        archetype="initiate",
        threshold_count=2,
        phases=phases_around(utc_now(), ("proposing", -1, 9.5), ("voting", 9.5, 20)),
    )
    return wijk, anouk, process


async def test_the_front_page_shows_open_processes_what_to_do_and_recent_decisions(
    start: StartNode,
) -> None:
    wijk, anouk, process = await playground(start)
    services = wijk.node.participation_services
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


async def test_a_process_page_finds_filters_and_orders_its_proposals(start: StartNode) -> None:
    wijk, anouk, process = await playground(start)
    services = wijk.node.participation_services
    bench = await create_proposal(services, anouk, process, "Een bankje", "Om te zitten.")
    await create_proposal(services, anouk, process, "Een glijbaan", "Om te spelen.")
    await post_comment(services, anouk, bench.uri, "Ja graag.", stance="for")
    await post_comment(services, anouk, bench.uri, "Liever niet.", stance="against")

    html, text = await front_page(wijk, "processes/speeltuin?q=bankje")
    assert "1 voorstel getoond (van 2) Alles tonen" in text
    assert "Een bankje" in text and "Een glijbaan" not in text
    assert "reacties: 1 voor, 1 tegen, 0 neutraal" in text
    assert 'aria-current="step"' in html

    _, newest = await front_page(wijk, "processes/speeltuin?order=newest")
    assert newest.index("Een glijbaan") < newest.index("Een bankje")
    random_html, shuffled = await front_page(wijk, "processes/speeltuin?order=random&seed=99")
    _, again = await front_page(wijk, "processes/speeltuin?order=random&seed=99")
    assert (shuffled.index("Een glijbaan") < shuffled.index("Een bankje")) == (
        again.index("Een glijbaan") < again.index("Een bankje")
    )
    assert 'name="seed" value="99"' in random_html
