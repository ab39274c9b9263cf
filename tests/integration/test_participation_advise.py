"""The advise archetype: threshold → awaiting response → the official response clears it."""

from __future__ import annotations

import pytest

from federation.errors import NotAllowed
from node.participation import processes
from node.participation.official_responses import respond_officially
from node.participation.proposals import create_proposal
from node.participation.supports import support
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.participation_helpers import open_process, person


async def test_threshold_awaits_an_official_response_that_clears_it_on_both_nodes(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    consultation = await open_process(gemeente, "klimaatbestendig", "advise", threshold=2)

    anouk = await person(oosterpark, "anouk")
    remote = await processes.known_process(
        oosterpark.node.participation_services, consultation.uri, fetch=True
    )
    assert remote is not None
    proposal = await create_proposal(
        oosterpark.node.participation_services,
        anouk,
        remote,
        "Geveltuinen in de Oosterparkwijk",
        "Laat bewoners tegels wippen voor geveltuinen: koeler en groener.",
    )
    await deliver(gemeente, oosterpark)

    answer = await mastodon.post(
        joris, f"{gemeente.base_url}/inbox", mastodon.like(joris, proposal.uri)
    )
    assert answer.status == 202, answer.body
    bram = await person(oosterpark, "bram")
    await support(oosterpark.node.participation_services, bram, proposal.uri)
    await deliver(gemeente, oosterpark)

    for n in (gemeente, oosterpark):
        waiting = await n.node.participation_store.get_proposal(proposal.uri)
        assert waiting is not None
        assert (waiting.status, waiting.awaiting_response) == ("threshold_reached", True)

    wethouder = await person(gemeente, "wethouder", "moderator")
    response = await respond_officially(
        gemeente.node.participation_services,
        wethouder,
        proposal.uri,
        "We nemen geveltuinen op in het klimaatplan en betalen de eerste honderd.",
    )
    assert response["officialResponse"] is True
    assert "Officiële reactie van Gemeente Groningen" in response["content"]
    await deliver(gemeente, oosterpark)

    for n in (gemeente, oosterpark):
        answered = await n.node.participation_store.get_proposal(proposal.uri)
        assert answered is not None and answered.awaiting_response is False
        [official] = await n.node.participation_store.official_responses(proposal.uri)
        assert official.response_uri == response["id"]


async def test_a_resident_account_cannot_answer_officially(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    consultation = await open_process(gemeente, "klimaatbestendig", "advise", threshold=2)
    fatima = await person(gemeente, "fatima")
    proposal = await create_proposal(
        gemeente.node.participation_services,
        fatima,
        consultation,
        "Meer bomen",
        "Meer bomen in de binnenstad.",
    )
    with pytest.raises(NotAllowed, match="moderator or administrator"):
        await respond_officially(
            gemeente.node.participation_services, fatima, proposal.uri, "Ja hoor."
        )
    assert await gemeente.node.participation_store.official_responses(proposal.uri) == []
