"""What Elk, Phanpy, Tusky, Ivory and Whalebird call besides posting: every endpoint
answers in Mastodon's JSON, and bookmarks, favourites, pins and mutes work."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from mastodon import Mastodon, MastodonAPIError

from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import logged_in_client, neighbours, resident


async def call(function, *args, **kwargs):
    """Run a synchronous Mastodon.py call off the loop that serves the nodes."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def answer(base: str, token: str, method: str, path: str) -> tuple[int, str, object]:
    """Status, content type and JSON body of one authenticated request."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.request(method, base + path) as response:
            return response.status, response.content_type, await response.json()


# (method, path, status, what the body is): what apps call at start-up and on common
# actions for features this node does not have, or has only as empty collections.
START_UP_CALLS = [
    ("GET", "/api/v1/favourites", 200, []),
    ("GET", "/api/v1/bookmarks", 200, []),
    ("GET", "/api/v1/mutes", 200, []),
    ("GET", "/api/v2/suggestions", 200, []),
    ("GET", "/api/v1/suggestions", 200, []),
    ("GET", "/api/v1/endorsements", 200, []),
    ("GET", "/api/v1/followed_tags", 200, []),
    ("GET", "/api/v1/filters", 200, []),
    ("GET", "/api/v2/filters", 200, []),
    ("GET", "/api/v1/lists", 200, []),
    ("GET", "/api/v1/announcements", 200, []),
    ("GET", "/api/v1/conversations", 200, []),
    ("GET", "/api/v1/trends/tags", 200, []),
    ("GET", "/api/v1/trends/statuses", 200, []),
    ("GET", "/api/v1/trends/links", 200, []),
    ("GET", "/api/v1/custom_emojis", 200, []),
    ("GET", "/api/v1/timelines/direct", 200, []),
    ("GET", "/api/v1/notifications/requests", 200, []),
    ("GET", "/api/v1/instance/translation_languages", 200, {}),
    ("GET", "/api/v1/push/subscription", 404, "error"),
    ("POST", "/api/v1/push/subscription", 422, "error"),
    ("GET", "/api/v1/streaming/health", 404, "error"),
    ("GET", "/api/v1/timelines/list/1", 404, "error"),
    ("POST", "/api/v1/tags/buurt/follow", 422, "error"),
    ("PUT", "/api/v2/notifications/policy", 422, "error"),
    ("GET", "/api/v9/nothing/here", 404, "error"),
    ("PATCH", "/api/v1/statuses", 404, "error"),
]


async def test_start_up_endpoints_answer_mastodons_json_never_plain_text(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    for method, path, status, body in START_UP_CALLS:
        got_status, content_type, got = await answer(
            oosterpark.base_url, anna.access_token, method, path
        )
        assert (method, path, got_status, content_type) == (
            method,
            path,
            status,
            "application/json",
        )
        if body == "error":
            assert isinstance(got, dict) and isinstance(got["error"], str), (path, got)
        else:
            assert got == body, (path, got)


async def test_instance_subresources_and_notification_policy_have_mastodons_shape(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    await call(anna.status_post, "Eerste bericht van deze week.")
    base, token = oosterpark.base_url, anna.access_token

    _, _, weeks = await answer(base, token, "GET", "/api/v1/instance/activity")
    assert isinstance(weeks, list) and len(weeks) == 12
    accounts = await oosterpark.node.accounts.count()
    assert weeks[0]["statuses"] == "1" and weeks[0]["registrations"] == str(accounts)
    assert weeks[0]["logins"] == "1" and weeks[1]["statuses"] == "0"
    _, _, about = await answer(base, token, "GET", "/api/v1/instance/extended_description")
    assert set(about) == {"updated_at", "content"}
    _, _, policy = await answer(base, token, "GET", "/api/v2/notifications/policy")
    assert policy["for_not_following"] == "accept"
    assert policy["summary"]["pending_requests_count"] == 0
    _, _, tag = await answer(base, token, "GET", "/api/v1/tags/buurtfeest")
    assert tag["name"] == "buurtfeest" and tag["following"] is False

    post = await call(anna.status_post, "Te vertalen.")
    status, _, refused = await answer(base, token, "POST", f"/api/v1/statuses/{post.id}/translate")
    assert status == 403 and "Translation" in refused["error"]


async def test_nodeinfo_names_mastodon_as_upstream_for_clients_that_pick_an_api(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{oosterpark.base_url}/nodeinfo/2.1") as response:
            info = await response.json(content_type=None)
    assert info["software"]["name"] == "samenspraak"
    assert info["metadata"]["upstream"] == {"name": "mastodon", "version": "4.3.0"}


async def test_bookmarks_and_favourites_are_listed_newest_first_and_undone(
    start: StartNode,
) -> None:
    anna, bert = await neighbours(await start("oosterpark"))
    first = await call(bert.status_post, "Bloembakken op zaterdag.")
    second = await call(bert.status_post, "Koffie na afloop.")

    marked = await call(anna.status_bookmark, first.id)
    assert marked.bookmarked and not (await call(bert.status, first.id)).bookmarked
    await call(anna.status_bookmark, second.id)
    assert [s.id for s in await call(anna.bookmarks)] == [second.id, first.id]
    assert await call(bert.bookmarks) == []
    unmarked = await call(anna.status_unbookmark, second.id)
    assert not unmarked.bookmarked
    assert [s.id for s in await call(anna.bookmarks)] == [first.id]

    await call(anna.status_favourite, second.id)
    await call(anna.status_favourite, first.id)
    assert [s.id for s in await call(anna.favourites)] == [first.id, second.id]
    await call(anna.status_unfavourite, first.id)
    assert [s.id for s in await call(anna.favourites)] == [second.id]


async def test_own_posts_pin_to_the_profile_and_others_posts_do_not(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    anna, bert = await neighbours(oosterpark)
    kept = await call(anna.status_post, "Spreekuur elke dinsdag.")
    await call(anna.status_post, "Gewoon een bericht.")
    me = await call(anna.me)

    pinned = await call(anna.status_pin, kept.id)
    assert pinned.pinned
    anonymous = Mastodon(api_base_url=oosterpark.base_url)
    assert [s.id for s in await call(anonymous.account_statuses, me.id, pinned=True)] == [kept.id]
    with pytest.raises(MastodonAPIError, match="only pin your own"):
        await call(bert.status_pin, kept.id)
    featured = await pinned_elsewhere(oosterpark, "anna")
    assert [post["id"] for post in featured] == [kept.uri]
    assert await sent_to_followers(oosterpark, "Add") == [
        (kept.uri, oosterpark.node.urls.featured("anna"))
    ]

    assert not (await call(anna.status_unpin, kept.id)).pinned
    assert await call(anonymous.account_statuses, me.id, pinned=True) == []
    assert await pinned_elsewhere(oosterpark, "anna") == []
    assert await sent_to_followers(oosterpark, "Remove") == [
        (kept.uri, oosterpark.node.urls.featured("anna"))
    ]


async def pinned_elsewhere(running: RunningNode, username: str) -> list[dict]:
    """The pinned posts other servers read: the actor's ``featured`` collection."""
    accept = {"Accept": "application/activity+json"}
    async with aiohttp.ClientSession(headers=accept) as http:
        async with http.get(running.node.urls.actor(username)) as answer:
            featured = (await answer.json(content_type=None))["featured"]
        async with http.get(featured) as answer:
            collection = await answer.json(content_type=None)
    assert collection["totalItems"] == len(collection["orderedItems"])
    return collection["orderedItems"]


