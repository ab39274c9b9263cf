"""Tally Updates are batched per question, so a vote costs the same however many voted."""

from __future__ import annotations

import json
from typing import Any

from node.clock import epoch_now
from node.participation.voting import (
    TALLY_UPDATE_DELAY,
    cast_vote,
    open_vote,
    publish_due_tallies,
)
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import in_a_week, person, process_with_proposals


async def _question_updates(running: RunningNode, question_uri: str) -> list[dict[str, Any]]:
    rows = await running.node.db.fetch_all(
        "SELECT document FROM outbox WHERE type = 'Update' AND object = ?", (question_uri,)
    )
    return [json.loads(r[0])["object"] for r in rows]


async def test_votes_within_the_delay_go_out_as_one_update_with_all_of_them(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    _, [proposal] = await process_with_proposals(gemeente, "plein", [("Bomen op het plein", None)])
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    for name, option in (("anna", "voor"), ("bram", "voor"), ("cor", "tegen")):
        await cast_vote(
            gemeente.node.participation_services, await person(gemeente, name), question.uri, option
        )

    # The Question at its id is current at once; the Update waits for the delay.
    record = await gemeente.node.objects.record(question.uri)
    assert record is not None and record.document["votersCount"] == 3
    assert await publish_due_tallies(gemeente.node.participation_services, now=epoch_now()) == 0
    assert await _question_updates(gemeente, question.uri) == []

    later = epoch_now() + TALLY_UPDATE_DELAY
    assert await publish_due_tallies(gemeente.node.participation_services, now=later) == 1
    [update] = await _question_updates(gemeente, question.uri)
    totals = {o["name"]: o["replies"]["totalItems"] for o in update["oneOf"]}
    assert totals == {"voor": 2, "tegen": 1, "onthouding": 0}
    assert update["votersCount"] == 3
    # Nothing changed since: nothing more to send.
    assert (
        await publish_due_tallies(
            gemeente.node.participation_services, now=later + TALLY_UPDATE_DELAY
        )
        == 0
    )
