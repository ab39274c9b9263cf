"""A resident's own page (``/me``): their proposals and supports with where each stands,
every vote and ballot they cast here or on another node with its receipt but never their
choice, and their notifications, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta

from node.clock import utc_now
from node.participation.ballots import cast_ballot, open_budget_ballot
from node.participation.models import Budget
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.trail import change_status
from node.participation.voting import cast_vote
from node.social_actions import follow
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process
from tests.integration.voting_scenarios import (
    exchange,
    followed_vote,
    in_a_week,
    person,
    process_with_proposals,
)
from tests.integration.web_login import logged_in, web_browser


async def test_a_resident_sees_their_proposals_supports_votes_and_notifications(
    start: StartNode,
) -> None:
    gemeente, wijert, _, _, question = await followed_vote(start, utc_now() + timedelta(days=7))
    services = wijert.node.participation_services
    bewoner = await person(wijert, "bewoner")
    anna = await person(wijert, "anna")

    speeltuin = await open_process(wijert, "speeltuin", "initiate", threshold=2)
    mine = await create_proposal(
        services, bewoner, speeltuin, "Een bank bij de wip", "Om te zitten."
    )
    annas = await create_proposal(
        services, anna, speeltuin, "Een boom op het plein", "Voor schaduw."
    )
    await support(services, bewoner, annas.uri)
    await change_status(
        services,
        mine,
        "on_agenda",
        reason="Komt in de wijkraad van maart.",
        actor=(await wijert.node.organisation()).uri,
    )
    # Someone on the municipality's node follows them (its Follow arrives in the exchange).
    await follow(gemeente.node.social_services, await person(gemeente, "gerrit"), bewoner.uri)

    budget, [_, bomen] = await process_with_proposals(
        wijert,
        "wijkbudget",
        [("Bankjes", 4000.0), ("Bomen", 9000.0)],
        budget=Budget(10000, "EUR", 1, 1),
    )
    await open_budget_ballot(services, budget.uri, in_a_week())
    await cast_ballot(services, bewoner, budget.uri, [bomen.uri])
    ballot_receipt = await services.receipts.latest(bewoner.uri, budget.uri)
    sent = await cast_vote(services, bewoner, question.uri, "tegen")
    await exchange(gemeente, wijert)
    vote_receipt = await services.receipts.of_vote(sent)
    assert ballot_receipt and vote_receipt

    async with logged_in(wijert, "bewoner") as visitor:
        page = (await visitor.get("/me")).text
        english = (await visitor.get("/me?lang=en")).text

    mijn_voorstellen = page.split('id="mijn-voorstellen"')[1].split("<section")[0]
    assert "Een bank bij de wip" in mijn_voorstellen and "Status: op de agenda" in mijn_voorstellen
    assert "Een boom op het plein" not in mijn_voorstellen
    mijn_steun = page.split('id="mijn-steun"')[1].split("<section")[0]
    assert "Een boom op het plein" in mijn_steun and "1 keer gesteund" in mijn_steun
    mijn_stemmen = page.split('id="mijn-stemmen"')[1].split("<section")[0]
    assert "Stemming over het budget: Wijkbudget" in mijn_stemmen
    assert "Stemming over: Autoluwe binnenstad" in mijn_stemmen
    assert "Geteld." in mijn_stemmen
    assert f"Uw ontvangstbewijs: {ballot_receipt}" in mijn_stemmen
    assert f"Uw ontvangstbewijs: {vote_receipt}" in mijn_stemmen
    # The page says that a vote counts, never what it was.
    assert "Bomen" not in mijn_stemmen and "Bankjes" not in mijn_stemmen
    assert not re.search(r"\btegen\b", mijn_stemmen)
    meldingen = page.split('id="mijn-meldingen"')[1]
    assert "gerrit · Gemeente Groningen volgt u." in meldingen
    assert "wijzigde iets waaraan u meedeed." in meldingen

    assert "<h1>My page</h1>" in english and "gerrit · Gemeente Groningen follows you." in english
    assert f"Your receipt: {vote_receipt}" in english

    async with web_browser(wijert) as stranger:
        answer = await stranger.get("/me", follow=False)
    assert (answer.status, answer.location) == (303, "/login?next=/me")
