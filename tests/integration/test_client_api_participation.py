"""Taking part from a Mastodon app: a favourite supports a proposal, a poll vote is a vote."""

from __future__ import annotations

import asyncio

import pytest
from mastodon import MastodonAPIError

from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.receipts import receipt_hash
from node.participation.trail import change_status
from node.participation.voting import close_vote, open_vote
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.voting_scenarios import in_a_week, phases, process_with_proposals


async def status_id(running: RunningNode, uri: str) -> str:
    record = await running.node.objects.record(uri)
    assert record is not None
    return str(record.row_id)


async def test_favourite_of_a_proposal_is_a_support_and_refused_outside_the_support_phase(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    node = oosterpark.node
    process = await create_process(
        node.participation_services, slug="groen", title="Groene wijk", archetype="initiate",
        threshold_count=5,
        phases=phases(), current_phase="proposing",
    )  # fmt: skip
    organisation = await node.organisation()
    bankjes = await create_proposal(
        node.participation_services, organisation, process, "Bankjes", "Meer bankjes."
    )
    bomen = await create_proposal(
        node.participation_services, organisation, process, "Bomen", "Meer bomen."
    )

    supported = await asyncio.to_thread(
        anna.status_favourite, await status_id(oosterpark, bankjes.uri)
    )
    assert supported.favourited and supported.favourites_count == 1
    assert await node.participation_store.support_count(bankjes.uri) == 1

    await change_status(
        node.participation_services,
        bankjes,
        "on_agenda",
        reason="Op de agenda van 3 maart.",
        actor=process.uri,
    )
    [update] = await asyncio.to_thread(anna.notifications, types=["update"])
    assert update.status.id == supported.id and "agenda" in update.status.content
    assert update.account.acct == "groen" and update.account.group

    await set_phase(node.participation_services, process, "voting")
    with pytest.raises(MastodonAPIError, match="support not counted") as refused:
        await asyncio.to_thread(anna.status_favourite, await status_id(oosterpark, bomen.uri))
    assert refused.value.args[1] == 422
    assert await node.participation_store.support_count(bomen.uri) == 0
    shown = await asyncio.to_thread(anna.status, await status_id(oosterpark, bomen.uri))
    assert not shown.favourited and shown.favourites_count == 0


async def test_resident_votes_on_a_proposal_poll_with_one_choice(start: StartNode) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    node = oosterpark.node
    _, [speeltuin] = await process_with_proposals(oosterpark, "stemming", [("Speeltuin", None)])
    question = await open_vote(node.participation_services, speeltuin.uri, in_a_week())
    poll_id = await status_id(oosterpark, question.uri)

    poll = await asyncio.to_thread(anna.poll, poll_id)
    assert [o.title for o in poll.options] == list(question.options)
    assert not poll.voted and not poll.expired

    with pytest.raises(MastodonAPIError, match="choose exactly one option"):
        await asyncio.to_thread(anna.poll_vote, poll_id, [0, 1])
    voted = await asyncio.to_thread(anna.poll_vote, poll_id, [0])

    assert voted.voted and voted.own_votes == [0] and voted.votes_count == 1
    anna_uri = (await node.actors.by_username("anna")).uri
    assert await node.votes.vote_of(question.uri, anna_uri) == question.options[0]
    # The answer carries the vote's receipt, which the process publishes once it closes.
    assert voted.receipt == await node.participation_services.receipts.latest(
        anna_uri, question.uri
    )
    assert receipt_hash(voted.receipt) in await node.votes.receipt_hashes(question.uri)

    await close_vote(node.participation_services, question.uri)
    [ended] = await asyncio.to_thread(anna.notifications, types=["poll"])
    assert ended.status.id == poll_id and ended.status.poll.expired
    assert ended.status.poll.own_votes == [0]


async def test_following_a_process_brings_its_proposals_into_the_home_timeline(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    node = oosterpark.node
    process = await create_process(
        node.participation_services, slug="speelplekken", title="Speelplekken", archetype="advise",
        threshold_count=3, phases=phases(), current_phase="proposing",
    )  # fmt: skip
    account = await asyncio.to_thread(anna.account_lookup, "speelplekken")
    assert account.group and account.display_name == "Speelplekken"

    relationship = await asyncio.to_thread(anna.account_follow, account.id)
    assert relationship.following
    wip = await create_proposal(
        node.participation_services,
        await node.organisation(),
        process,
        "Wipkip",
        "Een wipkip bij de school.",
    )

    home = await asyncio.to_thread(anna.timeline_home)
    assert [s.uri for s in home] == [wip.uri]
    assert "Wipkip" in home[0].content
