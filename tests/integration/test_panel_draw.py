"""A wijkpanel drawn by lot: residents of two nodes opt in, the process's node and the
municipality make the seed together, and the panel is recomputed from the published draw
by the algorithm module alone. Under an agreement the municipality is a party by the
agreement, and only residents its registrar registered are candidates."""

from __future__ import annotations

from functools import partial

import aiohttp
import pytest

from federation.errors import Conflict, Refused
from node.participation.credentials import request_credential
from node.participation.processes import create_process
from node.participation.registrar import bind_by_letter_code, issue_slot_code
from node.participation.sortition import (
    ask_to_join,
    create_draw,
    opt_in,
    receive_reveal,
    start_draw,
)
from node.participation.sortition_algorithm import commitment_of, draw, seed_of
from node.participation.verification import verify_in_person
from node.runner import RunningNode
from tests.integration.agreement_scenarios import agreement_network, bind_by_code
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import exchange, phases


async def resident_of(running: RunningNode, username: str, postcode: str) -> str:
    """A local account confirmed in person as living in ``postcode``."""
    actor = await person(running, username)
    await verify_in_person(running.node.participation_services, username, "admin", postcode)
    return actor.uri


async def mentions_of(running: RunningNode, actor: str) -> int:
    """How many mention notifications an account has on its node."""
    count = await running.node.db.fetch_value(
        "SELECT count(*) FROM notifications WHERE recipient = ? AND type = 'mention'", (actor,)
    )
    return int(count)


