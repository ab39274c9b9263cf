"""A resident opens an account in headless Chromium, confirms the address with the link
from the mail a real SMTP server on loopback received, is approved by a moderator, resets
a forgotten password, looks at their account page, downloads their data and deletes their
account; an administrator makes an invitation link. axe-core finds no WCAG 2.1 A or AA
violation on any of these pages, refusals included, in Dutch and in English."""

from __future__ import annotations

import asyncio
import json

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import StartNode
from tests.browser.test_accessibility import axe_audit, axe_problems
from tests.integration import test_notification_mail as mails
from tests.integration.participation_helpers import person
from tests.integration.test_notification_mail import SmtpServer, link_in, send_mail

pytestmark = pytest.mark.asyncio(loop_scope="session")

smtp = pytest.fixture(mails.running_smtp, name="smtp")
PASSWORD = "eikenboom-aan-de-gracht-9"
NEW_PASSWORD = "beukenhaag-bij-het-park-4"


async def log_in(page: Page, base: str, username: str, password: str) -> None:
    await page.goto(base + "/login?lang=nl")
    await page.get_by_label("Gebruikersnaam").fill(username)
    await page.get_by_label("Wachtwoord").fill(password)
    await page.get_by_role("button", name="Inloggen").click()


async def in_both_languages(page: Page, url: str) -> list[str]:
    """What axe-core finds on ``url`` in English and then in Dutch (the page stays Dutch)."""
    joiner = "&" if "?" in url else "?"
    return [
        problem
        for language in ("en", "nl")
        for problem in await axe_audit(page, f"{url}{joiner}lang={language}")
    ]


