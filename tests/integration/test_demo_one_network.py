"""The demo network is one network: a De Wijert resident takes part in Oosterpark's agenda
from the De Wijert pages and from a Mastodon app logged in to De Wijert, and the
municipality, Oosterpark and De Wijert all show the same counts and comments.
"""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from node.demo import DEMO_NODES, DEMO_PASSWORD, seed_social, settle
from node.participation.comments import comments_of
from node.participation.demo_seed import seed_participation
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.test_network_convergence import proposal_page, support_count_shown
from tests.integration.web_login import logged_in


async def test_a_wijert_resident_takes_part_in_oosterpark_from_the_wijert_pages_and_an_app(
    start: StartNode,
) -> None:
    nodes = {
        spec.handle: await start(spec.handle, spec.name, kind=spec.kind) for spec in DEMO_NODES
    }
    network = list(nodes.values())
    await seed_social(nodes)
    await seed_participation(nodes, lambda: settle(network))
    oosterpark, wijert = nodes["oosterpark"], nodes["wijert"]
    agenda = await oosterpark.node.participation_store.local_process_by_slug("wijkagenda")
    assert agenda is not None
    [repair] = [
        p
        for p in await oosterpark.node.participation_store.proposals_of(agenda.uri)
        if p.title == "Reparatiecafé in het buurthuis"
    ]
    for running in network:
        code, _, html = await proposal_page(running, repair.uri)
        assert code == 200 and support_count_shown(html) == "0 van 3 steunbetuigingen"

    # Sanne, on the De Wijert pages of the Oosterpark proposal.
    _, path, _ = await proposal_page(wijert, repair.uri)
    async with logged_in(wijert, "sanne", DEMO_PASSWORD) as browser:
        assert (await browser.post(f"{path}/support", {})).status == 303
        commented = await browser.post(
            f"{path}/comments", {"stance": "for", "text": "Mijn fiets gaat er als eerste heen."}
        )
        assert commented.status == 303, commented.text
    await settle(network)

    # Pieter, in a Mastodon app logged in to De Wijert.
    await resident(wijert, "pieter")
    pieter: Mastodon = await logged_in_client(wijert, "pieter")
    [found] = (await asyncio.to_thread(pieter.search_v2, repair.uri, resolve=True)).statuses
    assert (await asyncio.to_thread(pieter.status_favourite, found.id)).favourited
    await asyncio.to_thread(
        pieter.status_post, "Ik help mee met kleding repareren.", in_reply_to_id=found.id
    )
    await settle(network)

    assert await oosterpark.node.participation_store.support_count(repair.uri) == 2
    for running in network:
        _, _, html = await proposal_page(running, repair.uri)
        assert support_count_shown(html) == "2 van 3 steunbetuigingen", running.base_url
        thread = await comments_of(running.node.participation_services, repair.uri)
        authors = {c.attributed_to for c, _, _ in thread}
        assert {wijert.node.urls.actor("sanne"), wijert.node.urls.actor("pieter")} <= authors, (
            running.base_url
        )
        assert "Mijn fiets gaat er als eerste heen." in html
        assert "Ik help mee met kleding repareren." in html
    # The app shows the count the process keeps.
    shown = await asyncio.to_thread(pieter.status, found.id)
    assert shown.favourited and shown.favourites_count == 2
