"""A resident sets up notification e-mails in headless Chromium: a malformed address is
refused beside the field, the confirmation link from the mail (received by a real SMTP
server on loopback) opens a page with a button, and the unsubscribe link in a
notification mail stops that kind; axe-core finds no WCAG 2.1 A or AA violation on any
of these pages, in Dutch and in English."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from node.config import MailConfig
from node.participation.proposals import create_proposal
from node.participation.trail import change_status
from tests.browser.conftest import StartNode
from tests.browser.test_accessibility import axe_audit, axe_problems
from tests.integration.participation_helpers import open_process, person
from tests.integration.test_notification_mail import (
    SmtpServer,
    link_in,
    running_smtp,
    send_mail,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


smtp = pytest.fixture(running_smtp, name="smtp")


async def test_a_resident_sets_up_confirms_and_stops_e_mails_on_accessible_pages(
    start: StartNode, browser: Browser, smtp: SmtpServer
) -> None:
    mail = MailConfig(
        host="127.0.0.1", port=smtp.port, security="none", sender="noreply@wijert.example"
    )
    wijert = await start("wijert", "Wijkdeal De Wijert", mail=mail)
    ilse = await person(wijert, "ilse")
    # The context lets the test put axe-core into the pages, which the node's policy forbids.
    context = await browser.new_context(locale="nl-NL", bypass_csp=True)
    page: Page = await context.new_page()
    problems: list[str] = []
    try:
        await page.goto(wijert.base_url + "/login?lang=nl")
        await page.get_by_label("Gebruikersnaam").fill("ilse")
        await page.get_by_label("Wachtwoord").fill("wachtwoord-123")
        await page.get_by_role("button", name="Inloggen").click()
        await page.goto(wijert.base_url + "/me")
        await page.get_by_role("link", name="Meldingen per e-mail").click()
        for language in ("en", "nl"):
            problems += await axe_audit(page, f"{wijert.base_url}/me/mail?lang={language}")

        await page.get_by_label("E-mailadres").fill("ilse-thuis")
        await page.get_by_label("als een voorstel van mij een andere status krijgt").check()
        await page.get_by_role("button", name="Opslaan").click()
        await expect(page.get_by_role("alert")).to_contain_text("Dit is geen e-mailadres.")
        await expect(page.get_by_label("E-mailadres")).to_have_attribute("aria-invalid", "true")
        await expect(
            page.get_by_label("als een voorstel van mij een andere status krijgt")
        ).to_be_checked()
        problems += await axe_problems(page)

        await page.get_by_label("E-mailadres").fill("ilse@bewoners.example")
        await page.get_by_role("button", name="Opslaan").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "We hebben een e-mail gestuurd naar ilse@bewoners.example."
        )
        assert await send_mail(wijert) == 1
        [confirmation] = smtp.catcher.to("ilse@bewoners.example")
        confirm_url = wijert.base_url + link_in(confirmation, "/mail/confirm")
        problems += await axe_audit(page, confirm_url)
        await page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
        confirmed = page.get_by_role("status")
        await expect(confirmed).to_contain_text("ilse@bewoners.example is bevestigd")

        services = wijert.node.participation_services
        speeltuin = await open_process(wijert, "speeltuin", "initiate", threshold=5)
        bank = await create_proposal(services, ilse, speeltuin, "Een bank", "Om te zitten.")
        organisation = (await wijert.node.organisation()).uri
        await change_status(services, bank, "on_agenda", reason="In maart.", actor=organisation)
        assert await send_mail(wijert) == 1
        [_, status] = smtp.catcher.to("ilse@bewoners.example")
        stop_url = wijert.base_url + link_in(status, "/mail/unsubscribe")
        problems += await axe_audit(page, stop_url + "&lang=en")
        await page.get_by_role("button", name="Stop these e-mails").click()
        await expect(page.get_by_role("status")).to_contain_text("You no longer get these e-mails")
        unknown = await page.goto(f"{wijert.base_url}/mail/confirm?token=verzonnen")
        assert unknown is not None and unknown.status == 404
        await expect(page.get_by_role("alert")).to_contain_text("This link does not work")
        problems += await axe_problems(page)
    finally:
        await context.close()
    assert problems == [], "\n".join(problems)
