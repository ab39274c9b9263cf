"""The whole way of a resident through a budget process, in headless Chromium, in Dutch and
in English, on a desktop and on a phone: find the process from the home page, propose with
an image, support and comment with a stance, vote and fill in the budget ballot with its
running total, see the result and find the receipt among the counted ones.

What the test reads and clicks comes from the node's catalogues in the visitor's language
(``node.i18n.translator``), so the same journey checks both languages' pages.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from node.clock import utc_now
from node.i18n import readable_amount, translator
from node.participation.ballots import close_budget, open_budget_ballot
from node.participation.models import Budget, phases_around
from node.participation.processes import create_process, set_phase
from node.participation.voting import close_vote, open_vote
from node.runner import RunningNode
from node.web.participation_pages import DONE
from tests.browser.conftest import StartNode, watch_policies
from tests.browser.test_proposal_images_and_map import png
from tests.integration.voting_scenarios import import_register, in_a_week, resident

pytestmark = pytest.mark.asyncio(loop_scope="session")

RECEIPT = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}")
PHONE, DESKTOP = 360, 1280
SCREENSHOTS = "/tmp"


async def logged_in_page(
    browser: Browser,
    contexts: list[BrowserContext],
    complaints: list[str],
    running: RunningNode,
    username: str,
    language: str,
    width: int,
    password: str = "wachtwoord-123",
    *,
    audited: bool = False,
) -> Page:
    """A resident on the home page in ``language``, logged in through its login link;
    ``audited``: the page lets axe-core in (it bypasses the node's script policy)."""
    context = await browser.new_context(
        viewport={"width": width, "height": 800}, bypass_csp=audited
    )
    contexts.append(context)
    page = await context.new_page()
    watch_policies(page, complaints)
    t = translator(language)
    await page.goto(f"{running.base_url}/?lang={language}")
    await page.get_by_role("link", name=t("Log in"), exact=True).click()
    await page.get_by_label(t("User name")).fill(username)
    await page.get_by_label(t("Password")).fill(password)
    await page.get_by_role("button", name=t("Log in")).click()
    await expect(page.locator("html")).to_have_attribute("lang", language)
    return page


async def _receipt_after(page: Page, button: str, counted: str) -> str:
    """Press ``button``; the confirmation that takes the focus, and the receipt it gives."""
    await page.get_by_role("button", name=button, exact=True).click()
    confirmation = page.get_by_role("status").filter(has_text=counted)
    await expect(confirmation).to_be_focused()
    text = await page.locator("main").inner_text()
    found = RECEIPT.findall(text)
    assert found, text
    return found[-1]


@pytest.mark.parametrize(
    ("language", "width"),
    [("nl", DESKTOP), ("en", DESKTOP), ("nl", PHONE), ("en", PHONE)],
    ids=["nl-desktop", "en-desktop", "nl-phone", "en-phone"],
)
async def test_a_resident_proposes_supports_comments_votes_and_finds_the_receipt_counted(
    start: StartNode,
    browser: Browser,
    contexts: list[BrowserContext],
    language: str,
    width: int,
) -> None:
    t = translator(language)
    wijk = await start("wijert", "Wijkdeal De Wijert")
    services = wijk.node.participation_services
    await import_register(wijk)
    await resident(wijk, "bram", "9722AB", "4")
    await resident(wijk, "sanne", "9722AB", "6a")
    process = await create_process(
        services,
        slug="wijkbudget",
        title="Wijkbudget De Wijert",
        archetype="decide",
        eligibility="verified-local",
        threshold_count=1,
        budget=Budget(amount=10_000, currency="EUR", min_picks=1, max_picks=2),
        phases=phases_around(
            utc_now(), ("proposing", -3, 10), ("supporting", 10, 20), ("voting", 20, 30)
        ),
    )
    complaints: list[str] = []
    bram = await logged_in_page(browser, contexts, complaints, wijk, "bram", language, width)
    sanne = await logged_in_page(browser, contexts, complaints, wijk, "sanne", language, width)

    # Bram finds the process among what he can take part in now, and proposes with a photo.
    await bram.get_by_role("link", name=process.title).first.click()
    await expect(bram.get_by_role("heading", level=1)).to_contain_text(process.title)
    await bram.get_by_label(t("Title")).fill("Bankjes langs de Helperzoom")
    await bram.get_by_label(t("Your proposal")).fill("Drie bankjes om even uit te rusten.")
    await bram.get_by_label(t("Estimated cost in %(currency)s", currency="EUR")).fill("6000")
    await bram.get_by_label(t("An image (optional)")).set_input_files(
        {"name": "bank.png", "mimeType": "image/png", "buffer": png(40, 30)}
    )
    await bram.get_by_label(t("What the image shows (needed with an image)")).fill(
        "Een lege stoep langs de Helperzoom"
    )
    await bram.get_by_role("button", name=t("Submit proposal")).click()
    proposed = bram.get_by_role("status").filter(has_text=t(DONE["proposed"]))
    await expect(proposed).to_be_focused()
    await expect(bram.get_by_role("img", name="Een lege stoep langs de Helperzoom")).to_be_visible()
    [proposal] = await wijk.node.participation_store.proposals_of(process.uri)

    await set_phase(services, process, "supporting")
    # Sanne finds it with the search of the process page, supports it and says why.
    await sanne.goto(f"{wijk.base_url}/processes/{process.slug}")
    await sanne.get_by_label(t("Search in titles")).fill("Bankjes")
    await sanne.get_by_role("button", name=t("Show")).click()
    await sanne.get_by_role("link", name="Bankjes langs de Helperzoom").click()
    await sanne.get_by_role("button", name=t("Support this proposal")).click()
    await expect(
        sanne.get_by_role("status").filter(has_text=t("Your support has been counted."))
    ).to_be_focused()
    await sanne.get_by_label(t("for"), exact=True).check()
    await sanne.get_by_label(t("Your comment")).fill("Fijn voor wie slecht ter been is.")
    await sanne.get_by_role("button", name=t("Post comment")).click()
    await expect(
        sanne.get_by_role("status").filter(
            has_text=t("Your comment has been placed under Comments.")
        )
    ).to_be_focused()
    assert await wijk.node.participation_store.support_count(proposal.uri) == 1

    # The vote and the ballot open, as the schedule opens them at the voting phase.
    await set_phase(services, process, "voting")
    question = await open_vote(services, proposal.uri, in_a_week())
    await open_budget_ballot(services, process.uri, in_a_week())

    await bram.goto(f"{wijk.base_url}/processes/{process.slug}")
    await bram.get_by_role("link", name=t("Vote now")).click()
    await bram.get_by_role("group", name=proposal.title).get_by_label(t("for")).check()
    vote_receipt = await _receipt_after(bram, t("Vote"), t("Your vote has been counted."))
    total = bram.locator("#ballot-total")
    await bram.get_by_role("checkbox", name=re.compile(re.escape(proposal.title))).check()
    await expect(total).to_have_text(
        t(
            "Chosen: %(total)s. Left: %(left)s.",
            total=readable_amount(6_000, "EUR", language),
            left=readable_amount(4_000, "EUR", language),
        )
    )
    await bram.screenshot(
        path=f"{SCREENSHOTS}/samenspraak-journey-ballot-{language}-{width}px.png", full_page=True
    )
    ballot_receipt = await _receipt_after(
        bram, t("Submit ballot"), t("Your ballot has been counted.")
    )

    # Both close; the result is published and the receipts are among the counted ones.
    await close_vote(services, question.uri)
    await close_budget(services, process.uri)
    await bram.get_by_role("link", name=t("Results")).first.click()
    await expect(bram.get_by_role("heading", level=1)).to_contain_text(process.title)
    for receipt in (vote_receipt, ballot_receipt):
        await bram.get_by_label(t("Receipt code")).fill(receipt)
        await bram.get_by_role("button", name=t("Check")).click()
        await expect(bram).to_have_url(re.compile(f"receipt={receipt}"))
        await expect(bram.get_by_role("status")).to_contain_text(
            t("Your receipt is among the counted votes.")
        )
    sideways = await bram.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert sideways <= 0
    await bram.screenshot(
        path=f"{SCREENSHOTS}/samenspraak-journey-results-{language}-{width}px.png", full_page=True
    )
    assert complaints == []
