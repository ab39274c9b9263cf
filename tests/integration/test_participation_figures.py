"""On /organise each process shows its live participation figures: the proposals,
supports, comments and votes of each phase, the people taking part per server, and the
voters per postcode area where this node verified them."""

from __future__ import annotations

import asyncio
import re

from node.clock import utc_now
from node.participation.comments import post_comment
from node.participation.models import phases_around
from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.voting import cast_vote, open_vote
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person, proposal_from_elsewhere
from tests.integration.voting_scenarios import import_register, in_a_week, resident
from tests.integration.web_login import logged_in


async def _next_second() -> None:
    """Wait for the clock's next second: acts are timed to the second, and an act in the
    second of a phase move counts in the new phase."""
    await asyncio.sleep(1.01 - utc_now().microsecond / 1_000_000)


CELLS = re.compile(r"<tr><th scope=\"row\">([^<]+)</th>((?:<td>\d+</td>){4})</tr>")


async def test_the_organisers_page_counts_acts_per_phase_people_per_server_and_voters_per_area(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await import_register(wijert)
    await person(wijert, "sanne", "organiser")
    bram = await resident(wijert, "bram", "9722AB", "4")
    joost = await person(wijert, "joost")
    anna = await person(oosterpark, "anna")
    services = wijert.node.participation_services
    process = await create_process(
        services,
        slug="wijkagenda",
        title="Wijkagenda De Wijert",
        archetype="advise",
        eligibility="open",
        threshold_count=5,
        phases=phases_around(utc_now(), ("proposing", -3, 10), ("voting", 11, 20)),
    )
    bench = await create_proposal(services, bram, process, "Bankjes", "Om te rusten.")
    await proposal_from_elsewhere(wijert, oosterpark, anna, process)
    await support(services, joost, bench.uri)
    await post_comment(services, joost, bench.uri, "Goed plan.", stance="for")
    await _next_second()
    await set_phase(services, process, "voting")
    question = await open_vote(services, bench.uri, in_a_week())
    await cast_vote(services, bram, question.uri, "voor")
    await cast_vote(services, joost, question.uri, "tegen")

    async with logged_in(wijert, "sanne") as sanne:
        page = await sanne.get("/organise")
        english = await sanne.get("/organise?lang=en")
    assert page.status == 200 and "Deelnamecijfers" in page.text
    rows = {name: re.findall(r"\d+", cells) for name, cells in CELLS.findall(page.text)}
    assert rows == {"Voorstellen indienen": ["2", "1", "1", "0"], "Stemmen": ["0", "0", "0", "2"]}
    people = re.findall(r"<li>(127\.0\.0\.1:\d+): (\d+)</li>", page.text)
    assert sorted(people) == sorted(
        [(wijert.node.urls.host, "2"), (oosterpark.node.urls.host, "1")]
    )
    assert "<li>9722: 1</li>" in page.text  # bram is verified there; joost is not
    assert "Voters per postcode area, where known" in english.text
