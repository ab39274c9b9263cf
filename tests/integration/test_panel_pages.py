"""A wijkpanel drawn from the pages alone, across four nodes: an organiser of De Wijert
opens a draw under the municipality's agreement (a seat count that is no number and an
area the agreement does not cover are refused beside their field, nothing stored),
residents the registrar registered sign up on the draw's page (one the registrar did not
register reads why, in Dutch), a resident cannot start the draw, the organiser starts it,
the municipality's node helps make the seed, and the page shows the panel under
pseudonyms, with each resident told whether they were drawn."""

from __future__ import annotations

import re

import aiohttp

from node.participation.sortition_algorithm import draw, seed_of
from tests.integration.agreement_scenarios import agreement_network, bind_by_code
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person
from tests.integration.voting_scenarios import exchange
from tests.integration.web_login import logged_in

PANELS = "/processes/wijkbudget/panels"


async def test_an_organiser_draws_a_wijkpanel_from_the_pages_and_residents_see_the_outcome(
    start: StartNode,
) -> None:
    net = await agreement_network(start)
    services = net.wijert.node.participation_services
    await person(net.wijert, "sanne", role="organiser")
    anna, bram = await person(net.wijert, "anna"), await person(net.wijert, "bram")
    await bind_by_code(net.gemeente, anna, resident=1)
    await bind_by_code(net.gemeente, bram, resident=2)
    await person(net.wijert, "dirk")

    async with logged_in(net.wijert, "sanne") as sanne:
        empty = await sanne.get(PANELS)
        assert "Dit proces heeft nog geen lotingen voor een panel." in empty.text
        wrong_seats = await sanne.post(PANELS, {"title": "Wijkpanel", "seats": "twee"})
        wrong_area = await sanne.post(PANELS, {"title": "Wijkpanel", "seats": "2", "areas": "9713"})
        assert await services.draws.of_process(net.process.uri) == []
        opened = await sanne.post(PANELS, {"title": "Wijkpanel", "seats": "1", "areas": "9722"})
    assert wrong_seats.status == 422 and "Zetels: " in wrong_seats.text
    assert 'id="panel-seats" name="seats" inputmode="numeric" required value="twee"' in (
        wrong_seats.text
    )
    assert wrong_area.status == 422
    assert "De afspraak van dit proces dekt postcodegebied 9713 niet" in wrong_area.text
    assert opened.status == 303 and opened.location is not None
    page = opened.location.split("?")[0]
    [panel] = await services.draws.of_process(net.process.uri)
    assert page == "/processes/wijkbudget/panels/1" and panel.seats == 1

    async with logged_in(net.wijert, "anna") as anna_browser:
        signed = await anna_browser.post(page, {"action": "sign-up"})
        shown = await anna_browser.get(signed.location or "")
        again = await anna_browser.post(page, {"action": "sign-up"})
        start_refused = await anna_browser.post(page, {"action": "start"})
    assert signed.status == 303
    assert "U bent aangemeld. Uw naam wordt niet gepubliceerd" in shown.text
    anna_number = re.search(r"U bent aangemeld als ([0-9a-f]{16})\.", shown.text)
    assert anna_number is not None
    assert again.status == 409 and "U bent al aangemeld voor deze loting." in again.text
    assert start_refused.status == 403
    assert (await services.draws.get(panel.uri)).state == "open"  # type: ignore[union-attr]

    async with logged_in(net.wijert, "dirk") as dirk:
        refused = await dirk.post(page, {"action": "sign-up"})
    assert refused.status == 422 and "registrar" in refused.text
    async with logged_in(net.wijert, "bram") as bram_browser:
        assert (await bram_browser.post(page, {"action": "sign-up"})).status == 303
    assert len(await services.draws.candidates(panel.uri)) == 2

    # Tom organises another process only: he may not start this draw; Femke organises
    # this one only, and sees the button.
    other = await open_process(net.wijert, "speeltuin", "advise", threshold=3)
    for name, organised in (("tom", other.uri), ("femke", net.process.uri)):
        await person(net.wijert, name)
        account = await net.wijert.node.accounts.by_username(name)
        assert account is not None
        await net.wijert.node.accounts.set_process_organiser(account.actor_id, organised, True)
    async with logged_in(net.wijert, "tom") as tom:
        tom_page = await tom.get(page)
        tom_start = await tom.post(page, {"action": "start"})
    assert "Loting starten" not in tom_page.text
    assert tom_start.status == 403
    async with logged_in(net.wijert, "femke") as femke:
        assert "Loting starten" in (await femke.get(page)).text
    assert (await services.draws.get(panel.uri)).state == "open"  # type: ignore[union-attr]

    async with logged_in(net.wijert, "sanne") as sanne:
        before = await sanne.get(page)
        started = await sanne.post(page, {"action": "start"})
        twice = await sanne.post(page, {"action": "start"})
    assert "naar de andere partij (1) op haar server" in before.text
    assert started.status == 303 and started.location == f"{page}?done=started"
    assert twice.status == 409 and "Deze loting is al gestart" in twice.text
    async with logged_in(net.wijert, "dirk") as dirk:
        late = await dirk.post(page, {"action": "sign-up"})
    assert late.status == 409 and "Deze loting is begonnen" in late.text
    await exchange(net.gemeente, net.wijert)

    async with aiohttp.ClientSession() as http:
        async with http.get(panel.uri) as response:
            published = await response.json()
    assert published["drawState"] == "drawn"
    candidates = [(c["pseudonym"], c["postcodeArea"]) for c in published["candidates"]]
    seed = seed_of([p["reveal"] for p in published["parties"]])
    [chosen] = draw(seed, candidates, 1, False)
    async with logged_in(net.wijert, "anna") as anna_browser:
        outcome = await anna_browser.get(page)
    assert "Geloot" in outcome.text and seed in outcome.text
    assert f"<tr><td>{chosen}</td><td>9722</td><td>ja</td></tr>" in outcome.text
    if chosen == anna_number[1]:
        assert f"U bent geloot als {chosen}." in outcome.text
    else:
        assert f"U deed mee als {anna_number[1]} en bent deze keer niet geloot." in outcome.text
