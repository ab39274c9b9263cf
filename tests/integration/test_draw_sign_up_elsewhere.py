"""A resident whose account lives on another node signs up for a wijkpanel draw from
their own node's pages: the draw's page sends them home by their handle, their node
shows the draw with a button, sends the Join with the registrar's credential, and shows
the process's answer (their pseudonym, or the reason of a refusal) on their own page."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from node.participation.account_self_service import delete_account
from node.participation.sortition import create_draw, start_draw
from tests.integration.agreement_scenarios import agreement_network, bind_by_code
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import exchange
from tests.integration.web_login import DEFAULT_PASSWORD, logged_in, web_browser

REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')


async def test_a_resident_of_another_node_signs_up_for_a_draw_from_their_own_pages(
    start: StartNode,
) -> None:
    net = await agreement_network(start)
    services = net.wijert.node.participation_services
    panel = await create_draw(
        services,
        net.process,
        title="Wijkpanel wijkbudget",
        seats=1,
        areas=["9722"],
        stratified=False,
        parties=[],
    )
    carla = await person(net.oosterpark, "carla")
    await bind_by_code(net.gemeente, carla, resident=1)
    await person(net.oosterpark, "dirk")
    oosterpark = net.oosterpark.node.urls.host

    async with web_browser(net.wijert) as visitor:
        shown = await visitor.get("/processes/wijkbudget/panels/1")
        assert "elsewhere-handle" in shown.text
        sent = await visitor.get(
            f"/interact?uri={quote(panel.uri, safe='')}&handle={quote('@carla@' + oosterpark)}"
        )
    found = REFRESH.search(sent.text)
    assert found is not None, sent.text
    target = html.unescape(found[1]).removeprefix(net.oosterpark.base_url)
    assert target.startswith("/authorize_interaction?uri=")

    async with logged_in(net.oosterpark, "carla") as browser:
        draw_page = await browser.get(target)
        assert draw_page.status == 200
        assert "Loting voor een panel: Wijkpanel wijkbudget" in draw_page.text
        asked = await browser.post("/authorize_interaction/draw", {"draw": panel.uri})
        assert asked.status == 303 and asked.location is not None
        waiting = await browser.get(asked.location)
        assert "Uw knooppunt heeft het proces gevraagd u aan te melden." in waiting.text
        await exchange(net.oosterpark, net.wijert, net.gemeente)
        own = await browser.get("/me")
    candidacy = await services.draws.candidacy(panel.uri, carla.uri)
    assert candidacy is not None
    assert f"U bent aangemeld als {candidacy[0]}." in own.text

    # Dirk is registered nowhere: the registrar gives him no credential, so his own node
    # says why on the page, sends nothing and keeps no sign-up.
    async with logged_in(net.oosterpark, "dirk") as browser:
        refused = await browser.post("/authorize_interaction/draw", {"draw": panel.uri})
        own = await browser.get("/me")
    assert refused.status == 422
    assert "Geen registratie uit de afspraak van Wijkbudget gaf u een stembewijs" in refused.text
    assert "Mijn aanmeldingen voor lotingen" not in own.text

    # Bram asks while the draw is open, but the organiser starts it before his Join
    # arrives: the process refuses it with a Reject, and his page says why.
    bram = await person(net.oosterpark, "bram")
    await bind_by_code(net.gemeente, bram, resident=2)
    async with logged_in(net.oosterpark, "bram") as browser:
        assert (
            await browser.post("/authorize_interaction/draw", {"draw": panel.uri})
        ).status == 303
        await start_draw(services, panel.uri)
        await exchange(net.oosterpark, net.wijert, net.gemeente)
        own = await browser.get("/me")
        later = await browser.get(target)
    assert "Uw aanmelding is geweigerd: Wijkpanel wijkbudget has started" in own.text
    assert "Deze loting is begonnen: bewoners kunnen zich niet meer aanmelden." in later.text
    assert await services.draws.candidates(panel.uri) == [(candidacy[0], "9722")]


async def test_a_deleted_account_leaves_no_sign_up_for_a_draw_elsewhere(start: StartNode) -> None:
    # The pseudonym is published with the draw: kept beside the account, it would still
    # say who it was after the account is gone.
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    services = oosterpark.node.participation_services
    carla = await person(oosterpark, "carla")
    await person(oosterpark, "dirk")
    draw = "https://gemeente.example/processes/wijkbudget/draws/1"
    for name, join in (("carla", "join-1"), ("dirk", "join-2")):
        actor = await services.actors.by_username(name)
        assert actor is not None
        await services.draws.ask(join, actor.uri, draw, "Wijkpanel wijkbudget")
        assert await services.draws.answered(join, draw, "accepted", f"{name}-pseudoniem", None)
    account = await oosterpark.node.accounts.by_username("carla")
    assert account is not None

    await delete_account(services, account, DEFAULT_PASSWORD)

    assert await services.draws.sign_ups_of(carla.uri) == []
    assert "carla-pseudoniem" not in str(
        await oosterpark.node.db.fetch_all("SELECT * FROM draw_sign_ups")
    )
    dirk = await services.actors.by_username("dirk")
    assert dirk is not None
    assert [s.pseudonym for s in await services.draws.sign_ups_of(dirk.uri)] == ["dirk-pseudoniem"]
