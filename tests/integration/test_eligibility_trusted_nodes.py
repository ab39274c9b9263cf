"""Eligibility across nodes: residents attested by trusted nodes take part from home;
untrusted nodes, unverified accounts and forged residency claims are refused."""

from __future__ import annotations

from typing import Any

import pytest

from federation.errors import Refused
from node.clock import iso, utc_now
from node.participation.models import Process, Proposal
from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.voting import cast_vote, current_tally, open_vote
from node.runner import RunningNode
from schemas import outgoing_context
from tests.integration.conftest import StartNode
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.voting_scenarios import (
    delivery_error,
    exchange,
    follow,
    import_register,
    in_a_week,
    person,
    phases,
    process_with_proposals,
    resident,
)
from tests.integration.web_login import logged_in


async def test_a_resident_of_a_trusted_neighbourhood_node_supports_and_votes_from_home(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await gemeente.node.trust.add(wijert.node.urls.host)
    await import_register(wijert)
    bram = await resident(wijert, "bram", "9722ab", "4")
    process = await consultation(gemeente)
    await follow(wijert, bram, process.uri)
    await exchange(gemeente, wijert)
    proposal = await schoolyard_proposal(gemeente, process)
    await exchange(gemeente, wijert)
    assert await wijert.node.participation_store.get_proposal(proposal.uri) is not None

    process = await set_phase(gemeente.node.participation_services, process, "supporting")
    await exchange(gemeente, wijert)
    await support(wijert.node.participation_services, bram, proposal.uri)
    await exchange(gemeente, wijert)
    assert await gemeente.node.participation_store.supporters(proposal.uri) == [bram.uri]

    await set_phase(gemeente.node.participation_services, process, "voting")
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, wijert)
    await cast_vote(wijert.node.participation_services, bram, question.uri, "voor")
    await exchange(gemeente, wijert)
    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.voters_count) == (1, 1)
    seen = await wijert.node.objects.record(question.uri)
    assert seen is not None and seen.document["votersCount"] == 1


