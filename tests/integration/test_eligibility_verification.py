"""Verifying residents: by address, by a one-time letter code on the page, in person; the
attestation on the actor document names only the postcode area."""

from __future__ import annotations

import aiohttp
import pytest

from federation.errors import NotAllowed, Refused
from node.participation.verification import (
    MAX_ACCOUNTS_PER_ADDRESS,
    issue_letter_code,
    verify_by_address,
    verify_in_person,
)
from node.web.negotiation import ACTIVITY_JSON
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import import_register, person
from tests.integration.web_login import logged_in


async def test_a_letter_code_verifies_once_and_the_actor_document_shows_only_the_area(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await import_register(wijert)
    sanne = await person(wijert, "sanne")
    await person(wijert, "sven")
    code, address = await issue_letter_code(wijert.node.participation_services, "9722ab", "6A")
    assert address.key == "9722AB 6a"
    stored = await wijert.node.db.fetch_value("SELECT code_hash FROM letter_codes")
    assert code.replace("-", "") not in stored

    async with logged_in(wijert, "sanne") as browser:
        page = await browser.post("/verify", {"code": code.lower()})
        assert page.status == 200
        assert "De Wijert (9722)" in page.text
    async with logged_in(wijert, "sven") as browser:
        page = await browser.post("/verify", {"code": code})
        assert page.status == 422
        assert "Deze code is al gebruikt. Een code werkt één keer." in page.text
        assert 'role="alert"' in page.text and 'aria-invalid="true"' in page.text
    async with aiohttp.ClientSession() as session:
        async with session.get(sanne.uri, headers={"Accept": ACTIVITY_JSON}) as r:
            document = await r.json(content_type=None)
    organisation = await wijert.node.organisation()
    assert document["residency"]["attestedBy"] == organisation.uri
    assert document["residency"]["method"] == "letter-code"
    assert document["residency"]["area"] == {
        "type": "Area",
        "postcodeArea": "9722",
        "name": "De Wijert",
    }
    assert "9722AB" not in str(document) and "Iddekingeweg" not in str(document)
    assert [r.actor_uri for r in await wijert.node.residents.all()] == [sanne.uri]


async def test_one_address_verifies_a_bounded_number_of_accounts(start: StartNode) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await import_register(wijert)
    for number in range(MAX_ACCOUNTS_PER_ADDRESS):
        await person(wijert, f"huisgenoot{number}")
        await verify_by_address(
            wijert.node.participation_services, f"huisgenoot{number}", "9722 AB", "4"
        )
    extra = await person(wijert, "nog_een")
    with pytest.raises(Refused, match="has already verified 4 accounts"):
        await verify_by_address(wijert.node.participation_services, "nog_een", "9722AB", "4")
    with pytest.raises(Refused, match="9722AB 5 is not in the address register"):
        await verify_by_address(wijert.node.participation_services, "nog_een", "9722AB", "5")
    assert await wijert.node.residents.get(extra.uri) is None


async def test_in_person_verification_needs_a_member_of_staff(start: StartNode) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await import_register(oosterpark)
    await person(oosterpark, "joost")
    await person(oosterpark, "buurman")
    await person(oosterpark, "femke", role="moderator")
    with pytest.raises(NotAllowed, match="'buurman' is no moderator, organiser, official or"):
        await verify_in_person(oosterpark.node.participation_services, "joost", "buurman", "9713XT")
    residency = await verify_in_person(
        oosterpark.node.participation_services, "joost", "femke", "9713 xt", "12"
    )
    assert (residency.postcode_area, residency.area_name) == ("9713", "Oosterparkwijk")
    assert residency.method == "in-person" and residency.verified_by is not None
