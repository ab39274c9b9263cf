"""A new organiser runs a whole budget process from the browser alone, in headless
Chromium: an administrator makes a colleague organiser on /admin/roles; she opens a decide
process with a budget on /organise/new, imports the address register (its bad rows refused
and reported by line before she confirms), downloads the letters with codes as a PDF; a
resident confirms his address with a code from it on /verify and proposes; she moves the
process to voting and opens the budget ballot; he fills it in; she closes it, and the
results page shows the proposal chosen. Screenshots go to
/tmp/samenspraak-organiser-<step>.png and their names are printed.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from node.clock import utc_now
from node.i18n import LOCAL_TIME, translator
from node.runner import RunningNode
from tests.browser.conftest import StartNode, watch_policies
from tests.browser.test_accessibility import axe_problems
from tests.integration.participation_helpers import person

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCREENSHOTS = "/tmp"
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
REGISTER = (
    "postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;wijk;ingeschrevenen\n"
    "9722 AB;4;;;Van Iddekingeweg;Groningen;De Wijert;2\n"
    "9722 AB;6;a;;Van Iddekingeweg;Groningen;De Wijert;1\n"
    "97 AB;8;;;Van Iddekingeweg;Groningen;De Wijert;1\n"
    "9722 AB;;;;Van Iddekingeweg;Groningen;De Wijert;1\n"
    "9722 AB;4;;;Van Iddekingeweg;Groningen;De Wijert;1\n"
)
T = translator("nl")


def day(days: int) -> str:
    """The date ``days`` from today, as a date input takes it."""
    # A day as the organiser's date picker gives it: a Dutch day, as the pages read it.
    return (utc_now() + timedelta(days=days)).astimezone(LOCAL_TIME).date().isoformat()


async def shot(page: Page, step: str, journey: str = "organiser") -> None:
    """Save the whole page as /tmp/samenspraak-<journey>-<step>.png and print its name."""
    path = f"{SCREENSHOTS}/samenspraak-{journey}-{step}.png"
    await page.screenshot(path=path, full_page=True)
    print(path)


async def new_decide_process(page: Page, running: RunningNode, slug: str, title: str) -> None:
    """From /organise to the form of a new process, with its name and kind filled in."""
    await page.goto(f"{running.base_url}/organise")
    await page.get_by_role("link", name=T("Start a new process")).click()
    await page.get_by_label(T("Short name in addresses")).fill(slug)
    await page.get_by_label(T("Title"), exact=True).fill(title)
    await page.get_by_label(T("Kind of process")).select_option("decide")


async def fill_phase_dates(page: Page, first: int) -> None:
    """Fill in the new process's phases: proposals from ``first`` days from today for ten
    days, then voting for ten days."""
    await page.get_by_label(T("Making proposals: first day")).fill(day(first))
    await page.get_by_label(T("Making proposals: last day")).fill(day(10))
    await page.get_by_label(T("Voting: first day")).fill(day(11))
    await page.get_by_label(T("Voting: last day")).fill(day(20))


async def make_organiser(admin: Page, running: RunningNode, username: str, reason: str) -> None:
    """The administrator makes ``username`` organiser on /admin/roles, and is told so."""
    await admin.goto(f"{running.base_url}/admin/roles")
    await admin.get_by_label(T("Account"), exact=True).select_option(username)
    await admin.get_by_label(T("New role")).select_option("organiser")
    await admin.get_by_label(T("Reason (shown in the moderation log)")).fill(reason)
    await admin.get_by_role("button", name=T("Change the role")).click()
    await confirmed(admin, username)


async def _logged_in(
    browser: Browser,
    contexts: list[BrowserContext],
    complaints: list[str],
    running: RunningNode,
    username: str,
    password: str = "wachtwoord-123",
    *,
    axe: bool = False,
) -> Page:
    """Logged in; with ``axe`` the context lets the test put axe-core into its pages, as
    tests/browser/test_accessibility.py does (the node's policy rightly refuses it)."""
    context = await browser.new_context(
        locale="nl-NL",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
        bypass_csp=axe,
    )
    contexts.append(context)
    page = await context.new_page()
    watch_policies(page, complaints)
    await page.goto(f"{running.base_url}/login?lang=nl")
    await page.get_by_label(T("User name")).fill(username)
    await page.get_by_label(T("Password")).fill(password)
    await page.get_by_role("button", name=T("Log in")).click()
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    return page


async def confirmed(page: Page, text: str) -> None:
    """The page confirms what was done, with ``text`` in it, and has put the focus there."""
    await expect(page.get_by_role("status").filter(has_text=text)).to_be_focused()


async def test_a_new_organiser_runs_a_budget_process_from_the_browser_start_to_result(
    start: StartNode, browser: Browser, contexts: list[BrowserContext]
) -> None:
    wijk = await start("wijert", "Wijkdeal De Wijert")
    assert wijk.admin is not None
    await person(wijk, "sanne")
    await person(wijk, "bram")
    complaints: list[str] = []

    # The administrator makes Sanne organiser.
    admin = await _logged_in(browser, contexts, complaints, wijk, "admin", wijk.admin.password)
    await make_organiser(admin, wijk, "sanne", "Wijkbudget 2027")
    await shot(admin, "1-role")

    # Sanne opens a decide process with a budget, only for confirmed residents.
    sanne = await _logged_in(browser, contexts, complaints, wijk, "sanne", axe=True)
    await new_decide_process(sanne, wijk, "wijkbudget", "Wijkbudget De Wijert")
    await sanne.get_by_label(T("Who may take part")).select_option("verified-local")
    await sanne.get_by_label(T("Supports needed")).fill("1")
    await fill_phase_dates(sanne, -1)
    await sanne.get_by_label(T("Budget to divide")).fill("10000")
    await sanne.get_by_label(T("Most proposals on a ballot")).fill("2")
    await sanne.get_by_role("button", name=T("Open the process")).click()
    await confirmed(sanne, "Wijkbudget De Wijert")
    await shot(sanne, "2-process")

    # She imports the register: the preview reports the bad rows; only her confirmation imports.
    await sanne.get_by_role("link", name=T("Address register and letters")).click()
    await sanne.get_by_label(T("Register file (CSV)")).set_input_files(
        {"name": "adressen.csv", "mimeType": "text/csv", "buffer": REGISTER.encode()}
    )
    await sanne.get_by_role("button", name=T("Show what will be imported")).click()
    preview = sanne.get_by_role("heading", name=T("Preview: nothing has been imported yet"))
    await expect(preview).to_be_focused()
    refused = sanne.get_by_role("table", name=T("Refused rows"))
    await expect(refused.get_by_role("row")).to_have_count(4)  # its head and three rows
    await expect(refused).to_contain_text("'97 AB' is geen Nederlandse postcode")
    await expect(refused).to_contain_text(T("The house number is missing."))
    await expect(refused).to_contain_text("9722AB 4 staat al op regel 2.")
    assert await axe_problems(sanne) == []
    await shot(sanne, "3-register-preview")
    assert await wijk.node.addresses.count() == 0
    await sanne.get_by_role("button", name="2 adressen inlezen").click()
    await confirmed(sanne, "Het adressenbestand bevat nu 2 adressen")
    assert await wijk.node.addresses.count() == 2

    # She downloads the letters of postcode area 9722: one page per address.
    await sanne.get_by_label(T("Postcode area")).fill("9722")
    async with sanne.expect_download() as downloading:
        await sanne.get_by_role("button", name=T("Download the letters (PDF)")).click()
    download = await downloading.value
    pdf = PdfReader(io.BytesIO((await download.path()).read_bytes()))
    pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) == 2 and "Van Iddekingeweg 4" in pages[0]
    print(f"{SCREENSHOTS}/samenspraak-organiser-4-letters.pdf")
    await download.save_as(f"{SCREENSHOTS}/samenspraak-organiser-4-letters.pdf")
    code = CODE.findall(pages[1])[0]

    # Bram confirms his address with the code from his letter, then proposes.
    bram = await _logged_in(browser, contexts, complaints, wijk, "bram")
    await bram.goto(f"{wijk.base_url}/verify")
    await bram.get_by_label(T("Code from the letter")).fill(code)
    await bram.get_by_role("button", name=T("Confirm"), exact=True).click()
    await expect(bram.locator("main")).to_contain_text("De Wijert")
    await shot(bram, "5-verified")
    await bram.goto(f"{wijk.base_url}/processes/wijkbudget")
    await bram.get_by_label(T("Title")).fill("Bankjes langs de Helperzoom")
    await bram.get_by_label(T("Your proposal")).fill("Drie bankjes om even uit te rusten.")
    await bram.get_by_label(T("Estimated cost in %(currency)s", currency="EUR")).fill("6000")
    await bram.get_by_role("button", name=T("Submit proposal")).click()
    await expect(bram.get_by_role("status")).to_be_focused()

    # Sanne moves the process to voting and opens the ballot until a date.
    await sanne.goto(f"{wijk.base_url}/organise")
    move = T("Move to the phase: %(phase)s", phase=T("voting"))
    await sanne.get_by_role("button", name=move).click()
    await confirmed(sanne, "Wijkbudget De Wijert")
    await sanne.get_by_label(T("The ballot ends on")).fill(day(5))
    await sanne.get_by_role("button", name=T("Open the budget ballot")).click()
    await confirmed(sanne, "Wijkbudget De Wijert")
    await shot(sanne, "6-ballot-open")

    # Bram fills in the ballot.
    await bram.goto(f"{wijk.base_url}/processes/wijkbudget/vote")
    await bram.get_by_role("checkbox", name=re.compile("Bankjes langs de Helperzoom")).check()
    await bram.get_by_role("button", name=T("Submit ballot"), exact=True).click()
    await confirmed(bram, T("Your ballot has been counted."))
    await shot(bram, "7-ballot")

    # Sanne closes the ballot; the results page shows the proposal chosen.
    await sanne.goto(f"{wijk.base_url}/organise")
    await expect(sanne.locator("main")).to_contain_text("1 stembiljet")
    await sanne.get_by_role("button", name=T("Close the budget ballot now")).click()
    await confirmed(sanne, "1 stembiljetten")
    await shot(sanne, "8-closed")
    await sanne.goto(f"{wijk.base_url}/processes/wijkbudget/results")
    budget = sanne.get_by_role("region", name=T("Budget"))
    await expect(
        budget.get_by_role("row", name=re.compile("Bankjes langs de Helperzoom"))
    ).to_contain_text(T("yes"))
    await shot(sanne, "9-results")
    assert complaints == []