async def test_support_from_a_trusted_node_counts_and_from_an_untrusted_one_is_refused(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await gemeente.node.trust.add(wijert.node.urls.base)
    for running in (wijert, oosterpark):
        await import_register(running)
    bram = await resident(wijert, "bram", "9722 AB", "4")
    anna = await resident(oosterpark, "anna", "9713XT", "12")
    process = await consultation(gemeente)
    for running, actor in ((wijert, bram), (oosterpark, anna)):
        await follow(running, actor, process.uri)
    await exchange(gemeente, wijert, oosterpark)
    proposal = await schoolyard_proposal(gemeente, process)
    await exchange(gemeente, wijert, oosterpark)
    await set_phase(gemeente.node.participation_services, process, "supporting")

    await support(wijert.node.participation_services, bram, proposal.uri)
    refused = await support(oosterpark.node.participation_services, anna, proposal.uri)
    await exchange(gemeente, wijert, oosterpark)
    assert await gemeente.node.participation_store.supporters(proposal.uri) == [bram.uri]
    error = await delivery_error(oosterpark, refused)
    assert error is not None and error.startswith("422")
    assert f"{oosterpark.node.urls.host} is not a node this node trusts" in error


async def test_ineligible_vote_from_an_untrusted_node_is_refused_and_not_counted(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await gemeente.node.trust.add(wijert.node.urls.host)
    await import_register(oosterpark)
    anna = await resident(oosterpark, "anna", "9713XT", "12")
    sanne = await person(wijert, "sanne")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Fietsstraat", None)], eligibility="trusted-nodes"
    )
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await follow(oosterpark, anna, process.uri)
    await follow(wijert, sanne, process.uri)
    await exchange(gemeente, wijert, oosterpark)

    from_untrusted = await cast_vote(
        oosterpark.node.participation_services, anna, question.uri, "voor"
    )
    unverified = await cast_vote(wijert.node.participation_services, sanne, question.uri, "voor")
    await exchange(gemeente, wijert, oosterpark)

    untrusted_error = await delivery_error(oosterpark, f"{from_untrusted}/activity")
    assert untrusted_error is not None and untrusted_error.startswith("422")
    assert "is not a node this node trusts" in untrusted_error
    unverified_error = await delivery_error(wijert, f"{unverified}/activity")
    assert unverified_error is not None and "carries no residency attestation" in unverified_error
    for running, vote in ((oosterpark, from_untrusted), (wijert, unverified)):
        seen = await running.node.db.fetch_one(
            "SELECT state, reason FROM sent_votes WHERE activity_object = ?", (vote,)
        )
        assert seen["state"] == "refused" and seen["reason"].startswith("vote refused:")
    assert (await current_tally(gemeente.node.participation_services, question)).voters_count == 0


async def consultation(gemeente: RunningNode) -> Process:
    """The municipal climate consultation, open to residents of trusted nodes."""
    return await create_process(
        gemeente.node.participation_services,
        slug="klimaatbestendig",
        title="Groningen klimaatbestendig",
        archetype="advise",
        eligibility="trusted-nodes",
        threshold_count=5,
        electorate_size=1000,
        phases=phases(),
        current_phase="proposing",
    )


async def schoolyard_proposal(gemeente: RunningNode, process: Process) -> Proposal:
    """A proposal of the municipality itself in the consultation."""
    organisation = await gemeente.node.organisation()
    return await create_proposal(
        gemeente.node.participation_services,
        organisation,
        process,
        "Groene schoolpleinen",
        "Tegels eruit, groen erin.",
    )


class ForgingServer(FakeMastodon):
    """A server that claims residency for its users, attested by another node."""

    attested_by: str = ""

    def actor_document(self, account: PeerAccount) -> dict[str, Any]:
        document = super().actor_document(account)
        document["@context"] = outgoing_context()
        document["residency"] = {
            "type": "ResidencyAttestation",
            "area": {"type": "Area", "postcodeArea": "9722", "name": "De Wijert"},
            "attestedBy": self.attested_by or f"{self.base_url}/users/admin",
            "method": "address-register",
            "verifiedAt": iso(utc_now()),
        }
        return document


async def test_forged_residency_claim_is_refused_even_from_a_trusted_node(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    forger = ForgingServer()
    await forger.start()
    try:
        forger.attested_by = (await wijert.node.organisation()).uri
        mallory = forger.add_account("mallory", "Mallory")
        trust = gemeente.node.trust
        await trust.add(forger.host)
        await trust.add(wijert.node.urls.host)
        process, [proposal] = await process_with_proposals(
            gemeente, "verkeersplan", [("Parkeerplaatsen", None)], eligibility="trusted-nodes"
        )
        question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
        vote = {
            "id": f"{mallory.uri}#votes/1",
            "type": "Note",
            "name": "voor",
            "attributedTo": mallory.uri,
            "inReplyTo": question.uri,
            "to": process.uri,
        }
        answer = await forger.post(
            mallory,
            gemeente.node.urls.inbox(process.slug),
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{mallory.uri}#votes/1/activity",
                "type": "Create",
                "actor": mallory.uri,
                "to": process.uri,
                "object": vote,
            },
        )
        assert answer.status == 422
        assert "forged residency claim refused" in answer.body["error"]
        assert (
            await current_tally(gemeente.node.participation_services, question)
        ).voters_count == 0
        assert await gemeente.node.residents.all() == []
    finally:
        await forger.stop()


async def test_verified_local_process_takes_only_this_nodes_verified_residents(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await wijert.node.trust.add(oosterpark.node.urls.host)
    for running in (wijert, oosterpark):
        await import_register(running)
    bram = await resident(wijert, "bram", "9722AB", "6a")
    sanne = await person(wijert, "sanne")
    anna = await resident(oosterpark, "anna", "9713XT", "14-1")
    process, [proposal] = await process_with_proposals(
        wijert, "wijkbudget", [("Buurtkrant", None)], eligibility="verified-local"
    )
    question = await open_vote(wijert.node.participation_services, proposal.uri, in_a_week())
    await follow(oosterpark, anna, process.uri)
    await exchange(wijert, oosterpark)

    await cast_vote(wijert.node.participation_services, bram, question.uri, "voor")
    with pytest.raises(Refused, match="is not verified as a resident by this node"):
        await cast_vote(wijert.node.participation_services, sanne, question.uri, "voor")
    remote = await cast_vote(oosterpark.node.participation_services, anna, question.uri, "tegen")
    await exchange(wijert, oosterpark)
    error = await delivery_error(oosterpark, f"{remote}/activity")
    assert error is not None and "open only to residents verified by this node" in error
    tally = await current_tally(wijert.node.participation_services, question)
    assert (tally.count("voor"), tally.count("tegen"), tally.voters_count) == (1, 0, 1)


async def test_residents_vote_on_a_municipal_poll_from_their_own_nodes_page(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await gemeente.node.trust.add(wijert.node.urls.host)
    await import_register(wijert)
    bram = await resident(wijert, "bram", "9722AB", "4")
    sanne = await person(wijert, "sanne")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Snelfietspad naar Haren", None)], eligibility="trusted-nodes"
    )
    for actor in (bram, sanne):
        await follow(wijert, actor, process.uri)
    await exchange(gemeente, wijert)
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, wijert)

    async with (
        logged_in(wijert, "bram") as bram_browser,
        logged_in(wijert, "sanne") as sanne_browser,
    ):
        for browser in (bram_browser, sanne_browser):
            sent = await browser.post("/votes", {"question": question.uri, "option": "voor"})
            assert "Uw stem is verstuurd naar het proces." in sent.text
        await exchange(gemeente, wijert)
        bram_sees = (await bram_browser.get("/votes")).text
        sanne_sees = (await sanne_browser.get("/votes")).text
    assert "Snelfietspad naar Haren" in bram_sees and "voor (1)" in bram_sees
    # The process's node answered with a receipt, so his own node says it was counted.
    assert "Uw stem (voor) is geteld." in bram_sees
    assert "Uw stem is geweigerd:</strong> vote refused:" in sanne_sees
    assert "carries no residency attestation" in sanne_sees
    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.voters_count) == (1, 1)
