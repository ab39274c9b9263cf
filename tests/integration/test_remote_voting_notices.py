"""A vote or budget ballot opening in a process of another node reaches the residents here
who follow it: a notification on /me, and for those who asked for it, the same mail as a
local opening, once, with a link to this node's page of the process."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from node.documents import actor_document
from node.participation.ballots import close_budget, open_budget_ballot
from node.participation.models import Budget
from node.participation.processes import send_process_update
from node.participation.voting import cast_vote, close_vote, open_vote
from node.runner import RunningNode
from tests.integration.conftest import StartNode, deliver
from tests.integration.oauth_browser import logged_in_client
from tests.integration.participation_helpers import person
from tests.integration.test_notification_mail import (
    SmtpServer,
    body,
    confirmed_subscriber,
    link_in,
    mail_config,
    running_smtp,
    send_mail,
)
from tests.integration.voting_scenarios import (
    exchange,
    follow,
    in_a_week,
    process_with_proposals,
)
from tests.integration.web_login import logged_in

smtp = pytest.fixture(running_smtp, name="smtp")

# The process by its name and its node's, as /me names everyone.
VOTE_NOTICE = "Wijkbudget · Gemeente Groningen heeft een stemming geopend: u kunt nu stemmen."
BALLOT_NOTICE = (
    "Wijkbudget · Gemeente Groningen heeft de stemming over het budget geopend: u kunt nu stemmen."
)


async def own_page(running: RunningNode, username: str) -> str:
    async with logged_in(running, username) as browser:
        page = await browser.get("/me?lang=nl")
        assert page.status == 200, page.text
        return str(page.text)


async def test_a_vote_and_a_ballot_opening_on_another_node_reach_its_followers_here_once(
    start: StartNode, smtp: SmtpServer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert", mail=mail_config(smtp, "wijert"))
    process, [bankjes] = await process_with_proposals(
        gemeente,
        "wijkbudget",
        [("Bankjes bij de vijver", 4000.0)],
        budget=Budget(10000, "EUR", 1, 1),
    )
    anouk = await person(wijert, "anouk")
    bram = await person(wijert, "bram")
    address = await confirmed_subscriber(wijert, smtp, "anouk", ["votes_opening"], "nl")
    # Bram follows too but asked for no mail.
    await confirmed_subscriber(wijert, smtp, "bram", ["status_changes"], "nl")
    for follower in (anouk, bram):
        await follow(wijert, follower, process.uri)
    await deliver(gemeente, wijert)
    process_page = f"/processes/wijkbudget@{urlsplit(gemeente.base_url).netloc}"

    question = await open_vote(gemeente.node.participation_services, bankjes.uri, in_a_week())
    await deliver(gemeente, wijert)
    assert await send_mail(wijert) == 1
    [vote_mail] = smtp.catcher.to(address)
    assert vote_mail["Subject"] == "Stem nu: Bankjes bij de vijver"
    text = body(vote_mail)
    assert "In Wijkbudget, dat u volgt, kunt u nu stemmen over „Bankjes bij de vijver”." in text
    assert "U kunt stemmen tot " in text
    assert link_in(vote_mail, "/processes/") == process_page
    for username in ("anouk", "bram"):
        page = await own_page(wijert, username)
        assert page.count(VOTE_NOTICE) == 1
        assert '<a href="/votes">' + VOTE_NOTICE in page
    async with logged_in(wijert, "anouk") as browser:
        shown = await browser.get(process_page)
        assert shown.status == 200 and "Wijkbudget" in shown.text
        polls = await browser.get("/votes")
        assert "Bankjes bij de vijver" in polls.text

    # Anouk votes from home: the tallies the process sends after it, and the closed vote
    # with its result, are Updates of the same Question and tell nobody anew.
    await cast_vote(wijert.node.participation_services, anouk, question.uri, question.options[0])
    await exchange(wijert, gemeente)
    assert await gemeente.node.votes.vote_of(question.uri, anouk.uri) is not None
    await close_vote(gemeente.node.participation_services, question.uri)
    await exchange(gemeente, wijert)
    assert await send_mail(wijert) == 0
    assert len(smtp.catcher.to(address)) == 1
    assert (await own_page(wijert, "anouk")).count(VOTE_NOTICE) == 1

    await open_budget_ballot(gemeente.node.participation_services, process.uri, in_a_week())
    await deliver(gemeente, wijert)
    assert await send_mail(wijert) == 1
    [_, ballot_mail] = smtp.catcher.to(address)
    assert ballot_mail["Subject"] == "U kunt stemmen over het budget van Wijkbudget"
    assert "In Wijkbudget, dat u volgt, kunt u nu stemmen over het budget." in body(ballot_mail)
    assert link_in(ballot_mail, "/processes/") == process_page
    for username in ("anouk", "bram"):
        page = await own_page(wijert, username)
        assert page.count(BALLOT_NOTICE) == 1
        assert f'<a href="{process_page}">{BALLOT_NOTICE}' in page

    # The process tells its followers again (the same document), then its result: both
    # are Updates of the process with the same ballot window, and tell nobody anew.
    services = gemeente.node.participation_services
    actor = await gemeente.node.actors.by_uri(process.uri)
    assert actor is not None
    await send_process_update(services, process, actor_document(actor, services.urls))
    await deliver(gemeente, wijert)
    await close_budget(services, process.uri)
    await deliver(gemeente, wijert)
    assert await send_mail(wijert) == 0
    assert len(smtp.catcher.to(address)) == 2
    assert smtp.catcher.to("bram@bewoners.example") == []
    for username in ("anouk", "bram"):
        page = await own_page(wijert, username)
        assert page.count(BALLOT_NOTICE) == 1 and page.count(VOTE_NOTICE) == 1

    # An app gets the vote as Mastodon's "status" notification of the process, with the
    # poll to vote in; Mastodon has no notification for a ballot, so apps are not sent it.
    app = await logged_in_client(wijert, "anouk", "wachtwoord-123")
    notifications = await asyncio.to_thread(app.notifications)
    assert [(n.type, n.status.poll is not None) for n in notifications] == [("status", True)]
    assert notifications[0].account.display_name == "Wijkbudget"
