"""One vote per registered resident across nodes: the municipality registers the
residents of the areas its agreements cover, credentials carry a per-process pseudonym,
and the neighbourhood that hosts a delegated vote counts one vote per pseudonym."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from federation.errors import Conflict, NotAllowed, Refused
from node.clock import iso, utc_now
from node.participation.agreements import end_agreement
from node.participation.ballots import cast_ballot, open_budget_ballot
from node.participation.credentials import (
    Credential,
    read_credential,
    request_credential,
    sign_credential,
)
from node.participation.models import Budget
from node.participation.receipts import receipt_hash
from node.participation.registrar import bind_by_address, bind_in_person, issue_slot_code
from node.participation.voting import cast_vote, close_vote, current_tally
from node.runner import RunningNode
from node.storage.actors import LocalActor
from tests.integration.agreement_scenarios import Network, agreement_network, bind_by_code
from tests.integration.oauth_browser import logged_in_client
from tests.integration.oauth_browser import resident as oauth_resident
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import (
    delivery_error,
    exchange,
    import_register,
    in_a_week,
    process_with_proposals,
    resident,
)
from tests.integration.web_login import logged_in


async def _tally(net: Network) -> dict[str, int]:
    tally = await current_tally(net.wijert.node.participation_services, net.question)
    counts = {t.option: t.count for t in tally.tallies if t.count}
    return {**counts, "voters": tally.voters_count}


async def _everyone(net: Network) -> None:
    await exchange(net.gemeente, net.wijert, net.oosterpark, net.buiten)


async def _vote(running: RunningNode, voter: LocalActor, net: Network, option: str) -> str:
    return await cast_vote(running.node.participation_services, voter, net.question.uri, option)


async def _send_raw_vote(
    running: RunningNode, voter: LocalActor, net: Network, extra: dict[str, Any]
) -> str:
    """A vote as a node sends it, carrying what ``extra`` says (a credential or none)."""
    vote_id = running.node.urls.new_object()
    vote = {
        "id": vote_id,
        "type": "Note",
        "name": "voor",
        "attributedTo": voter.uri,
        "inReplyTo": net.question.uri,
        "to": [net.process.uri],
        **extra,
    }

    async def remember() -> None:
        await running.node.participation_services.sent_votes.sent(
            vote_id, voter.uri, net.question.uri, "voor"
        )

    await running.node.outbox.send(
        voter.uri,
        {"id": f"{vote_id}/activity", "type": "Create", "object": vote, "to": [net.process.uri]},
        [net.process.uri],
        local_write=remember,
        personal_inboxes=True,
    )
    return f"{vote_id}/activity"


async def test_one_resident_with_accounts_on_two_nodes_votes_twice_and_is_counted_once(
    start: Any,
) -> None:
    net = await agreement_network(start)
    anna_wijert = await person(net.wijert, "anna")
    anna_oosterpark = await person(net.oosterpark, "anna")
    await bind_by_code(net.gemeente, anna_wijert)
    await _vote(net.wijert, anna_wijert, net, "voor")
    assert await _tally(net) == {"voor": 1, "voters": 1}

    # The same resident confirms her other account at the registrar in person: the slot
    # moves to it. Her vote from there counts under the same pseudonym, even before
    # the registrar's withdrawal of the old binding reaches the neighbourhood.
    await person(net.gemeente, "balie", role="moderator")
    await bind_in_person(
        net.gemeente.node.participation_services, "balie", "9722AB", "4", 1, anna_oosterpark.uri
    )
    await _vote(net.oosterpark, anna_oosterpark, net, "tegen")
    await exchange(net.wijert, net.oosterpark)
    assert await _tally(net) == {"tegen": 1, "voters": 1}

    await _everyone(net)
    assert await _tally(net) == {"tegen": 1, "voters": 1}


async def test_a_moved_account_replaces_its_old_vote_and_the_old_account_is_refused(
    start: Any,
) -> None:
    net = await agreement_network(start)
    bram_wijert = await person(net.wijert, "bram")
    bram_oosterpark = await person(net.oosterpark, "bram")
    await bind_by_code(net.gemeente, bram_wijert, resident=2)
    await _vote(net.wijert, bram_wijert, net, "voor")

    await bind_by_code(net.gemeente, bram_oosterpark, resident=2)
    await _everyone(net)
    # The withdrawal reached the neighbourhood: the old account's vote no longer counts.
    assert await _tally(net) == {"voters": 0}

    await _vote(net.oosterpark, bram_oosterpark, net, "tegen")
    await _everyone(net)
    assert await _tally(net) == {"tegen": 1, "voters": 1}

    with pytest.raises(Refused, match="no register slot of this registrar is bound to"):
        await _vote(net.wijert, bram_wijert, net, "voor")
    assert await _tally(net) == {"tegen": 1, "voters": 1}


async def test_a_vote_with_a_withdrawn_credential_is_rejected_with_its_reason(
    start: Any,
) -> None:
    net = await agreement_network(start)
    carla = await person(net.oosterpark, "carla")
    carla_elsewhere = await person(net.wijert, "carla")
    await bind_by_code(net.gemeente, carla)
    old_credential = await request_credential(
        net.oosterpark.node.participation_services, carla, net.process
    )
    sent = await _vote(net.oosterpark, carla, net, "voor")
    await _everyone(net)
    assert await _tally(net) == {"voor": 1, "voters": 1}

    await bind_by_code(net.gemeente, carla_elsewhere)
    await _everyone(net)
    # Withdrawn before the close: not counted, and Carla's node is told why.
    assert await _tally(net) == {"voters": 0}
    seen = await net.oosterpark.node.db.fetch_one(
        "SELECT state, reason FROM sent_votes WHERE activity_object = ?", (sent,)
    )
    assert (
        seen["state"] == "refused"
        and "credential was withdrawn by the registrar" in (seen["reason"])
    )

    again = await _send_raw_vote(net.oosterpark, carla, net, {"credential": old_credential})
    await _everyone(net)
    error = await delivery_error(net.oosterpark, again)
    assert error is not None and error.startswith("422")
    assert "credential was withdrawn by the registrar" in error
    assert await _tally(net) == {"voters": 0}


async def test_attestations_and_credentials_from_a_node_outside_the_agreement_are_refused(
    start: Any,
) -> None:
    net = await agreement_network(start)
    await import_register(net.buiten)
    dirk = await resident(net.buiten, "dirk", "9722AB", "6a")

    no_credential = await _send_raw_vote(net.buiten, dirk, net, {})
    organisation = await net.buiten.node.organisation()
    signer = await net.buiten.node.actors.signer_for(organisation.uri)
    assert signer is not None
    forged = sign_credential(
        Credential(
            id=f"{net.buiten.node.urls.base}/credentials/eigen",
            area="9722",
            pseudonym="0" * 32,
            process=net.process.uri,
            registrar=organisation.uri,
            expires=iso(utc_now().replace(year=utc_now().year + 1)),
        ),
        signer.private_key_pem,
    )
    assert read_credential(forged)[0].registrar == organisation.uri
    with_own_credential = await _send_raw_vote(net.buiten, dirk, net, {"credential": forged})
    await _everyone(net)

    error = await delivery_error(net.buiten, no_credential)
    assert error is not None and error.startswith("422")
    assert "counts only votes with a credential from the registrar its agreement" in error
    error = await delivery_error(net.buiten, with_own_credential)
    assert error is not None and error.startswith("422")
    gemeente = (await net.gemeente.node.organisation()).uri
    assert f"the agreement names {gemeente} as the registrar for postcode area 9722" in error
    assert await _tally(net) == {"voters": 0}

    with pytest.raises(Refused, match="no registrar of the agreement gave you a credential"):
        await _vote(net.buiten, dirk, net, "voor")


async def test_an_ended_agreement_takes_no_more_binding_votes(start: Any) -> None:
    net = await agreement_network(start)
    eva = await person(net.wijert, "eva")
    await bind_by_code(net.gemeente, eva)
    await _vote(net.wijert, eva, net, "voor")

    await end_agreement(
        net.gemeente.node.participation_services, net.agreement.uri, "Budget bevroren"
    )
    await _everyone(net)

    with pytest.raises(Refused, match="is ended, so it delegates nothing"):
        await _vote(net.wijert, eva, net, "tegen")
    assert await _tally(net) == {"voor": 1, "voters": 1}


async def test_receipts_published_equal_the_residents_counted_across_the_four_nodes(
    start: Any,
) -> None:
    net = await agreement_network(start)
    anna, anna_elsewhere = await person(net.wijert, "anna"), await person(net.oosterpark, "anna")
    carla, carla_elsewhere = (
        await person(net.oosterpark, "carla"),
        await person(net.wijert, "carla"),
    )
    eva = await person(net.wijert, "eva")
    registrar = net.gemeente.node.participation_services
    await bind_by_code(net.gemeente, anna, resident=1)
    await bind_by_code(net.gemeente, carla, resident=2)
    await bind_by_address(registrar, "9722AB", "6a", eva.uri)
    replaced = await _vote(net.wijert, anna, net, "voor")
    withdrawn = await _vote(net.oosterpark, carla, net, "voor")
    counted = [await _vote(net.wijert, eva, net, "voor")]
    await _everyone(net)
    # Anna votes again from her other account, which now holds her slot; Carla's slot
    # moves to another account, so her vote is withdrawn.
    await bind_by_code(net.gemeente, anna_elsewhere, resident=1)
    counted.append(await _vote(net.oosterpark, anna_elsewhere, net, "tegen"))
    await bind_by_code(net.gemeente, carla_elsewhere, resident=2)
    await _everyone(net)

    result = await close_vote(net.wijert.node.participation_services, net.question.uri)
    async with aiohttp.ClientSession() as session:
        async with session.get(result["voteResult"]["receipts"]) as response:
            published = await response.json(content_type=None)
    receipts = {
        vote: await running.node.participation_services.receipts.of_vote(vote)
        for running, vote in (
            (net.wijert, replaced),
            (net.oosterpark, withdrawn),
            (net.wijert, counted[0]),
            (net.oosterpark, counted[1]),
        )
    }
    assert all(receipts.values())
    hashes = published["orderedItems"]
    assert published["totalItems"] == len(hashes) == result["votersCount"] == 2
    assert set(hashes) == {receipt_hash(receipts[vote] or "") for vote in counted}
    assert await _tally(net) == {"voor": 1, "tegen": 1, "voters": 2}


async def test_a_register_slot_holds_one_account_and_an_account_one_slot(start: Any) -> None:
    net = await agreement_network(start)
    services = net.gemeente.node.participation_services
    fenna = await person(net.wijert, "fenna")
    gijs = await person(net.oosterpark, "gijs")
    await bind_by_address(services, "9722AB", "6a", fenna.uri)

    with pytest.raises(Conflict, match="every one of the 1 registered resident"):
        await bind_by_address(services, "9722AB", "6a", gijs.uri)
    with pytest.raises(Conflict, match="holds a register slot at another address already"):
        await bind_by_address(services, "9722AB", "4", fenna.uri)
    with pytest.raises(NotAllowed, match="registrar for no agreement covering postcode area 9751"):
        await bind_by_address(services, "9751AA", "1", gijs.uri)


async def test_budget_ballots_count_once_per_resident_and_not_with_a_withdrawn_credential(
    start: Any,
) -> None:
    net = await agreement_network(start)
    process, proposals = await process_with_proposals(
        net.wijert,
        "buurtbudget",
        [("Bankjes", 4000.0), ("Fruitbomen", 6000.0)],
        budget=Budget(20000, "EUR", 1, 2),
        agreement=net.agreement.uri,
    )
    benches, trees = (p.uri for p in proposals)
    await open_budget_ballot(net.wijert.node.participation_services, process.uri, in_a_week())
    hanna = await person(net.wijert, "hanna")
    hanna_elsewhere = await person(net.oosterpark, "hanna")
    ivo = await person(net.wijert, "ivo")
    await bind_by_code(net.gemeente, hanna)
    await bind_by_code(net.gemeente, ivo, resident=2)
    services = net.wijert.node.participation_services
    await cast_ballot(services, hanna, process.uri, [benches])
    await cast_ballot(services, ivo, process.uri, [benches, trees])

    # Hanna's slot moves to her other account, which casts a ballot as well: one counts.
    await bind_by_code(net.gemeente, hanna_elsewhere)
    await cast_ballot(
        net.oosterpark.node.participation_services, hanna_elsewhere, process.uri, [trees]
    )
    await _everyone(net)
    ballots = await net.wijert.node.ballots.all_picks(process.uri)
    assert sorted(sorted(p) for p in ballots) == sorted([sorted([benches, trees]), [trees]])

    # Ivo's slot is bound to another account that casts nothing: his ballot is withdrawn.
    stranger = await person(net.oosterpark, "jan")
    await bind_by_code(net.gemeente, stranger, resident=2)
    await _everyone(net)
    assert await net.wijert.node.ballots.all_picks(process.uri) == [[trees]]


async def test_a_voter_without_a_credential_reads_why_on_the_page_in_dutch(start: Any) -> None:
    net = await agreement_network(start)
    await person(net.oosterpark, "kees")

    async with logged_in(net.oosterpark, "kees", "wachtwoord-123") as browser:
        page = await browser.post("/votes", {"question": net.question.uri, "option": "voor"})

    assert page.status == 422
    assert (
        "Geen registratie uit de afspraak van Wijkbudget gaf u een stembewijs. Bevestig eerst"
        " uw adres bij de registratie." in page.text
    )
    assert await _tally(net) == {"voters": 0}


async def test_an_app_voting_without_a_credential_gets_the_reason_as_mastodon_errors(
    start: Any,
) -> None:
    net = await agreement_network(start)
    await oauth_resident(net.wijert, "lotte")
    lotte = await logged_in_client(net.wijert, "lotte")
    record = await net.wijert.node.objects.record(net.question.uri)
    assert record is not None
    headers = {"Authorization": f"Bearer {lotte.access_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(
            f"{net.wijert.base_url}/api/v1/polls/{record.row_id}/votes", json={"choices": ["0"]}
        ) as answer:
            assert answer.status == 422
            error = (await answer.json())["error"]
    assert error.startswith("vote refused: no registrar of the agreement gave you a credential")
    assert "no register slot of this registrar is bound to" in error
    assert await _tally(net) == {"voters": 0}


async def test_a_resident_registers_their_account_elsewhere_on_the_registrars_page(
    start: Any,
) -> None:
    net = await agreement_network(start)
    anna = await person(net.oosterpark, "anna")
    code, _ = await issue_slot_code(net.gemeente.node.participation_services, "9722AB", "4", 1)
    handle = f"@anna@{net.oosterpark.node.urls.host}"

    async with aiohttp.ClientSession(headers={"Accept": "text/html"}) as http:
        url = f"{net.gemeente.base_url}/registrar"
        async with http.post(url, data={"code": code, "handle": handle}) as answer:
            registered = (answer.status, await answer.text())
        async with http.post(url, data={"code": code, "handle": handle}) as answer:
            again = (answer.status, await answer.text())

    assert registered[0] == 200
    assert f"Ingeschreven: {anna.uri} heeft nu uw plaats in het register van 9722" in registered[1]
    assert again[0] == 422
    assert "Deze code is al gebruikt. Een code werkt één keer." in again[1]
    binding = await net.gemeente.node.participation_services.register.binding_of(anna.uri)
    assert binding is not None and binding.slot == "9722AB 4#1"