async def sent_to_followers(running: RunningNode, kind: str) -> list[tuple[str, str]]:
    """(object, target) of the activities of a kind the node sent."""
    rows = await running.node.db.fetch_all(
        "SELECT document FROM outbox WHERE type = ? ORDER BY id", (kind,)
    )
    return [(d["object"], d["target"]) for d in (json.loads(r[0]) for r in rows)]


async def test_muted_account_leaves_home_and_notifications_until_unmuted(
    start: StartNode,
) -> None:
    anna, bert = await neighbours(await start("oosterpark"))
    bert_account = await call(anna.account_lookup, "bert")
    await call(anna.account_follow, bert_account.id)
    post = await call(bert.status_post, "Luid bericht.")
    mine = await call(anna.status_post, "Mijn vraag.")
    await call(bert.status_favourite, mine.id)

    relationship = await call(anna.account_mute, bert_account.id)
    assert relationship.muting and relationship.muting_notifications
    assert [a.acct for a in await call(anna.mutes)] == ["bert"]
    assert [s.id for s in await call(anna.timeline_home)] == [mine.id]
    assert await call(anna.notifications, types=["favourite"]) == []

    await call(anna.account_unmute, bert_account.id)
    assert [s.id for s in await call(anna.timeline_home)] == [mine.id, post.id]
    assert len(await call(anna.notifications, types=["favourite"])) == 1


