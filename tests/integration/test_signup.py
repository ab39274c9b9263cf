"""Residents open accounts themselves, on the node's pages and from a Mastodon app
(Mastodon.py's ``create_account``): the address is confirmed through a link mailed to a
real SMTP server on loopback (aiosmtpd) before the account can log in; where a moderator
approves new accounts they do it on /moderation/signups or with the CLI, and where
registrations are closed an administrator's invitation link opens one account. Every
refusal says why beside its field, or in Mastodon's error details, and stores nothing."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon, MastodonAPIError

from node.participation.signup import remove_unconfirmed
from node.runner import RunningNode
from tests.integration.commands import samenspraak
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.test_notification_mail import (
    SmtpServer,
    follow_link_and_press,
    link_in,
    mail_config,
    running_smtp,
    send_mail,
)
from tests.integration.web_login import WebBrowser, logged_in, web_browser

smtp = pytest.fixture(running_smtp, name="smtp")

PASSWORD = "linde-boom-kastanje-42"
StartSignups = Callable[[str, str], Coroutine[Any, Any, RunningNode]]


@pytest.fixture
def start_signups(start: StartNode, smtp: SmtpServer) -> StartSignups:
    """Start a node that sends mail through the test's SMTP server and takes sign-ups as
    ``registrations`` says."""

    async def _start(handle: str, registrations: str) -> RunningNode:
        mail = mail_config(smtp, handle)
        return await start(handle, handle.title(), mail=mail, registrations=registrations)

    return _start


def field_errors(page: str) -> dict[str, str]:
    """The message shown beside each field of the sign-up form."""
    found = re.findall(r'<p class="error" id="signup-(\w+)-error">[^<]*?: ([^<]*)</p>', page)
    return {name: html.unescape(message) for name, message in found}


def signup_fields(username: str, email: str, **changes: str) -> dict[str, str]:
    fields = {
        "username": username,
        "display_name": username.title(),
        "email": email,
        "password": PASSWORD,
        "password_again": PASSWORD,
        "agreement": "on",
    }
    fields.update(changes)
    return {name: value for name, value in fields.items() if value != "-"}


async def with_staff(
    start_signups: StartSignups, handle: str, registrations: str, role: str
) -> RunningNode:
    """A node with ``staff`` in ``role`` and henk, a resident who may not do what staff do."""
    running = await start_signups(handle, registrations)
    for username, has in (("staff", role), ("henk", "resident")):
        await person(running, username, has)
    return running


async def nothing_stored(running: RunningNode, accounts: int) -> None:
    assert await running.node.accounts.count() == accounts
    assert await running.node.participation_services.mail_queue.counts() == {}


async def test_a_resident_opens_an_account_confirms_the_address_and_logs_in(
    start_signups: StartSignups, smtp: SmtpServer
) -> None:
    oosterpark = await start_signups("oosterpark", "open")
    await person(oosterpark, "anouk")
    accounts = await oosterpark.node.accounts.count()
    async with web_browser(oosterpark) as browser:
        login = await browser.get("/login?lang=en")
        assert f'<a href="{oosterpark.base_url}/signup">Open an account</a>' in login.text
        form = await browser.get("/signup")
        assert 'name="username"' in form.text and "I accept these rules" in form.text

        refused = await browser.post(
            "/signup",
            signup_fields(
                "anouk",
                "anouk-at-home",
                password="qwertyuiop",
                password_again="qwertyuiop!",
                agreement="-",
            ),
        )
        assert refused.status == 422
        assert field_errors(refused.text) == {
            "username": "This user name is taken. Choose another one.",
            "email": "This is not an e-mail address. An e-mail address looks like this:"
            " name@example.org.",
            "password": "This password is one of the most used passwords, so it is easy to"
            " guess. Choose another one.",
            "password_again": "The two passwords are not the same.",
            "agreement": "Accept the rules of this node to open an account.",
        }
        assert 'value="anouk-at-home"' in refused.text  # what was typed stays
        short = await browser.post(
            "/signup",
            signup_fields("bram", "bram@bewoners.example", password="kort", password_again="kort"),
        )
        assert field_errors(short.text) == {"password": "A password has at least 10 characters."}
        own_name = "bram-wachtwoord"
        named = await browser.post(
            "/signup",
            signup_fields(
                "bram", "bram@bewoners.example", password=own_name, password_again=own_name
            ),
        )
        assert field_errors(named.text) == {
            "password": "Your password must not contain your user name or e-mail address."
        }
        await nothing_stored(oosterpark, accounts)

        made = await browser.post("/signup", signup_fields("bram", "bram@bewoners.example"))
        assert made.status == 200, made.text
        assert "We sent an e-mail to bram@bewoners.example" in made.text
        assert await oosterpark.node.accounts.count() == accounts + 1
        again = await browser.post("/signup", signup_fields("bram2", "Bram@Bewoners.example"))
        assert field_errors(again.text) == {
            "email": "There is an account with this e-mail address already. Log in with it."
        }

        held = await browser.login("bram", PASSWORD)
        assert held.status == 403
        assert "You cannot log in yet: first confirm your e-mail address" in held.text
        assert "Send the link again" in held.text
        assert await send_mail(oosterpark) == 1
        resent = await browser.post("/signup/resend", {"username": "bram"})
        assert "we sent a new link to that address" in resent.text
        assert await send_mail(oosterpark) == 1
        first, second = smtp.catcher.to("bram@bewoners.example")
        assert second["Subject"] == "Confirm your e-mail address for Oosterpark"
        assert "You opened an account on Oosterpark with this e-mail address." in str(
            second.get_content()
        )
        old = await browser.get(link_in(first, "/signup/confirm"))
        assert old.status == 404 and "This link does not work" in old.text
        done = await follow_link_and_press(
            browser, link_in(second, "/signup/confirm"), "/signup/confirm"
        )
        assert "bram@bewoners.example is confirmed. You can log in now as bram." in done
    async with logged_in(oosterpark, "bram", PASSWORD) as browser:
        me = await browser.get("/me")
        assert me.status == 200 and "Bram" in me.text

    # A link opened after 48 hours is refused, and the account stays unconfirmed.
    async with web_browser(oosterpark) as browser:
        await browser.get("/signup?lang=en")
        await browser.post("/signup", signup_fields("carla", "carla@bewoners.example"))
        assert await send_mail(oosterpark) == 1
        [mail] = smtp.catcher.to("carla@bewoners.example")
        await oosterpark.node.db.execute(
            "UPDATE account_signups SET confirm_expires = ? WHERE confirmed = 0",
            (time.time() - 1,),
        )
        expired = await browser.get(link_in(mail, "/signup/confirm"))
        assert expired.status == 422 and "This link has expired: it works for 48 hours." in (
            expired.text
        )
        assert (await browser.login("carla", PASSWORD)).status == 403

    # A week later the node's periodic jobs remove the unconfirmed account: the user
    # name and address are free again.
    services = oosterpark.node.participation_services
    assert await remove_unconfirmed(services) == 0
    await oosterpark.node.db.execute(
        "UPDATE account_signups SET created_at = ? WHERE confirmed = 0",
        (time.time() - 8 * 86400,),
    )
    assert await remove_unconfirmed(services) == 1
    assert await oosterpark.node.accounts.by_username("carla") is None
    async with web_browser(oosterpark) as browser:
        await browser.get("/signup?lang=en")
        again = await browser.post("/signup", signup_fields("carla", "carla@bewoners.example"))
        assert again.status == 200 and field_errors(again.text) == {}


async def test_a_moderator_approves_or_rejects_new_accounts_on_a_page_or_with_the_cli(
    start_signups: StartSignups, smtp: SmtpServer
) -> None:
    wijert = await with_staff(start_signups, "wijert", "approval", "moderator")
    async with web_browser(wijert) as browser:
        form = await browser.get("/signup?lang=nl")
        assert "Een moderator van dit platform keurt elk nieuw account goed." in form.text
        fields = signup_fields("daan", "daan@bewoners.example", reason="Ik woon in de Wijert.")
        made = await browser.post("/signup", fields)
        assert made.status == 200, made.text
        assert await send_mail(wijert) == 1
        [mail] = smtp.catcher.to("daan@bewoners.example")
        done = await follow_link_and_press(
            browser, link_in(mail, "/signup/confirm"), "/signup/confirm"
        )
        assert "Een moderator van dit platform moet uw account nog goedkeuren." in done
        held = await browser.login("daan", PASSWORD)
        assert held.status == 403 and "moet uw account nog goedkeuren" in held.text
        assert "Stuur de link opnieuw" not in held.text

    async with logged_in(wijert, "henk") as resident:
        assert (await resident.get("/moderation/signups")).status == 403
    async with logged_in(wijert, "staff") as moderator:
        page = await moderator.get("/moderation/signups?lang=en")
        assert "Daan (@daan)" in page.text and "Ik woon in de Wijert." in page.text
        assert "e-mail address confirmed" in page.text
        no_reason = await moderator.post(
            "/moderation/signups", {"username": "daan", "decision": "reject", "reason": " "}
        )
        assert no_reason.status == 422
        assert "Give a reason. The person gets it by e-mail." in no_reason.text
        approved = await moderator.post(
            "/moderation/signups", {"username": "daan", "decision": "approve"}
        )
        assert "daan is approved and gets an e-mail." in approved.text
        assert "No new accounts wait for approval." in approved.text
    assert await send_mail(wijert) == 1
    [_, approval] = smtp.catcher.to("daan@bewoners.example")
    assert approval["Subject"] == "Uw account op Wijert is goedgekeurd"
    async with web_browser(wijert) as browser:
        assert (await browser.login("daan", PASSWORD)).status == 303

    # Eva's sign-up is rejected with the CLI: she gets the reason, her name is free again.
    async with web_browser(wijert) as browser:
        await browser.get("/signup?lang=en")
        await browser.post("/signup", signup_fields("eva", "eva@elders.example"))
    directory = str(wijert.node.data_dir)
    status, out, err = await samenspraak(
        "account", "reject", directory, "eva", "--reason", "Eva woont niet in de Wijert."
    )
    assert status == 0, err
    assert "Rejected and removed eva" in out
    status, _, err = await samenspraak("account", "approve", directory, "eva")
    assert status != 0 and "no account 'eva' waits for approval" in err
    assert await send_mail(wijert) == 2
    _, rejection = smtp.catcher.to("eva@elders.example")
    assert rejection["Subject"] == "Your account on Wijert is not approved"
    assert "Reason: Eva woont niet in de Wijert." in str(rejection.get_content())
    assert await wijert.node.accounts.by_username("eva") is None
    # The public log shows the approval by user name and the rejection without naming
    # Eva, who never joined; never the reason written to her.
    async with web_browser(wijert) as browser:
        log = (await browser.get("/moderation?lang=en")).text
        assert (
            f'sign-up approved</strong>: <span class="subject">{wijert.base_url}/actors/daan' in log
        )
        assert "sign-up rejected</strong></p>" in log and "/actors/eva" not in log
        assert "by the moderators" in log and "by the administrators" in log
        assert "Eva woont niet" not in log and "elders.example" not in log
        await browser.get("/signup?lang=en")
        again = await browser.post("/signup", signup_fields("eva", "eva@elders.example"))
        assert again.status == 200 and field_errors(again.text) == {}


async def test_closed_registrations_open_one_account_per_invitation_link(
    start_signups: StartSignups, smtp: SmtpServer
) -> None:
    paddepoel = await with_staff(start_signups, "paddepoel", "closed", "admin")
    accounts = await paddepoel.node.accounts.count()
    async with web_browser(paddepoel) as browser:
        await browser.get("/signup?lang=en")
        closed = await browser.post("/signup", signup_fields("fenna", "fenna@bewoners.example"))
        assert field_errors(closed.text) == {
            "invite_code": "This node opens accounts only with an invitation. Ask the"
            " administrators of this node for an invitation link."
        }
        await nothing_stored(paddepoel, accounts)

    async with logged_in(paddepoel, "henk") as resident:
        assert (await resident.get("/admin/invitations")).status == 403
    async with logged_in(paddepoel, "staff") as admin:
        await admin.get("/admin/invitations?lang=en")
        wrong = await admin.post("/admin/invitations", {"days": "365"})
        assert wrong.status == 422 and "valid for 1 to 90 days" in wrong.text
        made = await admin.post("/admin/invitations", {"days": "7"})
        found = re.search(r'<code id="invitation-link">([^<]+)</code>', made.text)
        assert found, made.text
        link = html.unescape(found[1])
    assert link.startswith(f"{paddepoel.base_url}/signup?invite=")

    async with web_browser(paddepoel) as browser:
        page = await browser.get(link.removeprefix(paddepoel.base_url) + "&lang=en")
        code = link.partition("invite=")[2]
        assert f'value="{code}"' in page.text
        fields = signup_fields("fenna", "fenna@bewoners.example", invite_code=code)
        made = await browser.post("/signup", fields)
        assert made.status == 200 and field_errors(made.text) == {}
        used = await browser.post(
            "/signup", signup_fields("gerrit", "gerrit@bewoners.example", invite_code=code)
        )
        assert field_errors(used.text) == {
            "invite_code": "This invitation link does not work: it is unknown or used already."
        }
    assert await send_mail(paddepoel) == 1
    [mail] = smtp.catcher.to("fenna@bewoners.example")
    async with web_browser(paddepoel) as browser:
        await follow_link_and_press(browser, link_in(mail, "/signup/confirm"), "/signup/confirm")
        # An invitation needs no moderator's approval.
        assert (await browser.login("fenna", PASSWORD)).status == 303

    status, out, err = await samenspraak("account", "invite", str(paddepoel.node.data_dir))
    assert status == 0, err
    code = out.split("invite=")[1].split()[0]
    async with web_browser(paddepoel) as browser:
        log = (await browser.get("/moderation?lang=en")).text
    # Both invitations are in the public log with the day they stop working, never the link.
    assert log.count("invitation made, valid until</strong>") == 2
    assert code not in log and link.partition("invite=")[2] not in log
    await paddepoel.node.db.execute("UPDATE invitations SET expires_at = ?", (time.time() - 1,))
    async with web_browser(paddepoel) as browser:
        await browser.get(f"/signup?invite={code}&lang=en")
        expired = await browser.post(
            "/signup", signup_fields("gerrit", "gerrit@bewoners.example", invite_code=code)
        )
        assert field_errors(expired.text) == {
            "invite_code": "This invitation link has expired. Ask the administrators for a new one."
        }

    async with aiohttp.ClientSession() as http:
        async with http.get(paddepoel.base_url + "/api/v1/instance") as response:
            instance = await response.json()
        async with http.get(paddepoel.base_url + "/nodeinfo/2.1") as response:
            nodeinfo = await response.json()
    assert instance["registrations"] is False and instance["invites_enabled"] is True
    assert nodeinfo["openRegistrations"] is False


async def test_a_mastodon_app_opens_an_account_whose_token_works_once_confirmed(
    start_signups: StartSignups, start: StartNode, smtp: SmtpServer
) -> None:
    selwerd = await start_signups("selwerd", "approval")
    plain = await start("plain")
    async with aiohttp.ClientSession() as http:
        for running, registrations, approval in ((selwerd, True, True), (plain, False, False)):
            async with http.get(running.base_url + "/api/v2/instance") as response:
                v2 = (await response.json())["registrations"]
            async with http.get(running.base_url + "/nodeinfo/2.0") as response:
                nodeinfo = await response.json()
            assert v2["enabled"] is registrations and v2["approval_required"] is approval
            assert nodeinfo["openRegistrations"] is registrations
    await person(selwerd, "ingrid")
    base = selwerd.base_url
    client_id, secret = await asyncio.to_thread(Mastodon.create_app, "Buurtapp", api_base_url=base)
    app = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)

    _, error = await asyncio.to_thread(
        app.create_account,
        "ingrid",
        "1234567890",
        "ingrid-selwerd",
        agreement=False,
        return_detailed_error=True,
    )
    assert error["error"].startswith("Validation failed: ")
    details = {
        name: [(e["error"], e["description"]) for e in found]
        for name, found in error["details"].items()
        if found  # Mastodon.py's entity lists every field Mastodon knows
    }
    assert details == {
        "username": [("ERR_TAKEN", "This user name is taken. Choose another one.")],
        "email": [
            (
                "ERR_INVALID",
                "This is not an e-mail address. An e-mail address looks like this:"
                " name@example.org.",
            )
        ],
        "password": [
            (
                "ERR_INVALID",
                "This password is one of the most used passwords, so it is easy to guess."
                " Choose another one.",
            )
        ],
        "agreement": [("ERR_ACCEPTED", "Accept the rules of this node to open an account.")],
    }
    _, short = await asyncio.to_thread(
        app.create_account,
        "jan",
        "kort",
        "jan@bewoners.example",
        agreement=True,
        return_detailed_error=True,
    )
    assert short["details"]["password"][0]["error"] == "ERR_TOO_SHORT"
    assert await selwerd.node.accounts.by_username("jan") is None

    token = await asyncio.to_thread(
        app.create_account,
        "jan",
        PASSWORD,
        "jan@bewoners.example",
        agreement=True,
        reason="Ik woon aan de Selwerderdiepen.",
        locale="nl",
    )
    assert token
    jan = Mastodon(access_token=token, api_base_url=base)
    with pytest.raises(MastodonAPIError) as unconfirmed:
        await asyncio.to_thread(jan.account_verify_credentials)
    assert "Your login is missing a confirmed e-mail address" in str(unconfirmed.value)
    assert await send_mail(selwerd) == 1
    [mail] = smtp.catcher.to("jan@bewoners.example")
    assert mail["Subject"] == "Bevestig uw e-mailadres voor Selwerd"
    browser: WebBrowser
    async with web_browser(selwerd) as browser:
        await follow_link_and_press(browser, link_in(mail, "/signup/confirm"), "/signup/confirm")
    with pytest.raises(MastodonAPIError) as waiting:
        await asyncio.to_thread(jan.account_verify_credentials)
    assert "Your login is currently pending approval" in str(waiting.value)
    status, _, err = await samenspraak("account", "approve", str(selwerd.node.data_dir), "jan")
    assert status == 0, err
    me = await asyncio.to_thread(jan.account_verify_credentials)
    assert me["username"] == "jan"