async def test_sign_up_approval_reset_and_account_pages_are_accessible(
    start: StartNode, browser: Browser, smtp: SmtpServer
) -> None:
    wijert = await start(
        "wijert",
        "Wijkdeal De Wijert",
        mail=mails.mail_config(smtp, "wijert"),
        registrations="approval",
    )
    await person(wijert, "mieke", "moderator")
    await person(wijert, "beheer", "admin")
    base = wijert.base_url
    context = await browser.new_context(locale="nl-NL", bypass_csp=True)
    page: Page = await context.new_page()
    problems: list[str] = []
    try:
        await page.goto(base + "/login?lang=nl")
        await page.get_by_role("link", name="Account maken").click()
        problems += await in_both_languages(page, base + "/signup")
        await page.get_by_label("Gebruikersnaam", exact=True).fill("daan")
        await page.get_by_label("E-mailadres").fill("daan-thuis")
        await page.get_by_label("Wachtwoord", exact=True).fill("qwertyuiop")
        await page.get_by_label("Wachtwoord nog een keer").fill("qwertyuiop")
        await page.get_by_role("button", name="Maak mijn account").click()
        await expect(page.get_by_role("alert")).to_contain_text("Er is een probleem")
        await expect(page.get_by_label("E-mailadres")).to_have_attribute("aria-invalid", "true")
        await expect(page.get_by_label("Ik ga akkoord met deze regels")).to_have_attribute(
            "aria-invalid", "true"
        )
        problems += await axe_problems(page)

        await page.get_by_label("E-mailadres").fill("daan@bewoners.example")
        await page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        await page.get_by_label("Wachtwoord nog een keer").fill(PASSWORD)
        await page.get_by_label("Waarom wilt u een account?").fill("Ik woon in de Wijert.")
        await page.get_by_label("Ik ga akkoord met deze regels").check()
        await page.get_by_role("button", name="Maak mijn account").click()
        await expect(page.get_by_role("status")).to_contain_text("Uw account daan is gemaakt.")
        problems += await axe_problems(page)

        await log_in(page, base, "daan", PASSWORD)
        await expect(page.get_by_role("alert")).to_contain_text("bevestig eerst uw e-mailadres")
        await expect(page.get_by_role("button", name="Stuur de link opnieuw")).to_be_visible()
        problems += await axe_problems(page)
        assert await send_mail(wijert) == 1
        [confirmation] = smtp.catcher.to("daan@bewoners.example")
        problems += await axe_audit(page, base + link_in(confirmation, "/signup/confirm"))
        await page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
        await expect(page.get_by_role("status")).to_contain_text("moet uw account nog goedkeuren")

        await log_in(page, base, "mieke", "wachtwoord-123")
        problems += await in_both_languages(page, base + "/moderation/signups")
        await page.get_by_role("button", name="Goedkeuren").click()
        await expect(page.get_by_role("status")).to_contain_text("daan is goedgekeurd")
        problems += await axe_problems(page)

        await log_in(page, base, "beheer", "wachtwoord-123")
        problems += await in_both_languages(page, base + "/admin/invitations")
        await page.get_by_role("button", name="Maak een uitnodigingslink").click()
        await expect(page.get_by_role("status")).to_contain_text("/signup?invite=")
        problems += await axe_problems(page)
        await page.goto(base + "/logout")
        await page.get_by_role("button").last.click()

        await page.goto(base + "/login?lang=nl")
        await page.get_by_role("link", name="Wachtwoord vergeten?").click()
        problems += await axe_problems(page)
        await page.get_by_label("Gebruikersnaam of e-mailadres").fill("daan")
        await page.get_by_role("button", name="Stuur mij een link").click()
        await expect(page.get_by_role("status")).to_contain_text("De link werkt een uur.")
        assert await send_mail(wijert) == 2
        reset = smtp.catcher.to("daan@bewoners.example")[-1]
        problems += await in_both_languages(page, base + link_in(reset, "/password/reset"))
        await page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
        await page.get_by_label("Wachtwoord nog een keer").fill("iets-anders-dan-dat")
        await page.get_by_role("button", name="Bewaar mijn nieuwe wachtwoord").click()
        await expect(page.get_by_label("Wachtwoord nog een keer")).to_have_attribute(
            "aria-invalid", "true"
        )
        problems += await axe_problems(page)
        await page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
        await page.get_by_label("Wachtwoord nog een keer").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Bewaar mijn nieuwe wachtwoord").click()
        await expect(page.get_by_role("status")).to_contain_text("Uw wachtwoord is gewijzigd.")

        await log_in(page, base, "daan", NEW_PASSWORD)
        await page.goto(base + "/me")
        await page.get_by_role("link", name="Mijn account").click()
        problems += await in_both_languages(page, base + "/me/account")
        await page.get_by_label("Huidig wachtwoord").fill("niet-goed")
        await page.get_by_role("button", name="Wijzig mijn wachtwoord").click()
        await expect(page.get_by_label("Huidig wachtwoord")).to_have_attribute(
            "aria-invalid", "true"
        )
        problems += await axe_problems(page)

        # Daan downloads what the node keeps about him, then deletes his account: a wrong
        # password is refused beside its field, the right one deletes it, and he can no
        # longer log in.
        async with page.expect_download() as downloading:
            await page.get_by_role("link", name="Download mijn gegevens (JSON)").click()
        saved = await (await downloading.value).path()
        exported = json.dumps(json.loads(await asyncio.to_thread(saved.read_text)))
        assert "daan" in exported and "daan@bewoners.example" in exported
        assert PASSWORD not in exported and NEW_PASSWORD not in exported
        await page.get_by_label("Uw wachtwoord", exact=True).fill("niet-goed")
        await page.get_by_role("button", name="Verwijder mijn account voorgoed").click()
        await expect(page.get_by_label("Uw wachtwoord", exact=True)).to_have_attribute(
            "aria-invalid", "true"
        )
        assert await wijert.node.accounts.by_username("daan") is not None
        await page.get_by_label("Uw wachtwoord", exact=True).fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Verwijder mijn account voorgoed").click()
        await expect(page.get_by_role("status")).to_contain_text("Uw account daan is verwijderd.")
        problems += await axe_problems(page)
        assert await wijert.node.accounts.by_username("daan") is None
        await log_in(page, base, "daan", NEW_PASSWORD)
        await expect(page.get_by_role("alert")).to_be_visible()
    finally:
        await context.close()
    assert problems == [], "\n".join(problems)
