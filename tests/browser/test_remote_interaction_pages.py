"""A neighbourhood resident takes part in a municipal proposal in headless Chromium: the
handle form on the municipal page sends them to their own node, where they log in and
support; a bad handle is said on the page. The pages keep the security policy (no
complaint may reach the console) and the basic accessibility checks."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from node.participation.proposals import create_proposal
from tests.browser.conftest import StartNode
from tests.browser.test_participation_pages import ACCESSIBILITY_PROBLEMS, NewPage
from tests.integration.conftest import deliver
from tests.integration.participation_helpers import open_process, person

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_neighbourhood_resident_supports_a_municipal_proposal_through_their_own_node(
    start: StartNode, new_page: NewPage
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await person(wijert, "anna")
    process = await open_process(gemeente, "verkeersplan", "advise", threshold=3)
    proposal = await create_proposal(
        gemeente.node.participation_services,
        await gemeente.node.organisation(),
        process,
        "Zebrapad bij de school",
        "Een zebrapad op de Oosterweg.",
    )
    record = await gemeente.node.objects.record(proposal.uri)
    assert record is not None
    page = await new_page()
    await page.goto(f"{gemeente.base_url}/proposals/{record.row_id}")
    assert await page.evaluate(ACCESSIBILITY_PROBLEMS) == []

    handle = page.get_by_label("Uw adres in de fediverse")
    await handle.fill("anna bij de wijert")
    await page.get_by_role("button", name="Verder op mijn server").click()
    await expect(page.get_by_role("alert")).to_contain_text("is geen adres in de fediverse")
    assert await page.evaluate(ACCESSIBILITY_PROBLEMS) == []

    await page.get_by_label("Uw adres in de fediverse").fill(f"@anna@{wijert.node.urls.host}")
    await page.get_by_role("button", name="Verder op mijn server").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert page.url.startswith(f"{wijert.base_url}/login?next=")
    await page.get_by_label("Gebruikersnaam").fill("anna")
    await page.get_by_label("Wachtwoord").fill("wachtwoord-123")
    await page.get_by_role("button", name="Inloggen").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Zebrapad bij de school")
    assert page.url.startswith(f"{wijert.base_url}/proposals/")
    await page.get_by_role("button", name="Steun dit voorstel").click()
    await expect(page.get_by_text("U steunt dit voorstel.")).to_be_visible()
    await deliver(gemeente, wijert)
    assert await gemeente.node.participation_store.support_count(proposal.uri) == 1
