"""The demo network's participation seed runs against real nodes and leaves a coherent story."""

from __future__ import annotations

from node.demo import DEMO_NODES, seed_social, settle
from node.participation.demo_seed import seed_participation
from tests.integration.conftest import StartNode


async def test_demo_seed_opens_three_processes_with_cross_node_participation(
    start: StartNode,
) -> None:
    nodes = {
        spec.handle: await start(spec.handle, spec.name, kind=spec.kind) for spec in DEMO_NODES
    }
    await seed_social(nodes)
    await seed_participation(nodes, lambda: settle(list(nodes.values())))

    gemeente, oosterpark, wijert = (nodes[h].node for h in ("gemeente", "oosterpark", "wijert"))
    consultation = await gemeente.participation_store.local_process_by_slug("klimaatbestendig")
    agenda = await oosterpark.participation_store.local_process_by_slug("wijkagenda")
    budget = await wijert.participation_store.local_process_by_slug("wijkbudget")
    assert consultation and agenda and budget
    assert budget.budget is not None and budget.budget.amount == 50000

    by_title = {
        p.title: p for p in await gemeente.participation_store.proposals_of(consultation.uri)
    }
    wadis = by_title["Wadi's in de Oosterparkwijk"]
    assert (wadis.status, wadis.awaiting_response) == ("threshold_reached", False)
    assert await gemeente.participation_store.support_count(wadis.uri) == 3
    author_view = await oosterpark.participation_store.get_proposal(wadis.uri)
    assert author_view is not None and author_view.awaiting_response is False

    crossing = next(
        p
        for p in await gemeente.participation_store.proposals_of(agenda.uri)
        if "oversteek" in p.title
    )
    assert crossing.status == "under_review"
    assert len(await oosterpark.participation_store.official_responses(crossing.uri)) == 1
    stances = set((await gemeente.participation_store.stances_of(wadis.uri)).values())
    assert {"for", "against"} <= stances
    assert len(await gemeente.participation_store.proposals_of(budget.uri)) == 5
