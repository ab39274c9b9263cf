"""The demo network's voting seed: verified residents, trust, an open vote and ballots."""

from __future__ import annotations

from dataclasses import replace

from node.demo import DEMO_NODES, seed_social, settle
from node.participation.demo_seed import seed_participation
from node.participation.voting import current_tally
from node.participation.voting_demo import seed_voting
from tests.integration.conftest import StartNode


async def test_demo_seed_verifies_residents_and_opens_a_vote_and_the_budget_ballot(
    start: StartNode,
) -> None:
    nodes = {
        spec.handle: await start(spec.handle, spec.name, kind=spec.kind) for spec in DEMO_NODES
    }
    await seed_social(nodes)
    await seed_participation(nodes, lambda: settle(list(nodes.values())))
    await seed_voting(nodes, lambda: settle(list(nodes.values())))

    gemeente, oosterpark, wijert = (nodes[h].node for h in ("gemeente", "oosterpark", "wijert"))
    assert {r.method for r in await wijert.residents.all()} == {
        "address-register",
        "letter-code",
    }
    assert [r.method for r in await oosterpark.residents.all()] == [
        "address-register",
        "in-person",
    ]
    consultation = await gemeente.participation_store.local_process_by_slug("klimaatbestendig")
    anna = await oosterpark.actors.by_username("anna")
    assert consultation is not None and anna is not None
    # The municipality trusts Oosterpark, so anna's attestation is believed there.
    trusted_only = replace(consultation, eligibility="trusted-nodes")
    assert await gemeente.participation_services.eligibility(trusted_only, anna.uri) is None

    budget = await wijert.participation_store.local_process_by_slug("wijkbudget")
    assert budget is not None and budget.current_phase == "voting"
    assert len(await wijert.ballots.all_picks(budget.uri)) == 2
    [question] = await wijert.votes.questions_of(budget.uri)
    tally = await current_tally(wijert, question)
    assert (tally.count("voor"), tally.count("tegen")) == (1, 1)
    # The wijkbudget is delegated by an agreement with the municipality, its registrar:
    # ballots and votes count under the pseudonyms of the registrar's credentials.
    assert budget.agreement is not None
    for node in (gemeente, wijert):
        agreement = await node.participation_services.agreements.get(budget.agreement)
        assert agreement is not None and agreement.state == "accepted"
        assert agreement.registrar_for("9722") == (await gemeente.organisation()).uri
    pseudonyms = await wijert.db.fetch_all(
        "SELECT pseudonym FROM ballots WHERE process_uri = ? AND pseudonym IS NOT NULL",
        (budget.uri,),
    )
    assert len({r[0] for r in pseudonyms}) == 2

    # The city-wide advisory poll counts a vote cast from a neighbourhood node.
    city_poll = await gemeente.participation_store.local_process_by_slug("stadspeiling")
    assert city_poll is not None and city_poll.current_phase == "voting"
    [city_question] = await gemeente.votes.questions_of(city_poll.uri)
    city_tally = await current_tally(gemeente, city_question)
    assert city_tally.count("voor") == 1

    # The wijkpanel is drawn with the municipality's part of the seed, the municipality
    # being the other side of the wijkbudget's agreement: one of the two residents it
    # registered is drawn, each a candidate under the registrar's credential.
    panel = await wijert.participation_services.draws.get(f"{budget.uri}/draws/1")
    assert panel is not None and panel.state == "drawn"
    assert panel.parties == (budget.uri, (await gemeente.organisation()).uri)
    assert len(await wijert.participation_services.draws.selected_actors(panel.uri)) == 1
    credentials = await wijert.db.fetch_all(
        "SELECT credential_id FROM panel_candidates WHERE draw_uri = ?", (panel.uri,)
    )
    assert len(credentials) == 2 and all(r[0] for r in credentials)
