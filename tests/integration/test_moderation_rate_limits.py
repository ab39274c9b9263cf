"""Rate limits at their configured numbers: per remote host at the inbox, per local
account for posting and reporting; new accounts get less, suspended ones nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from federation.errors import NotAllowed, RateLimited
from federation.transport import PostOutcome
from moderation.rate_limit import Rate
from moderation.spam import NODE_RATES, SpamRules
from node import social_actions
from node.moderator_actions import OPERATOR, file_report, suspend
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person


def small_rates(**rates: Rate) -> SpamRules:
    return SpamRules(rates={**NODE_RATES, **rates}, new_account_rates={"post": Rate(2, 3600)})


async def _follow_post(sender: RunningNode, receiver: RunningNode) -> PostOutcome:
    organisation = await sender.node.organisation()
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": sender.node.urls.new_activity(),
        "type": "Follow",
        "actor": organisation.uri,
        "object": (await receiver.node.organisation()).uri,
    }
    signer = await sender.node.actors.signer_for(organisation.uri)
    assert signer is not None
    return await sender.node.transport.post_activity(
        receiver.node.urls.shared_inbox(), json.dumps(follow).encode(), signer
    )


async def test_a_flooding_host_gets_429_with_retry_after_while_other_hosts_are_served(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    flooding = await start("oosterpark", "Wijkraad Oosterpark")
    calm = await start("wijert", "Wijkdeal De Wijert")
    gemeente.node.limits.configure(small_rates(inbox=Rate(3, 60)))

    statuses = [(await _follow_post(flooding, gemeente)).status for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = await _follow_post(flooding, gemeente)
    assert limited.status == 429 and limited.retry_after is not None and limited.retry_after >= 1
    assert "too many inbox actions" in limited.error

    assert (await _follow_post(calm, gemeente)).status == 202


async def test_reports_are_limited_per_account_at_the_configured_number(start: StartNode) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    wijk.node.limits.configure(small_rates(report=Rate(2, 3600)))
    ria, sem = await person(wijk, "ria", "moderator"), await person(wijk, "sem")
    for text in ("een", "twee"):
        await file_report(wijk.node.moderator_services, ria, sem.uri, [], text)
    with pytest.raises(RateLimited) as refused:
        await file_report(wijk.node.moderator_services, ria, sem.uri, [], "drie")
    assert refused.value.retry_after > 0
    assert len(await wijk.node.moderation_store.open_reports()) == 2
    await file_report(wijk.node.moderator_services, sem, ria.uri, [], "een ander mag nog wel")


async def test_new_unverified_accounts_post_less_until_they_are_older(start: StartNode) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    wijk.node.limits.configure(small_rates())
    newcomer = await person(wijk, "nieuw")
    for n in range(2):
        await social_actions.post_note(wijk.node.social_services, newcomer, f"<p>Bericht {n}</p>")
    with pytest.raises(RateLimited):
        await social_actions.post_note(wijk.node.social_services, newcomer, "<p>Nog een</p>")

    moderator = await person(wijk, "beheer", "moderator")
    for n in range(3):
        await social_actions.post_note(
            wijk.node.social_services, moderator, f"<p>Mededeling {n}</p>"
        )

    wijk.node.limits.configure(
        SpamRules(new_account_age=timedelta(0), new_account_rates={"post": Rate(2, 3600)})
    )
    for n in range(3):
        await social_actions.post_note(wijk.node.social_services, newcomer, f"<p>Nu ouder {n}</p>")


async def test_a_suspended_account_cannot_post_and_its_content_is_hidden(start: StartNode) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    troll = await person(wijk, "trol")
    post = await social_actions.post_note(wijk.node.social_services, troll, "<p>Onzin</p>")
    await suspend(wijk.node.moderator_services, OPERATOR, troll.uri, "Herhaaldelijk schelden")
    with pytest.raises(NotAllowed, match="suspended"):
        await social_actions.post_note(wijk.node.social_services, troll, "<p>Meer onzin</p>")
    record = await wijk.node.objects.record(post["id"])
    assert record is not None and "suspended" in (record.hidden_reason or "")
