"""The seeded three-node demo network works as one, from the browser alone (issue 13):
on Gemeente Groningen the administrator invites a new colleague, who opens her account
with the link and confirms her address; the administrator makes her organiser on
/admin/roles. She opens a decide process on /organise/new. Bram of Wijkdeal De Wijert
gives his address on its page, follows it from his own node and proposes there; Anna of
the Wijkraad Oosterpark supports his proposal from hers. The organiser moves the process
to voting and opens the vote; Bram votes from De Wijert and the gemeente's moderator on
the gemeente itself; she closes the vote, the results page counts both votes from two
servers, and Bram sees the closed vote with its counts on his own node.

Between steps the nodes' workers deliver what was queued (``settle``, as the demo does)
and the gemeente's mail job sends its mail to an SMTP server on loopback. Screenshots go
to /tmp/samenspraak-demo-organiser-<step>.png and their names are printed.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from node.demo import DEMO_PASSWORD, settle
from node.i18n import translator
from node.runner import RunningNode
from tests.browser.conftest import StartNode, watch_policies
from tests.browser.test_accessibility import demo_network
from tests.browser.test_organiser_journey import (
    confirmed,
    day,
    fill_phase_dates,
    make_organiser,
    new_decide_process,
    shot,
)
from tests.integration import test_notification_mail as mails
from tests.integration.test_notification_mail import SmtpServer, link_in, send_mail

pytestmark = pytest.mark.asyncio(loop_scope="session")

smtp = pytest.fixture(mails.running_smtp, name="smtp")
JOURNEY = "demo-organiser"
PASSWORD = "stadhuis-aan-de-grote-markt-7"
T = translator("nl")


async def _visitor(browser: Browser, contexts: list[BrowserContext], complaints: list[str]) -> Page:
    context = await browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    contexts.append(context)
    page = await context.new_page()
    watch_policies(page, complaints)
    return page


async def _log_in(page: Page, running: RunningNode, username: str, password: str) -> None:
    await page.goto(f"{running.base_url}/login?lang=nl")
    await page.get_by_label(T("User name")).fill(username)
    await page.get_by_label(T("Password")).fill(password)
    await page.get_by_role("button", name=T("Log in")).click()
    await expect(page.locator("html")).to_have_attribute("lang", "nl")


async def test_a_new_organiser_runs_a_process_on_the_demo_network_with_residents_of_other_nodes(
    start: StartNode, browser: Browser, contexts: list[BrowserContext], smtp: SmtpServer
) -> None:
    nodes = await demo_network(start, {"gemeente": mails.mail_config(smtp, "gemeente")})
    gemeente, oosterpark, wijert = nodes["gemeente"], nodes["oosterpark"], nodes["wijert"]
    network = list(nodes.values())
    assert gemeente.admin is not None
    complaints: list[str] = []

    # The administrator makes an invitation link for a new colleague.
    admin = await _visitor(browser, contexts, complaints)
    await _log_in(admin, gemeente, "admin", gemeente.admin.password)
    await admin.goto(f"{gemeente.base_url}/admin/invitations")
    await admin.get_by_role("button", name=T("Make an invitation link")).click()
    link = await admin.locator("#invitation-link").inner_text()
    assert link.startswith(f"{gemeente.base_url}/signup?invite=")
    await shot(admin, "1-invitation", JOURNEY)

    # Lotte opens her account with it and confirms her address with the link mailed to her.
    lotte = await _visitor(browser, contexts, complaints)
    await lotte.goto(link)
    await lotte.get_by_label(T("User name"), exact=True).fill("lotte")
    await lotte.get_by_label(T("Display name"), exact=True).fill("Lotte Dijkstra (gebiedsteam)")
    await lotte.get_by_label(T("E-mail address"), exact=True).fill("lotte@groningen.example")
    await lotte.get_by_label(T("Password"), exact=True).fill(PASSWORD)
    await lotte.get_by_label(T("Password again")).fill(PASSWORD)
    await lotte.get_by_label(T("I accept these rules")).check()
    await lotte.get_by_role("button", name=T("Open my account")).click()
    await expect(lotte.get_by_role("status")).to_contain_text("Uw account lotte is gemaakt.")
    assert await send_mail(gemeente) == 1
    [confirmation] = smtp.catcher.to("lotte@groningen.example")
    await lotte.goto(gemeente.base_url + link_in(confirmation, "/signup/confirm"))
    await lotte.get_by_role("button", name=T("Confirm my e-mail address")).click()
    await expect(lotte.get_by_role("status")).to_contain_text("U kunt nu inloggen als lotte")
    await shot(lotte, "2-account", JOURNEY)

    # The administrator makes her organiser.
    await make_organiser(admin, gemeente, "lotte", "Speelplekken 2027")
    await shot(admin, "3-role", JOURNEY)

    # Lotte opens a decide process from today.
    await _log_in(lotte, gemeente, "lotte", PASSWORD)
    await new_decide_process(lotte, gemeente, "speelplekken", "Speelplekken in de stad")
    await lotte.get_by_label(T("Supports needed")).fill("1")
    await fill_phase_dates(lotte, 0)
    await lotte.get_by_role("button", name=T("Open the process")).click()
    await confirmed(lotte, "Speelplekken in de stad")
    await lotte.goto(f"{gemeente.base_url}/processes/speelplekken")
    await expect(lotte.get_by_role("heading", level=1)).to_have_text("Speelplekken in de stad")
    await shot(lotte, "4-process", JOURNEY)

    # Bram of De Wijert gives his address on its page and follows it from his own node.
    bram = await _visitor(browser, contexts, complaints)
    await bram.goto(f"{gemeente.base_url}/processes/speelplekken")
    await bram.get_by_label(T("Your fediverse address")).fill(f"@bram@{wijert.node.urls.host}")
    await bram.get_by_role("button", name=T("Continue on my server")).click()
    await expect(bram.get_by_role("heading", level=1)).to_have_text(T("Log in"))
    assert bram.url.startswith(f"{wijert.base_url}/login?next=")
    await bram.get_by_label(T("User name")).fill("bram")
    await bram.get_by_label(T("Password")).fill(DEMO_PASSWORD)
    await bram.get_by_role("button", name=T("Log in")).click()
    await expect(bram.get_by_role("heading", level=1)).to_have_text(
        T("Take part from your account")
    )
    assert bram.url.startswith(f"{wijert.base_url}/authorize_interaction")
    await bram.get_by_role("button", name=re.compile("^Volg ")).click()
    await expect(bram.get_by_role("status")).to_contain_text(
        "U volgt Speelplekken in de stad · Gemeente Groningen nu"
    )
    await settle(network)
    await bram.reload()
    await expect(bram.locator("main")).to_contain_text("U volgt")
    await shot(bram, "5-bram-follows", JOURNEY)

    # On his own node he finds the process among those elsewhere and proposes there.
    await bram.goto(f"{wijert.base_url}/processes")
    await bram.get_by_role("link", name="Speelplekken in de stad").click()
    assert bram.url.startswith(f"{wijert.base_url}/processes/speelplekken@")
    await bram.get_by_label(T("Title")).fill("Een trapveldje bij de Van Iddekingeweg")
    await bram.get_by_label(T("Your proposal")).fill("Twee doeltjes en een bankje.")
    await bram.get_by_role("button", name=T("Submit proposal")).click()
    await expect(bram.get_by_role("status")).to_be_focused()
    assert bram.url.startswith(f"{wijert.base_url}/proposals/")
    await settle(network)
    await shot(bram, "6-bram-proposes", JOURNEY)

    # The proposal is on the gemeente's page; Anna of Oosterpark supports it from hers.
    anna = await _visitor(browser, contexts, complaints)
    await anna.goto(f"{gemeente.base_url}/processes/speelplekken")
    await anna.get_by_role("link", name="Een trapveldje bij de Van Iddekingeweg").click()
    assert anna.url.startswith(f"{gemeente.base_url}/proposals/")
    await anna.get_by_label(T("Your fediverse address")).fill(f"@anna@{oosterpark.node.urls.host}")
    await anna.get_by_role("button", name=T("Continue on my server")).click()
    await expect(anna.get_by_role("heading", level=1)).to_have_text(T("Log in"))
    await anna.get_by_label(T("User name")).fill("anna")
    await anna.get_by_label(T("Password")).fill(DEMO_PASSWORD)
    await anna.get_by_role("button", name=T("Log in")).click()
    await expect(anna.get_by_role("heading", level=1)).to_have_text(
        "Een trapveldje bij de Van Iddekingeweg"
    )
    assert anna.url.startswith(f"{oosterpark.base_url}/proposals/")
    await anna.get_by_role("button", name=T("Support this proposal")).click()
    await expect(anna.get_by_text(T("You support this proposal."))).to_be_visible()
    await settle(network)
    await shot(anna, "7-anna-supports", JOURNEY)

    # Lotte sees the proposal with its support, moves to voting and opens the vote.
    await lotte.goto(f"{gemeente.base_url}/organise")
    section = lotte.get_by_role("region", name="Speelplekken in de stad")
    await expect(section).to_contain_text("1 voorstel")
    await expect(section).to_contain_text("1 keer gesteund")
    await expect(section).to_contain_text("1 volger")
    # Its figures count the participants per server: one from each neighbourhood node.
    await expect(section).to_contain_text(f"{wijert.node.urls.host}: 1")
    await expect(section).to_contain_text(f"{oosterpark.node.urls.host}: 1")
    move = T("Move to the phase: %(phase)s", phase=T("voting"))
    await section.get_by_role("button", name=move).click()
    await confirmed(lotte, "Speelplekken in de stad")
    section = lotte.get_by_role("region", name="Speelplekken in de stad")
    await section.get_by_label(T("The vote ends on")).fill(day(5))
    await section.get_by_role("button", name=T("Open the vote")).click()
    await confirmed(lotte, "Een trapveldje bij de Van Iddekingeweg")
    await shot(lotte, "8-vote-open", JOURNEY)
    await settle(network)

    # Bram votes from De Wijert; the gemeente's moderator votes on the gemeente itself.
    await bram.goto(f"{wijert.base_url}/votes")
    poll = bram.get_by_role("group", name=re.compile("Een trapveldje"))
    await poll.get_by_role("radio").first.check()
    await poll.get_by_role("button", name=T("Vote")).click()
    await expect(bram.get_by_role("status")).to_contain_text(
        T("Your vote has been sent to the process.")
    )
    await settle(network)
    await shot(bram, "9-bram-votes", JOURNEY)
    henk = await _visitor(browser, contexts, complaints)
    await _log_in(henk, gemeente, "moderator", DEMO_PASSWORD)
    await henk.goto(f"{gemeente.base_url}/processes/speelplekken/vote")
    await henk.get_by_role("radio").last.check()
    await henk.get_by_role("button", name=T("Vote")).first.click()
    await confirmed(henk, T("Your vote has been counted."))

    # Lotte closes the vote; the results count both votes, one from De Wijert.
    await lotte.goto(f"{gemeente.base_url}/organise")
    section = lotte.get_by_role("region", name="Speelplekken in de stad")
    await expect(section).to_contain_text("2 stemmen")
    await section.get_by_role("button", name=T("Close the vote now")).click()
    await confirmed(lotte, "is gesloten: 2 kiezers")
    await shot(lotte, "10-closed", JOURNEY)
    await lotte.goto(f"{gemeente.base_url}/processes/speelplekken/results")
    results = lotte.locator("main")
    await expect(results).to_contain_text("Een trapveldje bij de Van Iddekingeweg")
    await expect(results).to_contain_text("2 stemmers")
    await expect(results).to_contain_text("Stemmen kwamen van 2 servers.")
    for choice, votes in (("voor", 1), ("tegen", 0), ("onthouding", 1)):
        await expect(
            results.get_by_role("row", name=f"{choice} {votes}", exact=True)
        ).to_have_count(1)
    await shot(lotte, "11-results", JOURNEY)

    # On De Wijert Bram sees the vote closed, with the counts the gemeente published.
    await settle(network)
    await bram.goto(f"{wijert.base_url}/votes")
    poll = bram.get_by_role("group", name=re.compile("Een trapveldje"))
    await expect(poll).to_contain_text(T("(closed)"))
    await expect(poll).to_contain_text("2 stemmers")
    await expect(poll.get_by_role("radio", name="voor (1)")).to_be_checked()
    # The gemeente answered his vote with a receipt: his own node says it was counted.
    await expect(poll).to_contain_text("Uw stem (voor) is geteld.")
    await shot(bram, "12-bram-sees-result", JOURNEY)
    assert complaints == []
