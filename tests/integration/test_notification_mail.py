"""Notification e-mails, opt-in: a resident confirms their address through the link mailed
to it and ticks what they want; a status change or an official response of their proposal
(also one decided on another node) and a vote opening in a process they follow reach them
through a real SMTP server on loopback (aiosmtpd), in their language, with a link to the
page and a link that stops them. Nothing goes to an unconfirmed address or without an
opt-in, and a mail waits while the SMTP server is down."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from node.config import MailConfig
from node.mail import MAX_ATTEMPTS, send_due_mail
from node.participation import processes
from node.participation.ballots import open_budget_ballot
from node.participation.models import Budget
from node.participation.official_responses import respond_officially
from node.participation.proposals import create_proposal
from node.participation.trail import change_status
from node.runner import RunningNode, free_port
from node.storage.actors import LocalActor
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import open_process, person
from tests.integration.voting_scenarios import follow, in_a_week, process_with_proposals
from tests.integration.web_login import WebBrowser, logged_in, web_browser

SMTP_LOGIN = (b"noreply", b"geheim-smtp-wachtwoord")


@dataclass
class MailCatcher:
    """The aiosmtpd handler: keeps every message the server takes."""

    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to ``address``, oldest first."""
        return [m for m in self.received if m["To"] == address]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that the test can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.catcher = MailCatcher()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.catcher,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            # Loopback in a test: the node logs in over plain SMTP ([mail] security = "none").
            auth_require_tls=False,
        )
        self._controller.start()

    @staticmethod
    def _authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        return AuthResult(success=(auth_data.login, auth_data.password) == SMTP_LOGIN)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def running_smtp() -> Iterator[SmtpServer]:
    """An SMTP server on loopback for one test (the ``smtp`` fixture)."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


smtp = pytest.fixture(running_smtp, name="smtp")


StartMailing = Callable[[str, str], Awaitable[RunningNode]]


@pytest.fixture
def start_mailing(start: StartNode, smtp: SmtpServer) -> StartMailing:
    """Start nodes that send their mail through the test's SMTP server, logging in to it."""

    async def _start(handle: str, name: str) -> RunningNode:
        return await start(handle, name, mail=mail_config(smtp, handle))

    return _start


def mail_config(smtp: SmtpServer, handle: str) -> MailConfig:
    """The ``[mail]`` of a node ``handle`` that logs in to the test's SMTP server."""
    return MailConfig(
        host="127.0.0.1",
        port=smtp.port,
        security="none",
        username=SMTP_LOGIN[0].decode(),
        password=SMTP_LOGIN[1].decode(),
        sender=f"noreply@{handle}.example",
    )


async def send_mail(running: RunningNode, now: float | None = None) -> int:
    """One round of the node's mail job, as its periodic jobs run it."""
    config = running.node.config
    queue = running.node.participation_services.mail_queue
    # The node's clock, which the shifted CI pass moves two years ahead (node/clock.py).
    moment = now or running.node.clock.timestamp()
    return await send_due_mail(queue, config.mail, config.name, moment)