async def test_muted_conversation_stops_notifications_from_its_replies(start: StartNode) -> None:
    anna, bert = await neighbours(await start("oosterpark"))
    question = await call(anna.status_post, "Wie heeft er een ladder?")
    first = await call(bert.status_reply, question, "Ik!")

    assert (await call(anna.status_mute, first.id)).muted
    assert (await call(anna.status, question.id)).muted
    await call(bert.status_reply, first, "Of toch niet.")
    assert await call(anna.notifications, types=["mention"]) == []
    await call(anna.status_unmute, question.id)
    assert len(await call(anna.notifications, types=["mention"])) == 2


async def test_a_body_over_the_limit_is_refused_in_json_not_plain_text(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    headers = {"Authorization": f"Bearer {anna.access_token}"}
    huge = "x" * (2 * 1024 * 1024)
    async with aiohttp.ClientSession(headers=headers) as http:
        for body in ({"json": {"status": huge}}, {"data": {"status": huge}}):
            async with http.post(f"{oosterpark.base_url}/api/v1/statuses", **body) as answer:
                assert answer.status == 413 and answer.content_type == "application/json"
                assert "over the limit" in (await answer.json())["error"]
    assert await oosterpark.node.objects.count_local_posts() == 0


async def test_favourites_and_bookmarks_page_by_when_they_were_given(start: StartNode) -> None:
    anna, bert = await neighbours(await start("oosterpark"))
    posts = [await call(bert.status_post, f"Bericht {n}") for n in range(3)]
    # Given in another order than posted: pages follow the favourite, not the post.
    for post in (posts[1], posts[0], posts[2]):
        await call(anna.status_favourite, post.id)
        await call(anna.status_bookmark, post.id)
    for listing in (anna.favourites, anna.bookmarks):
        first = await call(listing, limit=2)
        second = await call(anna.fetch_next, first)
        assert [s.id for s in first] == [posts[2].id, posts[0].id]
        assert [s.id for s in second] == [posts[1].id]
        assert await call(anna.fetch_next, second) == []


async def test_five_posts_pin_a_sixth_is_refused_and_pinning_again_changes_nothing(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    posts = [await call(anna.status_post, f"Mededeling {n}") for n in range(6)]
    for post in posts[:5]:
        await call(anna.status_pin, post.id)

    assert (await call(anna.status_pin, posts[0].id)).pinned
    with pytest.raises(MastodonAPIError, match="at most 5"):
        await call(anna.status_pin, posts[5].id)
    assert len(await pinned_elsewhere(oosterpark, "anna")) == 5
    assert len(await sent_to_followers(oosterpark, "Add")) == 5
