"""A process moderator hides a comment: every node that follows the process stops
showing it, restoring brings it back, and the public log tells what happened."""

from __future__ import annotations

import json

import aiohttp
import pytest

from federation.errors import NotAllowed
from node import social_actions
from node.moderator_actions import acting_as, appoint_process_moderator, hide, restore
from node.participation.comments import post_comment
from node.participation.proposals import create_proposal
from node.runner import RunningNode
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import open_process, person

RUDE = "Wie dit steunt is een idioot."
REASON = "Schelden op andere deelnemers"


async def _page(running: RunningNode, path: str, language: str = "nl") -> str:
    async with aiohttp.ClientSession(headers={"Accept-Language": language}) as http:
        async with http.get(f"{running.base_url}{path}") as response:
            assert response.status == 200
            return await response.text()


async def _hidden_reason(running: RunningNode, uri: str) -> str | None:
    record = await running.node.objects.record(uri)
    assert record is not None, running.node.config.handle
    return record.hidden_reason


async def test_process_moderators_hide_federates_to_every_follower_and_restore_undoes_it(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    nodes = (gemeente, oosterpark, wijert)
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    for follower in (oosterpark, wijert):
        await social_actions.follow(
            follower.node.social_services, await follower.node.organisation(), process.uri
        )
    await deliver(*nodes)
    proposal = await create_proposal(
        gemeente.node.participation_services,
        await person(gemeente, "fatima"),
        process,
        "Meer bomen",
        "Twintig erbij.",
    )
    await deliver(*nodes)
    anouk = await person(oosterpark, "anouk")
    comment = (
        await post_comment(oosterpark.node.participation_services, anouk, proposal.uri, RUDE)
    )["id"]
    await deliver(*nodes)
    for running in nodes:
        assert await _hidden_reason(running, comment) is None

    process_actor = await gemeente.node.actors.by_uri(process.uri)
    assert process_actor is not None
    moderator = await person(gemeente, "mod_klimaat")
    await appoint_process_moderator(gemeente.node.moderator_services, process_actor, moderator)
    acting = await acting_as(gemeente.node.moderator_services, moderator, comment)
    await hide(gemeente.node.moderator_services, acting, comment, REASON)
    await deliver(*nodes)

    for running in nodes:
        assert await _hidden_reason(running, comment) == REASON
    held = await wijert.node.objects.record(proposal.uri)
    assert held is not None
    # Another node's copy of the thread shows the notice in place of the comment.
    elsewhere = await _page(wijert, f"/proposals/{held.row_id}")
    assert f"verborgen door de moderatoren: {REASON}" in elsewhere and RUDE not in elsewhere
    thread = await _page(gemeente, proposal.uri.removeprefix(gemeente.base_url), "en")
    assert f"hidden by the moderators: {REASON}" in thread and RUDE not in thread
    hosted = await gemeente.node.objects.record(proposal.uri)
    assert hosted is not None
    proposal_page = await _page(gemeente, f"/proposals/{hosted.row_id}")
    assert f"verborgen door de moderatoren: {REASON}" in proposal_page
    assert RUDE not in proposal_page

    await restore(gemeente.node.moderator_services, acting, comment)
    await deliver(*nodes)
    for running in nodes:
        assert await _hidden_reason(running, comment) is None
    assert RUDE in await _page(wijert, f"/proposals/{held.row_id}")

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{gemeente.base_url}/moderation.json") as response:
            log = await response.json()
    hide_entry, restore_entry = reversed(log["entries"])
    assert hide_entry["action"] == "hide" and hide_entry["subject"] == comment
    assert hide_entry["reason"] == REASON and hide_entry["role"] == "process moderators"
    assert hide_entry["process"] == process.uri
    assert restore_entry["action"] == "restore"
    assert "mod_klimaat" not in str(log)
    log_page = await _page(gemeente, "/moderation")
    assert REASON in log_page and "mod_klimaat" not in log_page
    wijert_log = await wijert.node.moderation_store.log_entries()
    assert [e.action for e in wijert_log] == ["restore", "hide"]


async def test_a_process_moderator_cannot_hide_outside_the_process_and_a_resident_not_at_all(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    process_actor = await gemeente.node.actors.by_uri(process.uri)
    assert process_actor is not None
    moderator = await person(gemeente, "mod_klimaat")
    await appoint_process_moderator(gemeente.node.moderator_services, process_actor, moderator)
    elsewhere = await social_actions.post_note(
        gemeente.node.social_services, await person(gemeente, "piet"), "<p>Los bericht</p>"
    )
    with pytest.raises(NotAllowed, match="not a moderator"):
        await acting_as(gemeente.node.moderator_services, moderator, elsewhere["id"])
    with pytest.raises(NotAllowed, match="not a moderator"):
        await acting_as(
            gemeente.node.moderator_services, await person(gemeente, "resident"), elsewhere["id"]
        )
    assert await gemeente.node.moderation_store.log_entries() == []


async def test_a_remove_from_an_actor_that_is_not_the_objects_process_is_refused(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    await social_actions.follow(
        oosterpark.node.social_services, await oosterpark.node.organisation(), process.uri
    )
    await deliver(gemeente, oosterpark)
    proposal = await create_proposal(
        gemeente.node.participation_services,
        await person(gemeente, "fatima"),
        process,
        "Meer bomen",
        "Twintig erbij.",
    )
    await deliver(gemeente, oosterpark)
    impostor = await oosterpark.node.organisation()
    removal = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": oosterpark.node.urls.new_activity(),
        "type": "Remove",
        "actor": impostor.uri,
        "object": proposal.uri,
        "target": impostor.uri,
        "summary": "weg ermee",
    }
    signer = await oosterpark.node.actors.signer_for(impostor.uri)
    assert signer is not None
    outcome = await oosterpark.node.transport.post_activity(
        gemeente.node.urls.shared_inbox(), json.dumps(removal).encode(), signer
    )
    assert outcome.status == 403 and "only the process it was posted in" in outcome.error
    assert await _hidden_reason(gemeente, proposal.uri) is None
