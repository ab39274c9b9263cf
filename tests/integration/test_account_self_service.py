"""A resident looks after their own account on /me/account: they give or change their
e-mail address (confirmed through the link mailed to a real SMTP server on loopback, the
old address kept until then) and change their password with the current one; a
forgotten password is reset through a link mailed to the confirmed address (valid an
hour, used once), after which every session and app token of the account has ended.
Each refusal says why beside its field and changes nothing."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from mastodon import MastodonUnauthorizedError

from node.participation.comments import post_comment
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.voting import open_vote, record_vote
from node.social_actions import post_note
from tests.integration.conftest import StartNode, deliver
from tests.integration.oauth_browser import PASSWORD, logged_in_client, resident
from tests.integration.participation_helpers import open_process, person
from tests.integration.test_notification_mail import (
    SmtpServer,
    follow_link_and_press,
    link_in,
    running_smtp,
    send_mail,
)
from tests.integration.test_signup import (
    StartSignups,
    field_errors,
    signup_fields,
    start_signups,
)
from tests.integration.voting_scenarios import follow, in_a_week, process_with_proposals
from tests.integration.web_login import logged_in, web_browser

smtp = pytest.fixture(running_smtp, name="smtp")
__all__ = ["start_signups"]

NEW_PASSWORD = "kastanje-linde-beuk-77"
RESET_PASSWORD = "zomer-in-het-park-2026"


def account_errors(page: str, form: str) -> dict[str, str]:
    """The message beside each field of a form on /me/account or /password/reset."""
    return field_errors(page.replace(f'id="{form}-', 'id="signup-'))


async def test_a_resident_changes_address_and_password_and_resets_a_forgotten_one(
    start_signups: StartSignups, smtp: SmtpServer
) -> None:
    oosterpark = await start_signups("oosterpark", "open")
    await resident(oosterpark, "anouk")
    address = "anouk@bewoners.example"
    async with logged_in(oosterpark, "anouk", PASSWORD) as browser:
        page = await browser.get("/me/account?lang=en")
        assert "Your account has no confirmed e-mail address." in page.text
        refused = await browser.post("/me/account/email", {"email": "anouk-thuis"})
        assert refused.status == 422
        assert account_errors(refused.text, "email") == {
            "email": "This is not an e-mail address. An e-mail address looks like this:"
            " name@example.org."
        }
        asked = await browser.post("/me/account/email", {"email": address})
        assert f"We sent an e-mail to {address}." in asked.text
        assert f"{address} waits for confirmation" in asked.text
        assert await send_mail(oosterpark) == 1
        [mail] = smtp.catcher.to(address)
        assert "You gave this e-mail address for your account on Oosterpark." in str(
            mail.get_content()
        )
        done = await follow_link_and_press(
            browser, link_in(mail, "/me/account/confirm"), "/me/account/confirm"
        )
        assert f"{address} is now the e-mail address of your account." in done
        page = await browser.get("/me/account")
        assert f"Your e-mail address is {address}." in page.text

        wrong = await browser.post(
            "/me/account/password",
            {
                "current_password": "niet-mijn-wachtwoord",
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
        )
        assert account_errors(wrong.text, "password") == {
            "current_password": "This is not your current password."
        }
        common = await browser.post(
            "/me/account/password",
            {"current_password": PASSWORD, "password": "1q2w3e4r5t", "password_again": "x"},
        )
        assert account_errors(common.text, "password") == {
            "password": "This password is one of the most used passwords, so it is easy to"
            " guess. Choose another one.",
            "password_again": "The two passwords are not the same.",
        }
        changed = await browser.post(
            "/me/account/password",
            {
                "current_password": PASSWORD,
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
        )
        assert "Your password is changed." in changed.text
    async with web_browser(oosterpark) as other:
        assert (await other.login("anouk", PASSWORD)).status == 401
        assert (await other.login("anouk", NEW_PASSWORD)).status == 303

    # Anouk forgets her password while logged in on the pages and in an app.
    app = await logged_in_client(oosterpark, "anouk", NEW_PASSWORD)
    async with logged_in(oosterpark, "anouk", NEW_PASSWORD) as session:
        async with web_browser(oosterpark) as browser:
            login = await browser.get("/login?lang=en")
            assert "/password/forgot" in login.text
            await browser.get("/password/forgot")
            unknown = await browser.post("/password/forgot", {"name": "niemand"})
            asked = await browser.post("/password/forgot", {"name": "anouk"})
            same = "If there is an account with this user name or e-mail address, we sent a link"
            assert same in unknown.text and same in asked.text
            assert await send_mail(oosterpark) == 1
            [_, reset] = smtp.catcher.to(address)
            assert reset["Subject"] == "A new password for Oosterpark"
            path = link_in(reset, "/password/reset")
            form = await browser.get(path)
            assert form.status == 200 and 'name="password_again"' in form.text
            token = path.partition("token=")[2]
            mismatch = await browser.post(
                "/password/reset",
                {"token": token, "password": RESET_PASSWORD, "password_again": "anders"},
            )
            assert account_errors(mismatch.text, "reset") == {
                "password_again": "The two passwords are not the same."
            }
            done = await browser.post(
                "/password/reset",
                {"token": token, "password": RESET_PASSWORD, "password_again": RESET_PASSWORD},
            )
            assert "Your password is changed. You are logged out everywhere" in done.text
            used = await browser.get(path)
            assert used.status == 404 and "This link does not work" in used.text
        ended = await session.get("/me", follow=False)
        assert ended.status == 303 and ended.location is not None
        assert ended.location.startswith("/login")
    with pytest.raises(MastodonUnauthorizedError):
        await asyncio.to_thread(app.account_verify_credentials)
    async with web_browser(oosterpark) as browser:
        assert (await browser.login("anouk", NEW_PASSWORD)).status == 401
        assert (await browser.login("anouk", RESET_PASSWORD)).status == 303

        # A link opened after an hour is refused.
        await browser.get("/password/forgot?lang=en")
        again = await browser.post("/password/forgot", {"name": address.upper()})
        assert again.status == 200, again.text
        assert await send_mail(oosterpark) == 1
        late = smtp.catcher.to(address)[-1]
        await oosterpark.node.db.execute(
            "UPDATE password_resets SET expires_at = ?", (time.time() - 1,)
        )
        expired = await browser.get(link_in(late, "/password/reset"))
        assert expired.status == 422 and "This link has expired: it works for one hour." in (
            expired.text
        )


async def test_a_resident_downloads_their_data_and_deletes_the_account(
    start: StartNode, start_signups: StartSignups, smtp: SmtpServer
) -> None:
    oosterpark = await start_signups("oosterpark", "open")
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    services = oosterpark.node.participation_services
    await resident(oosterpark, "anouk")
    anouk = await services.actors.by_username("anouk")
    bram = await person(oosterpark, "bram")
    assert anouk is not None
    wethouder = await person(gemeente, "wethouder")
    await follow(gemeente, wethouder, anouk.uri)
    await deliver(gemeente, oosterpark)

    speeltuin = await open_process(oosterpark, "speeltuin", "initiate", threshold=5)
    own = await create_proposal(services, anouk, speeltuin, "Een schommel", "Voor de kleintjes.")
    other = await create_proposal(services, bram, speeltuin, "Een glijbaan", "Lang en hoog.")
    await support(services, anouk, other.uri)
    comment = await post_comment(services, anouk, other.uri, "Goed plan, Bram!")
    note = await post_note(oosterpark.node.social_services, anouk, "Wie komt er zaterdag?")
    _, [fietsen] = await process_with_proposals(oosterpark, "fietsen", [("Fietsenrek", None)])
    question = await open_vote(services, fietsen.uri, in_a_week())
    receipt = await record_vote(
        services, question.uri, anouk.uri, "voor", f"{anouk.uri}#vote", local_voter=True
    )
    await deliver(oosterpark, gemeente)
    held = await gemeente.node.objects.record(note["id"])
    assert held is not None and held.deleted_at is None

    async with logged_in(oosterpark, "anouk", PASSWORD) as browser:
        page = await browser.get("/me/account?lang=en")
        assert 'href="' + oosterpark.base_url + '/me/account/export.json"' in page.text
        async with browser.http.get(oosterpark.base_url + "/me/account/export.json") as answer:
            assert answer.status == 200
            assert "attachment" in answer.headers["Content-Disposition"]
            data = await answer.json()
        assert data["account"]["username"] == "anouk"
        assert [p["title"] for p in data["proposals"]] == ["Een schommel"]
        assert [s["title"] for s in data["supports"]] == ["Een glijbaan"]
        assert {comment["id"], note["id"], own.uri} <= {o["id"] for o in data["objects"]}
        assert data["followers"] == [wethouder.uri]
        [vote] = data["votes"]
        assert vote["on"] == question.uri and vote["state"] == "counted"
        assert vote["receipt"] == receipt and "voor" not in json.dumps(vote)

        wrong = await browser.post("/me/account/delete", {"delete_password": "geraden"})
        assert wrong.status == 422
        assert account_errors(wrong.text, "delete") == {
            "delete_password": "This is not your current password."
        }
        assert await oosterpark.node.accounts.by_username("anouk") is not None
        deleted = await browser.post("/me/account/delete", {"delete_password": PASSWORD})
        assert deleted.status == 200
        assert "Your account anouk is deleted." in deleted.text
        gone = await browser.get("/me", follow=False)
        assert gone.status == 303

    assert await oosterpark.node.accounts.by_username("anouk") is None
    assert await services.store.support_count(other.uri) == 0
    assert (await oosterpark.node.objects.record(comment["id"])).deleted_at is not None  # type: ignore[union-attr]
    assert await services.store.get_proposal(own.uri) is not None
    assert await services.votes.option_counts(question.uri) == {"voor": 1}
    assert await services.receipts.latest(anouk.uri, question.uri) is None
    async with web_browser(oosterpark) as browser:
        assert (await browser.login("anouk", PASSWORD)).status == 401
        taken = await browser.get("/signup?lang=en")
        assert taken.status == 200
        again = await browser.post("/signup", signup_fields("anouk", "anouk@nieuw.example"))
        assert (
            field_errors(again.text)["username"] == "This user name is taken. Choose another one."
        )
    async with aiohttp.ClientSession() as http:
        async with http.get(anouk.uri, headers={"Accept": "application/activity+json"}) as answer:
            assert answer.status == 410
            assert (await answer.json())["type"] == "Tombstone"
        resource = f"acct:anouk@{oosterpark.node.urls.host}"
        async with http.get(
            f"{oosterpark.base_url}/.well-known/webfinger", params={"resource": resource}
        ) as answer:
            assert answer.status == 404

    await deliver(oosterpark, gemeente)
    held = await gemeente.node.objects.record(note["id"])
    assert held is not None and held.deleted_at is not None