def body(message: EmailMessage) -> str:
    """The plain text of a mail."""
    return str(message.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    """The path and query of the link in a mail that leads to ``path``."""
    found = re.search(rf"http://127\.0\.0\.1:\d+({re.escape(path)}[^\s]*)", body(message))
    assert found, body(message)
    return found[1]


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


async def follow_link_and_press(browser: WebBrowser, path: str, action: str) -> str:
    """Open a link from a mail: a page with a button, which the test presses."""
    page = await browser.get(path)
    assert page.status == 200, page.text
    fields = {k: v for k, v in hidden_fields(page.text).items() if k != "csrf"}
    done = await browser.post(action, fields)
    assert done.status == 200, done.text
    return done.text


async def confirmed_subscriber(
    running: RunningNode, smtp: SmtpServer, username: str, kinds: list[str], lang: str = "nl"
) -> str:
    """A resident gives their address on ``/me/mail`` in ``lang``, ticks ``kinds`` and
    confirms the address with the link mailed to it; returns the address."""
    address = f"{username}@bewoners.example"
    async with logged_in(running, username) as browser:
        settings = await browser.get(f"/me/mail?lang={lang}")
        assert 'name="address"' in settings.text
        page = await browser.post("/me/mail", {"address": address, **dict.fromkeys(kinds, "on")})
        assert page.status == 200, page.text
        assert await send_mail(running) == 1
        [confirmation] = smtp.catcher.to(address)
        path = link_in(confirmation, "/mail/confirm")
        done = await follow_link_and_press(browser, path, "/mail/confirm")
        assert address in done
    smtp.catcher.received.remove(confirmation)
    return address


async def test_status_changes_and_official_responses_from_the_municipality_are_mailed_in_the_residents_language(  # noqa: E501
    start: StartNode, start_mailing: StartMailing, smtp: SmtpServer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start_mailing("oosterpark", "Wijkraad Oosterpark")
    consultation = await open_process(gemeente, "klimaatbestendig", "advise", threshold=5)
    services = oosterpark.node.participation_services
    remote = await processes.known_process(services, consultation.uri, fetch=True)
    assert remote is not None
    anouk = await person(oosterpark, "anouk")
    bram = await person(oosterpark, "bram")
    both = ["status_changes", "official_responses"]
    anouk_address = await confirmed_subscriber(oosterpark, smtp, "anouk", both, "nl")
    bram_address = await confirmed_subscriber(oosterpark, smtp, "bram", both, "en")

    geveltuinen = await create_proposal(
        services, anouk, remote, "Geveltuinen in de Oosterparkwijk", "Tegels eruit, groen erin."
    )
    fietsen = await create_proposal(
        services, bram, remote, "Fietsenrekken bij het station", "Er is nooit plek."
    )
    await deliver(gemeente, oosterpark)
    wethouder = await person(gemeente, "wethouder", "moderator")
    municipality = (await gemeente.node.organisation()).uri
    decider = gemeente.node.participation_services

    async def decide(proposal_uri: str, status: str, reason: str) -> None:
        there = await gemeente.node.participation_store.get_proposal(proposal_uri)
        assert there is not None
        await change_status(decider, there, status, reason=reason, actor=municipality)

    for proposal in (geveltuinen, fietsen):
        await decide(proposal.uri, "under_review", "De gemeente bekijkt dit in april.")
        answer = "We nemen dit mee in het klimaatplan."
        await respond_officially(
            gemeente.node.participation_services, wethouder, proposal.uri, answer
        )
    await deliver(gemeente, oosterpark)
    assert await send_mail(oosterpark) == 4

    status_nl, response_nl = smtp.catcher.to(anouk_address)
    assert (
        status_nl["Subject"]
        == "Uw voorstel „Geveltuinen in de Oosterparkwijk” is nu: in behandeling"
    )
    assert status_nl["From"] == "Wijkraad Oosterpark <noreply@oosterpark.example>"
    text = body(status_nl)
    assert (
        "Uw voorstel „Geveltuinen in de Oosterparkwijk” in Proces klimaatbestendig heeft een"
        " nieuwe status: in behandeling." in text
    )
    assert "Reden: De gemeente bekijkt dit in april." in text
    proposal_page = link_in(status_nl, "/proposals/")
    assert "Geveltuinen in de Oosterparkwijk" in (await _get(oosterpark, proposal_page)).text
    assert "Wilt u deze e-mails niet meer? Zet ze hier uit:" in text
    assert status_nl["List-Unsubscribe"].startswith(f"<{oosterpark.base_url}/mail/unsubscribe?")

    assert (
        response_nl["Subject"]
        == "Officiële reactie op uw voorstel „Geveltuinen in de Oosterparkwijk”"
    )
    assert (
        "Gemeente Groningen heeft een officiële reactie gegeven op uw voorstel"
        " „Geveltuinen in de Oosterparkwijk” in Proces klimaatbestendig." in body(response_nl)
    )
    assert link_in(response_nl, "/proposals/") == proposal_page

    status_en, response_en = smtp.catcher.to(bram_address)
    assert (
        status_en["Subject"] == "Your proposal “Fietsenrekken bij het station” is now: under review"
    )
    assert "Reason: De gemeente bekijkt dit in april." in body(status_en)
    assert "See your proposal: " in body(status_en)
    assert (
        response_en["Subject"]
        == "Official response to your proposal “Fietsenrekken bij het station”"
    )
    assert "Gemeente Groningen has given an official response" in body(response_en)
    assert "No longer want these e-mails? Turn them off here:" in body(response_en)

    # Anouk stops status mails with the link in one (no login needed); Bram unticks them.
    async with web_browser(oosterpark) as anouks_phone:
        done = await follow_link_and_press(
            anouks_phone, link_in(status_nl, "/mail/unsubscribe"), "/mail/unsubscribe"
        )
    assert "U krijgt deze e-mails niet meer" in done
    async with logged_in(oosterpark, "bram") as browser:
        await browser.get("/me/mail?lang=en")
        saved = await browser.post(
            "/me/mail", {"address": bram_address, "official_responses": "on"}
        )
        assert "Your choices are saved." in saved.text
    smtp.catcher.received.clear()
    for proposal in (geveltuinen, fietsen):
        await decide(proposal.uri, "accepted", "De gemeenteraad stemde in.")
    await deliver(gemeente, oosterpark)
    assert await send_mail(oosterpark) == 0
    assert smtp.catcher.received == []


async def _get(running: RunningNode, path: str) -> Any:
    async with web_browser(running) as browser:
        return await browser.get(path)


async def test_no_mail_without_an_opt_in_or_a_confirmed_address(
    start_mailing: StartMailing, smtp: SmtpServer
) -> None:
    wijert = await start_mailing("wijert", "Wijkdeal De Wijert")
    services = wijert.node.participation_services
    speeltuin = await open_process(wijert, "speeltuin", "initiate", threshold=5)
    organisation = (await wijert.node.organisation()).uri
    carla = await person(wijert, "carla")
    dirk = await person(wijert, "dirk")
    # Carla ticks status mails but never confirms her address; Dirk confirms but ticks none.
    async with logged_in(wijert, "carla") as browser:
        await browser.get("/me/mail")
        page = await browser.post(
            "/me/mail", {"address": "carla@bewoners.example", "status_changes": "on"}
        )
        assert "We hebben een e-mail gestuurd naar carla@bewoners.example." in page.text
        assert "nog niet bevestigd" in (await browser.get("/me/mail")).text
    assert await send_mail(wijert) == 1
    [confirmation] = smtp.catcher.to("carla@bewoners.example")
    assert confirmation["Subject"] == "Bevestig uw e-mailadres voor Wijkdeal De Wijert"
    await confirmed_subscriber(wijert, smtp, "dirk", [])
    smtp.catcher.received.clear()

    for author in (carla, dirk):
        proposal = await create_proposal(
            services, author, speeltuin, f"Bank van {author.username}", "Om te zitten."
        )
        await change_status(services, proposal, "on_agenda", reason="In maart.", actor=organisation)
    assert await send_mail(wijert) == 0
    assert smtp.catcher.received == []


async def test_a_budget_ballot_opening_is_mailed_to_followers_who_asked(
    start_mailing: StartMailing, smtp: SmtpServer
) -> None:
    wijert = await start_mailing("wijert", "Wijkdeal De Wijert")
    eva = await person(wijert, "eva")
    address = await confirmed_subscriber(wijert, smtp, "eva", ["votes_opening"], "en")
    budget, _ = await process_with_proposals(
        wijert, "wijkbudget", [("Bankjes", 4000.0)], budget=Budget(10000, "EUR", 1, 1)
    )
    await follow(wijert, eva, budget.uri)
    await deliver(wijert)
    # She last logged in on the Dutch pages: her mail is in Dutch.
    async with web_browser(wijert) as browser:
        await browser.get("/?lang=nl")
        assert (await browser.login("eva")).status == 303
    await open_budget_ballot(wijert.node.participation_services, budget.uri, in_a_week())
    assert await send_mail(wijert) == 1
    [opened] = smtp.catcher.to(address)
    assert opened["Subject"] == f"U kunt stemmen over het budget van {budget.title}"
    assert f"In {budget.title}, dat u volgt, kunt u nu stemmen over het budget." in body(opened)
    assert "U kunt stemmen tot " in body(opened)
    assert link_in(opened, "/processes/") == "/processes/wijkbudget"


async def test_a_mail_waits_while_the_smtp_server_is_down_and_is_given_up_after_its_attempts(
    start_mailing: StartMailing, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    wijert = await start_mailing("wijert", "Wijkdeal De Wijert")
    services = wijert.node.participation_services
    speeltuin = await open_process(wijert, "speeltuin", "initiate", threshold=5)
    organisation = (await wijert.node.organisation()).uri
    fleur: LocalActor = await person(wijert, "fleur")
    address = await confirmed_subscriber(wijert, smtp, "fleur", ["status_changes"])
    bank = await create_proposal(services, fleur, speeltuin, "Een bank", "Om te zitten.")
    boom = await create_proposal(services, fleur, speeltuin, "Een boom", "Voor schaduw.")

    smtp.stop()
    bank = await change_status(services, bank, "on_agenda", reason="In maart.", actor=organisation)
    now = wijert.node.clock.timestamp()
    assert await send_mail(wijert, now) == 0
    assert await services.mail_queue.counts() == {"pending": 1, "sent": 1}

    smtp.start()
    assert await send_mail(wijert, now + 1) == 0, "not due again before its back-off"
    assert await send_mail(wijert, now + 3600) == 1
    [mail] = smtp.catcher.to(address)
    assert "Uw voorstel „Een bank” is nu: op de agenda" == mail["Subject"]

    smtp.stop()
    await change_status(services, boom, "on_agenda", reason="In april.", actor=organisation)
    with caplog.at_level(logging.INFO, logger="node.mail"):
        for attempt in range(MAX_ATTEMPTS):
            assert await send_mail(wijert, now + 3600 + (attempt + 1) * 86400) == 0
    assert await services.mail_queue.counts() == {"sent": 2, "failed": 1}
    assert any("gave up after 8 attempts" in r.getMessage() for r in caplog.records)
    assert not any("geheim-smtp-wachtwoord" in r.getMessage() for r in caplog.records)


async def test_refusals_are_shown_with_their_reason_and_change_nothing(
    start: StartNode, start_mailing: StartMailing, smtp: SmtpServer
) -> None:
    wijert = await start_mailing("wijert", "Wijkdeal De Wijert")
    await person(wijert, "gijs")
    subscribers = wijert.node.participation_services.mail_subscribers
    async with logged_in(wijert, "gijs") as browser:
        await browser.get("/me/mail")
        page = await browser.post("/me/mail", {"address": "gijs-at-thuis", "status_changes": "on"})
        assert page.status == 422
        assert 'aria-invalid="true"' in page.text and 'value="gijs-at-thuis"' in page.text
        assert (
            "Dit is geen e-mailadres. Een e-mailadres ziet er zo uit: naam@voorbeeld.nl."
            in page.text
        )
        assert await subscribers.get(gijs_uri(wijert)) is None
        assert await send_mail(wijert) == 0

        unknown = await browser.get("/mail/confirm?token=verzonnen")
        assert unknown.status == 404 and "Deze link werkt niet" in unknown.text
        stop = await browser.get("/mail/unsubscribe?token=verzonnen&kind=status_changes")
        assert stop.status == 404 and "Deze link werkt niet." in stop.text

        await browser.post("/me/mail", {"address": "gijs@bewoners.example"})
        assert await send_mail(wijert) == 1
        [confirmation] = smtp.catcher.to("gijs@bewoners.example")
        # 48 hours pass before Gijs opens the link.
        await wijert.node.db.execute(
            "UPDATE mail_subscribers SET confirm_expires = ?", (time.time() - 1,)
        )
        expired = await browser.get(link_in(confirmation, "/mail/confirm"))
        assert expired.status == 422 and "Deze link is verlopen: hij werkt 48 uur." in expired.text
        known = await subscribers.get(gijs_uri(wijert))
        assert known is not None and not known.confirmed

    plain = await start("plain", "Zonder E-mail")
    await person(plain, "hans")
    async with logged_in(plain, "hans") as browser:
        page = await browser.get("/me/mail")
        assert "Dit platform stuurt geen e-mail." in page.text and 'name="address"' not in page.text
        refused = await browser.post("/me/mail", {"address": "hans@bewoners.example"})
        assert refused.status == 422 and "Dit platform stuurt geen e-mail." in refused.text


def gijs_uri(running: RunningNode) -> str:
    return running.node.urls.actor("gijs")