async def test_the_published_draw_recomputes_to_the_same_panel_and_the_drawn_are_told(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    services = wijert.node.participation_services
    process = await create_process(
        services,
        slug="wijkpanel",
        title="Wijkpanel De Wijert",
        archetype="advise",
        eligibility="trusted-nodes",
        threshold_count=1,
        phases=phases(),
    )
    await wijert.node.trust.add(oosterpark.node.urls.host)
    municipality = await gemeente.node.organisation()
    panel = await create_draw(
        services,
        process,
        title="Wijkpanel 2027",
        seats=3,
        areas=["9722", "9723"],
        stratified=True,
        parties=[municipality.uri],
    )
    residents = {}
    for number in range(8):
        postcode = "9722 AB" if number % 4 else "9723 CD"
        uri = await resident_of(wijert, f"bewoner{number}", postcode)
        residents[uri] = wijert
        await opt_in(services, panel.uri, uri)
    outsider = await resident_of(wijert, "buiten", "9713 XT")
    with pytest.raises(Refused, match="is for residents of 9722, 9723"):
        await opt_in(services, panel.uri, outsider)
    # A resident of another node opts in from there.
    fenna = await resident_of(oosterpark, "fenna", "9722 EF")
    fenna_actor = await oosterpark.node.actors.by_uri(fenna)
    assert fenna_actor is not None
    await ask_to_join(oosterpark.node.participation_services, fenna_actor, panel.uri)
    await exchange(wijert, oosterpark)
    residents[fenna] = oosterpark
    assert len(await wijert.node.participation_services.draws.candidates(panel.uri)) == 9

    await start_draw(services, panel.uri)
    with pytest.raises(Conflict, match="a draw is made once"):
        await start_draw(services, panel.uri)
    with pytest.raises(Conflict, match="can no longer opt in"):
        await opt_in(services, panel.uri, outsider)
    # The invitation reaches the municipality, whose commitment comes back: the process
    # now waits for reveals. A reveal that is not the committed value changes nothing.
    await wijert.node.worker.run_once()
    await gemeente.node.worker.run_once()
    with pytest.raises(Refused, match="does not match its commitment"):
        await receive_reveal(services, panel.uri, municipality.uri, "0" * 64)
    waiting = await wijert.node.participation_services.draws.get(panel.uri)
    assert waiting is not None and waiting.state == "revealing"
    await exchange(wijert, gemeente, oosterpark)

    async with aiohttp.ClientSession() as session:
        async with session.get(panel.uri) as response:
            assert response.status == 200
            published = await response.json()
    assert published["drawState"] == "drawn"
    assert [p["party"] for p in published["parties"]] == [process.uri, municipality.uri]

    # Recomputed from the published JSON with the algorithm module alone.
    reveals = [p["reveal"] for p in published["parties"]]
    assert all(commitment_of(p["reveal"]) == p["commitment"] for p in published["parties"])
    seed = seed_of(reveals)
    candidates = [(c["pseudonym"], c["postcodeArea"]) for c in published["candidates"]]
    assert seed == published["seed"]
    recomputed = draw(seed, candidates, published["seats"], published["stratified"])
    assert recomputed == published["selected"] and len(recomputed) == 3
    areas = {p: a for p, a in candidates}
    assert sorted(areas[p] for p in recomputed) == ["9722", "9722", "9723"]
    assert not any(str(uri) in str(published) for uri in residents)

    drawn = set(await wijert.node.participation_services.draws.selected_actors(panel.uri))
    assert len(drawn) == 3
    for uri, home in residents.items():
        assert await mentions_of(home, uri) == (1 if uri in drawn else 0), uri


async def test_a_draw_under_an_agreement_is_seeded_with_the_municipality_among_registered_residents(
    start: StartNode,
) -> None:
    net = await agreement_network(start)
    services = net.wijert.node.participation_services
    municipality = (await net.gemeente.node.organisation()).uri
    draw_of = partial(create_draw, services, net.process, seats=2, stratified=False, parties=[])
    with pytest.raises(Refused, match="does not cover postcode area 9713"):
        await draw_of(title="Te ruim", areas=["9713"])
    # No party is named: the municipality, the other side of the agreement, is one.
    panel = await draw_of(title="Wijkpanel wijkbudget", areas=["9722"])
    assert panel.parties == (net.process.uri, municipality)

    anna = await person(net.wijert, "anna")
    await bind_by_code(net.gemeente, anna, resident=1)
    await opt_in(services, panel.uri, anna.uri)
    # Confirmed as a resident by De Wijert itself, but not by the registrar: refused.
    dirk = await resident_of(net.wijert, "dirk", "9722 AB")
    with pytest.raises(Refused, match="opt-in refused: no registrar of the agreement gave you"):
        await opt_in(services, panel.uri, dirk)
    # A registered resident of Oosterpark opts in from there; the Join carries the
    # registrar's credential.
    registrar = net.gemeente.node.participation_services
    code, _ = await issue_slot_code(registrar, "9722AB", "6a", 1)
    carla = await person(net.oosterpark, "carla")
    await bind_by_letter_code(registrar, code, carla.uri)
    await ask_to_join(net.oosterpark.node.participation_services, carla, panel.uri)
    # Bram opts in here, then his register slot moves to his account on Oosterpark: the
    # registrar withdraws his credential and he drops out; his old credential is refused.
    bram = await person(net.wijert, "bram")
    await bind_by_code(net.gemeente, bram, resident=2)
    old_credential = await request_credential(services, bram, net.process)
    await opt_in(services, panel.uri, bram.uri)
    await exchange(net.gemeente, net.wijert, net.oosterpark, net.buiten)
    assert len(await services.draws.candidates(panel.uri)) == 3
    bram_elsewhere = await person(net.oosterpark, "bram")
    await bind_by_code(net.gemeente, bram_elsewhere, resident=2)
    await exchange(net.gemeente, net.wijert, net.oosterpark, net.buiten)
    assert len(await services.draws.candidates(panel.uri)) == 2
    with pytest.raises(Refused, match="the registrar withdrew your credential"):
        await opt_in(services, panel.uri, bram.uri, old_credential)
    await ask_to_join(net.oosterpark.node.participation_services, bram_elsewhere, panel.uri)
    await exchange(net.wijert, net.oosterpark)
    assert len(await services.draws.candidates(panel.uri)) == 3

    await start_draw(services, panel.uri)
    await exchange(net.gemeente, net.wijert, net.oosterpark, net.buiten)
    async with aiohttp.ClientSession() as session:
        async with session.get(panel.uri) as response:
            published = await response.json()
    assert published["drawState"] == "drawn"
    assert [p["party"] for p in published["parties"]] == [net.process.uri, municipality]
    seed = seed_of([p["reveal"] for p in published["parties"]])
    candidates = [(c["pseudonym"], c["postcodeArea"]) for c in published["candidates"]]
    assert seed == published["seed"] and len(candidates) == 3
    assert draw(seed, candidates, 2, False) == published["selected"]
