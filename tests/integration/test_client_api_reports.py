"""Reporting from a Mastodon app: ``POST /api/v1/reports`` through Mastodon.py."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from node import social_actions
from tests.integration.conftest import StartNode, deliver
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.test_moderation_reports import _comment_from_b_in_process_on_a


async def test_a_resident_reports_a_remote_comment_from_an_app_and_the_flag_reaches_its_node(
    start: StartNode,
) -> None:
    gemeente, oosterpark, comment, author = await _comment_from_b_in_process_on_a(start)
    await resident(gemeente, "henk")
    henk = await logged_in_client(gemeente, "henk")
    record = await gemeente.node.objects.record(comment)
    assert record is not None
    status = await asyncio.to_thread(henk.status, record.row_id)

    report = await asyncio.to_thread(
        henk.report, status["account"]["id"], [status["id"]], "Scheldpartij", forward=True
    )
    await deliver(gemeente, oosterpark)

    assert report["action_taken"] is False and report["forwarded"] is True
    assert report["comment"] == "Scheldpartij" and report["category"] == "other"
    assert [str(s) for s in report["status_ids"]] == [str(status["id"])]
    assert report["target_account"]["acct"] == status["account"]["acct"]
    [own] = await gemeente.node.moderation_store.open_reports()
    assert str(own.id) == str(report["id"]) and own.object_ids == (comment,)
    [received] = await oosterpark.node.moderation_store.open_reports()
    assert received.target_account == author and received.object_ids == (comment,)
    assert received.comment == "Scheldpartij"


async def test_a_report_without_forward_stays_on_the_residents_own_node(
    start: StartNode,
) -> None:
    gemeente, oosterpark, comment, _ = await _comment_from_b_in_process_on_a(start)
    await resident(gemeente, "henk")
    henk = await logged_in_client(gemeente, "henk")
    record = await gemeente.node.objects.record(comment)
    assert record is not None
    status = await asyncio.to_thread(henk.status, record.row_id)

    report = await asyncio.to_thread(henk.report, status["account"]["id"], [status["id"]])
    await deliver(gemeente, oosterpark)

    assert report["forwarded"] is False
    assert len(await gemeente.node.moderation_store.open_reports()) == 1
    assert await oosterpark.node.moderation_store.open_reports() == []


async def test_reports_about_unknown_accounts_or_posts_of_someone_else_are_refused(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    rows = []
    for name in ("ria", "tess"):
        await resident(wijk, name)
        actor = await wijk.node.actors.by_username(name)
        assert actor is not None
        post = await social_actions.post_note(
            wijk.node.social_services, actor, f"<p>Groeten van {name}</p>"
        )
        record = await wijk.node.objects.record(post["id"])
        assert record is not None
        rows.append(record.row_id)
    await resident(wijk, "sem")
    sem = await logged_in_client(wijk, "sem")
    ria, tess = [(await asyncio.to_thread(sem.status, row))["account"] for row in rows]

    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(sem.report, 987654, [], "Wie is dit?")
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(sem.report, ria["id"], [987654])
    with pytest.raises(MastodonAPIError) as not_hers:
        await asyncio.to_thread(sem.report, tess["id"], [rows[0]], "Niet van haar")
    assert not_hers.value.args[1] == 422 and "not written by" in str(not_hers.value)
    with pytest.raises(MastodonAPIError) as rules:
        await asyncio.to_thread(sem.report, ria["id"], [], category="violation", rule_ids=[1])
    assert rules.value.args[1] == 422
    assert await wijk.node.moderation_store.open_reports() == []

    # Once the node has rules (its settings page applies them at once), a report names them
    # by their ids in GET /api/v1/instance/rules; an id beyond them is still refused.
    wijk.node.config = replace(wijk.node.config, rules=("Wees aardig.", "Geen reclame."))
    with pytest.raises(MastodonAPIError) as beyond:
        await asyncio.to_thread(sem.report, ria["id"], [], category="violation", rule_ids=[3])
    assert beyond.value.args[1] == 422
    named = await asyncio.to_thread(
        sem.report, ria["id"], [], "Scheldt", category="violation", rule_ids=[2]
    )
    assert named["rule_ids"] == ["2"] and named["category"] == "violation"
    assert len(await wijk.node.moderation_store.open_reports()) == 1
