"""Agreements between a municipality node and neighbourhood nodes: offered, accepted,
published with their history by both, referenced by the processes they delegate, ended
by either side; one registrar per postcode area."""

from __future__ import annotations

import aiohttp
import pytest

from federation.errors import Conflict, Refused
from node.participation.agreements import end_agreement
from node.participation.models import Budget
from node.participation.processes import create_process
from tests.integration.agreement_scenarios import agreed, offer
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import exchange, phases


async def test_an_accepted_agreement_is_published_by_both_nodes_with_its_history(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    registrar = (await gemeente.node.organisation()).uri
    agreement = await agreed(gemeente, wijert, [("9722", "De Wijert", None)])

    process = await create_process(
        wijert.node.participation_services,
        slug="wijkbudget",
        title="Wijkbudget De Wijert",
        archetype="decide",
        eligibility="verified-local",
        threshold_count=1,
        electorate_size=100,
        budget=Budget(20000, "EUR", 1, 3),
        phases=phases(),
        current_phase="proposing",
        agreement=agreement.uri,
    )

    for running in (gemeente, wijert):
        async with aiohttp.ClientSession(running.base_url) as http:
            async with http.get("/agreements.json") as response:
                [published] = (await response.json())["agreements"]
            async with http.get("/agreements", headers={"Accept": "text/html"}) as response:
                page = await response.text()
        assert published["state"] == "accepted"
        assert published["agreement"]["areas"][0]["registrar"] == registrar
        assert [c["state"] for c in published["history"]] == ["offered", "accepted"]
        assert "Wijkbudget De Wijert" in page and "9722 (De Wijert)" in page
    async with aiohttp.ClientSession(wijert.base_url) as http:
        async with http.get("/agreements.json") as response:
            [published] = (await response.json())["agreements"]
        headers = {"Accept": "application/activity+json"}
        async with http.get("/actors/wijkbudget", headers=headers) as response:
            assert (await response.json())["agreement"] == agreement.uri
        async with http.get("/processes/wijkbudget", headers={"Accept": "text/html"}) as response:
            process_page = await response.text()
    assert "de uitkomst is bindend" in process_page
    assert "één stem per bewoner" in process_page
    assert published["delegatedProcesses"] == [
        {"id": process.uri, "name": "Wijkbudget De Wijert", "binding": True}
    ]


async def test_a_second_registrar_for_an_area_is_refused_on_either_side(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    haren = await start("haren", "Gemeente Haren", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await agreed(gemeente, wijert, [("9722", "De Wijert", None)])
    oosterpark_actor = (await oosterpark.node.organisation()).uri

    with pytest.raises(Conflict, match=r"9722 already has .* as its registrar"):
        await offer(gemeente, oosterpark, [("9722", None, oosterpark_actor)])

    other = await offer(haren, wijert, [("9722", None, None)], theme="Haren over De Wijert")
    await exchange(haren, wijert)
    error = await haren.node.db.fetch_value(
        "SELECT last_error FROM deliveries WHERE last_error IS NOT NULL"
    )
    assert error is not None and error.startswith("422")
    assert "one area has one registrar" in error
    declined = await haren.node.participation_services.agreements.get(other.uri)
    assert declined is not None and declined.state == "declined"
    history = await haren.node.participation_services.agreements.history(other.uri)
    assert "one area has one registrar" in history[-1].reason
    assert await wijert.node.participation_services.agreements.get(other.uri) is None


async def test_an_agreement_ended_by_the_neighbourhood_delegates_nothing_more(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    agreement = await agreed(gemeente, wijert, [("9722", "De Wijert", None)])

    await end_agreement(wijert.node.participation_services, agreement.uri, "Geen vrijwilligers")
    await exchange(gemeente, wijert)

    ended = await gemeente.node.participation_services.agreements.get(agreement.uri)
    assert ended is not None and ended.state == "ended"
    history = await gemeente.node.participation_services.agreements.history(agreement.uri)
    assert [(c.state, c.reason) for c in history][-1] == ("ended", "Geen vrijwilligers")
    with pytest.raises(Refused, match="is ended, so it delegates nothing"):
        await create_process(
            wijert.node.participation_services,
            slug="wijkbudget",
            title="Wijkbudget",
            archetype="decide",
            threshold_count=1,
            phases=phases(),
            agreement=agreement.uri,
        )
