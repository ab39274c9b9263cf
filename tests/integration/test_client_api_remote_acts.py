"""What a Mastodon app shows a resident about their acts on another node's process is
true: their own vote on its poll, their support of its proposal, and the counts the
process publishes."""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from node.participation.models import Question
from node.participation.processes import create_process
from node.participation.proposals import create_proposal
from node.participation.trail import change_status
from node.participation.voting import current_tally, open_vote
from node.runner import RunningNode
from tests.integration.conftest import StartNode, deliver
from tests.integration.oauth_browser import PASSWORD, logged_in_client, resident
from tests.integration.voting_scenarios import (
    exchange,
    follow,
    in_a_week,
    phases,
    process_with_proposals,
)
from tests.integration.web_login import logged_in


async def status_id(running: RunningNode, uri: str) -> str:
    record = await running.node.objects.record(uri)
    assert record is not None, f"{uri} is not known on {running.base_url}"
    return str(record.row_id)


async def remote_poll(
    start: StartNode, eligibility: str
) -> tuple[RunningNode, RunningNode, Mastodon, str, Question]:
    """A municipal poll that bram, of De Wijert, sees in his app through the process he
    follows: the nodes, his app, the poll's status id on De Wijert, and the question."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("30 km/u op de Oosterweg", None)], eligibility=eligibility
    )
    await resident(wijert, "bram")
    bram = await wijert.node.actors.by_uri(wijert.node.urls.actor("bram"))
    assert bram is not None
    await follow(wijert, bram, process.uri)
    await exchange(gemeente, wijert)
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, wijert)
    app = await logged_in_client(wijert, "bram")
    return gemeente, wijert, app, await status_id(wijert, question.uri), question


async def test_own_vote_on_another_nodes_poll_is_shown_back_to_the_voter(
    start: StartNode,
) -> None:
    gemeente, wijert, app, poll_id, question = await remote_poll(start, "open")
    assert not (await asyncio.to_thread(app.poll, poll_id)).voted

    voted = await asyncio.to_thread(app.poll_vote, poll_id, [1])
    assert voted.voted and voted.own_votes == [1]
    await exchange(gemeente, wijert)
    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count(question.options[1]), tally.voters_count) == (1, 1)

    shown = await asyncio.to_thread(app.status, poll_id)
    assert shown.poll.voted and shown.poll.own_votes == [1]
    assert shown.poll.votes_count == 1, "the tallies the process published"
    changed = await asyncio.to_thread(app.poll_vote, poll_id, [0])
    assert changed.own_votes == [0]


async def test_a_refused_remote_vote_is_not_shown_as_the_voters_vote(start: StartNode) -> None:
    gemeente, wijert, app, poll_id, _ = await remote_poll(start, "verified-local")

    await asyncio.to_thread(app.poll_vote, poll_id, [0])
    await exchange(gemeente, wijert)
    shown = await asyncio.to_thread(app.poll, poll_id)
    assert not shown.voted and shown.own_votes == []


async def test_support_of_another_nodes_proposal_shows_as_favourited_with_the_process_count(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    services = gemeente.node.participation_services
    process = await create_process(
        services, slug="groen", title="Groene wijk", archetype="initiate",
        threshold_count=5, phases=phases(), current_phase="proposing",
    )  # fmt: skip
    await resident(wijert, "anna")
    anna = await wijert.node.actors.by_uri(wijert.node.urls.actor("anna"))
    assert anna is not None
    await follow(wijert, anna, process.uri)
    await deliver(gemeente, wijert)
    bankjes = await create_proposal(
        services, await gemeente.node.organisation(), process, "Bankjes", "Meer bankjes."
    )
    await deliver(gemeente, wijert)
    app = await logged_in_client(wijert, "anna")
    bankjes_id = await status_id(wijert, bankjes.uri)

    favourited = await asyncio.to_thread(app.status_favourite, bankjes_id)
    assert favourited.favourited
    await deliver(gemeente, wijert)
    assert await gemeente.node.participation_store.support_count(bankjes.uri) == 1

    # The process publishes its count with its next change; the app shows that count.
    await change_status(
        services, bankjes, "under_review", reason="Wordt bekeken.", actor=process.uri
    )
    await deliver(gemeente, wijert)
    shown = await asyncio.to_thread(app.status, bankjes_id)
    assert shown.favourited and shown.favourites_count == 1

    async with logged_in(wijert, "anna", PASSWORD) as page:
        opened = await page.get(f"/proposals/{bankjes_id}")
    assert "U steunt dit voorstel." in opened.text
