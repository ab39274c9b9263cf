"""Posting through the client API: bodies as apps send them, and the refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from federation.errors import RateLimited
from node.mastodon_api.instance import solid_png
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import logged_in_client, resident


async def local_posts(running: RunningNode) -> int:
    return int(await running.node.db.fetch_value("SELECT COUNT(*) FROM objects WHERE local = 1"))


async def test_form_and_json_bodies_with_string_booleans_are_both_understood(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    headers = {"Authorization": f"Bearer {anna.access_token}"}
    url = f"{oosterpark.base_url}/api/v1/statuses"
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(url, json={"status": "Als JSON", "sensitive": "0"}) as answer:
            as_json = await answer.json()
        async with http.post(
            url, data={"status": "Als formulier", "sensitive": "true", "spoiler_text": "Let op"}
        ) as answer:
            as_form = await answer.json()
        async with http.post(url, json={"status": "Kapot", "sensitive": "misschien"}) as answer:
            assert answer.status == 422
            assert "sensitive must be true or false" in (await answer.json())["error"]
    assert (as_json["content"], as_json["sensitive"]) == ("<p>Als JSON</p>", False)
    assert (as_form["sensitive"], as_form["spoiler_text"]) == (True, "Let op")
    assert as_json["created_at"].endswith("Z") and "." in as_json["created_at"]
    assert await local_posts(oosterpark) == 2


async def test_status_with_a_poll_or_a_schedule_is_refused_and_nothing_is_stored(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    poll = await asyncio.to_thread(anna.make_poll, ["Ja", "Nee"], expires_in=3600)

    with pytest.raises(MastodonAPIError, match="polls are opened by processes"):
        await asyncio.to_thread(anna.status_post, "Zullen we?", poll=poll)
    later = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(MastodonAPIError, match="scheduling posts is not available"):
        await asyncio.to_thread(anna.status_post, "Morgen pas.", scheduled_at=later)

    assert await local_posts(oosterpark) == 0


async def test_same_idempotency_key_posts_once(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")

    first = await asyncio.to_thread(anna.status_post, "Eenmaal", idempotency_key="k-1")
    again = await asyncio.to_thread(anna.status_post, "Eenmaal", idempotency_key="k-1")

    assert again.id == first.id
    assert await local_posts(oosterpark) == 1


async def test_posting_beyond_the_rate_limit_answers_429_with_retry_after(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    actor = await oosterpark.node.actors.by_username("anna")
    assert actor is not None
    with pytest.raises(RateLimited):
        while True:
            await oosterpark.node.guard.check(actor.uri, "post")

    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{oosterpark.base_url}/api/v1/statuses",
            headers={"Authorization": f"Bearer {anna.access_token}"},
            data={"status": "Nog eentje"},
        ) as answer:
            assert answer.status == 429
            assert int(answer.headers["Retry-After"]) >= 1
            assert "too many post actions" in (await answer.json())["error"]
        # An image upload spends the same allowance: a flooding account fills no disk.
        upload = aiohttp.FormData()
        upload.add_field("file", solid_png(8, 8, (0, 0, 0)), filename="z.png")
        async with http.post(
            f"{oosterpark.base_url}/api/v2/media",
            headers={"Authorization": f"Bearer {anna.access_token}"},
            data=upload,
        ) as answer:
            assert answer.status == 429 and int(answer.headers["Retry-After"]) >= 1
    assert await local_posts(oosterpark) == 0
    assert await oosterpark.node.db.fetch_value("SELECT COUNT(*) FROM media") == 0


async def test_markers_preferences_and_empty_collections_answer(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")

    saved = await asyncio.to_thread(anna.markers_set, ["home"], ["42"])
    read = await asyncio.to_thread(anna.markers_get, ["home", "notifications"])
    assert saved.home.last_read_id == read.home.last_read_id == "42"
    assert "notifications" not in read
    preferences = await asyncio.to_thread(anna.preferences)
    assert preferences["posting:default:visibility"] == "public"
    assert await asyncio.to_thread(anna.lists) == []
    assert await asyncio.to_thread(anna.custom_emojis) == []
    assert await asyncio.to_thread(anna.filters_v2) == []


async def test_followers_only_post_is_hidden_from_others_until_they_follow(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    await resident(oosterpark, "bert")
    anna = await logged_in_client(oosterpark, "anna")
    bert = await logged_in_client(oosterpark, "bert")
    private = await asyncio.to_thread(
        anna.status_post, "Sleutel ligt onder de mat.", visibility="private"
    )
    assert private.visibility == "private"

    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(bert.status, private.id)
    assert await asyncio.to_thread(bert.account_statuses, private.account.id) == []

    await asyncio.to_thread(bert.account_follow, private.account.id)
    assert (await asyncio.to_thread(bert.status, private.id)).id == private.id
    assert [s.id for s in await asyncio.to_thread(bert.timeline_home)] == [private.id]
