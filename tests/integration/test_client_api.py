"""Residents use the node from Mastodon apps: Mastodon.py as a real client against real nodes."""

from __future__ import annotations

import asyncio

import pytest
from mastodon import Mastodon, MastodonNotFoundError, MastodonUnauthorizedError

from tests.integration.conftest import StartNode, deliver
from tests.integration.oauth_browser import logged_in_client, resident


async def call(function, *args, **kwargs):
    """Run a synchronous Mastodon.py call off the loop that serves the nodes."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def test_resident_logs_in_posts_replies_opens_context_and_favourites(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(oosterpark, "anna")
    await resident(oosterpark, "bert")
    anna = await logged_in_client(oosterpark, "anna")
    bert = await logged_in_client(oosterpark, "bert")

    me = await call(anna.me)
    assert me.acct == "anna" and me.avatar.endswith(".png") and me.header_static
    assert await call(anna.timeline_home) == []

    post = await call(anna.status_post, "Wie helpt zaterdag met de bloembakken?")
    assert post.content == "<p>Wie helpt zaterdag met de bloembakken?</p>"
    assert post.account.id == me.id and post.mentions == [] and post.visibility == "public"

    seen = await call(bert.status, post.id)
    reply = await call(bert.status_reply, seen, "Ik kom om tien uur.")
    assert reply.in_reply_to_id == post.id
    assert [m.acct for m in reply.mentions] == ["anna"]
    assert "@<span>anna</span>" in reply.content and "Ik kom om tien uur." in reply.content

    context = await call(anna.status_context, post.id)
    assert [s.id for s in context.descendants] == [reply.id]
    assert [s.id for s in (await call(anna.status_context, reply.id)).ancestors] == [post.id]

    liked = await call(anna.status_favourite, reply.id)
    assert liked.favourited and liked.favourites_count == 1
    assert [a.acct for a in await call(bert.status_favourited_by, reply.id)] == ["anna"]
    unliked = await call(anna.status_unfavourite, reply.id)
    assert not unliked.favourited and unliked.favourites_count == 0

    home = await call(anna.timeline_home)
    assert [s.id for s in home] == [post.id]
    mentions = await call(anna.notifications, types=["mention"])
    assert [(n.type, n.account.acct, n.status.id) for n in mentions] == [
        ("mention", "bert", reply.id)
    ]
    favourites = await call(bert.notifications, types=["favourite"])
    assert [(n.type, n.account.acct) for n in favourites] == [("favourite", "anna")]

    [found] = await call(bert.account_search, "ann")
    await call(bert.account_follow, found.id)
    [followed] = await call(anna.notifications, types=["follow"])
    assert followed.account.acct == "bert"
    assert [s.id for s in await call(bert.timeline_home)] == [reply.id, post.id]


async def test_account_pages_public_timeline_and_delete(start: StartNode) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    kept = await call(anna.status_post, "Buurtfeest op 12 juni.")
    gone = await call(anna.status_post, "Vergeten: de datum klopt niet.")
    me = await call(anna.account_lookup, "anna")

    assert [s.id for s in await call(anna.account_statuses, me.id)] == [gone.id, kept.id]
    deleted = await call(anna.status_delete, gone.id)
    assert deleted.id == gone.id and deleted.text == "Vergeten: de datum klopt niet."

    anonymous = Mastodon(api_base_url=oosterpark.base_url)
    assert [s.id for s in await call(anonymous.timeline_local)] == [kept.id]
    assert (await call(anonymous.account, me.id)).statuses_count == 1
    with pytest.raises(MastodonNotFoundError):
        await call(anonymous.status, gone.id)


async def test_revoked_token_is_refused(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    token = anna.access_token

    await call(anna.revoke_access_token, allow_http=True)

    stale = Mastodon(access_token=token, api_base_url=oosterpark.base_url)
    with pytest.raises(MastodonUnauthorizedError, match="The access token is invalid"):
        await call(stale.me)


async def test_home_timeline_pages_with_link_headers(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    posted = [(await call(anna.status_post, f"Bericht {n}")).id for n in range(5)]

    first = await call(anna.timeline_home, limit=2)
    second = await call(anna.fetch_next, first)
    third = await call(anna.fetch_next, second)
    assert [s.id for page in (first, second, third) for s in page] == posted[::-1]
    assert await call(anna.fetch_next, third) == []
    newer = await call(anna.fetch_previous, second)
    assert [s.id for s in newer] == posted[3:5][::-1]


async def test_status_of_another_node_is_not_found_by_foreign_id(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    with pytest.raises(MastodonNotFoundError):
        await call(anna.status, "109876543210")


async def test_remote_resident_is_found_followed_and_their_reply_and_favourite_notify(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    await resident(oosterpark, "anna")
    await resident(gemeente, "wethouder")
    anna = await logged_in_client(oosterpark, "anna")
    wethouder = await logged_in_client(gemeente, "wethouder")
    gemeente_host = gemeente.node.urls.host

    welcome = await call(wethouder.status_post, "Welkom bij de gemeente.")
    by_url = await call(anna.search_v2, welcome.uri, resolve=True)
    assert [s.content for s in by_url.statuses] == [welcome.content]

    found = await call(anna.search_v2, f"@wethouder@{gemeente_host}", resolve=True)
    assert [a.acct for a in found.accounts] == [f"wethouder@{gemeente_host}"]
    remote = found.accounts[0]
    assert remote.url == f"{gemeente.base_url}/@wethouder" and remote.avatar

    await call(anna.account_follow, remote.id)
    await deliver(oosterpark, gemeente)
    [relationship] = await call(anna.account_relationships, remote.id)
    assert relationship.following

    announcement = await call(wethouder.status_post, "Inloopavond over de Oosterparkwijk.")
    await deliver(oosterpark, gemeente)
    home = await call(anna.timeline_home)
    assert [s.uri for s in home] == [announcement.uri, welcome.uri]
    assert home[0].account.acct == f"wethouder@{gemeente_host}"

    question = await call(anna.status_reply, home[0], "Komt er ook een avond in het Engels?")
    await deliver(oosterpark, gemeente)
    seen_there = await call(wethouder.status_context, announcement.id)
    assert [s.uri for s in seen_there.descendants] == [question.uri]
    await call(wethouder.status_favourite, seen_there.descendants[0].id)
    answer = await call(wethouder.status_reply, seen_there.descendants[0], "Ja, op 5 december.")
    await deliver(oosterpark, gemeente)

    everything = await call(anna.notifications)
    assert sorted(n.type for n in everything) == ["favourite", "mention"]
    [mention] = await call(anna.notifications, types=["mention"])
    assert mention.status.uri == answer.uri
    assert mention.account.acct == f"wethouder@{gemeente_host}"
    assert [m.acct for m in mention.status.mentions] == ["anna"]
    boosted = await call(anna.status_reblog, home[0].id)
    assert boosted.reblog.uri == announcement.uri and boosted.reblog.reblogged
    await deliver(oosterpark, gemeente)
    [reblog] = await call(wethouder.notifications, types=["reblog"])
    assert reblog.status.id == announcement.id
    assert (await call(wethouder.status, announcement.id)).reblogs_count == 1
    await call(anna.status_unreblog, home[0].id)
    await deliver(oosterpark, gemeente)
    assert (await call(wethouder.status, announcement.id)).reblogs_count == 0

    grouped = await call(anna.grouped_notifications, types=["mention"])
    assert [g.status_id for g in grouped.notification_groups] == [mention.status.id]
    assert [a.acct for a in grouped.accounts] == [f"wethouder@{gemeente_host}"]
    [follow] = await call(wethouder.notifications, types=["follow"])
    assert follow.account.acct == f"anna@{oosterpark.node.urls.host}"

    own_id = (await call(wethouder.me)).id
    assert [a.id for a in await call(wethouder.account_followers, own_id)] == [follow.account.id]
    assert not (await call(anna.account_unfollow, remote.id)).following
    await deliver(oosterpark, gemeente)
    assert await call(wethouder.account_followers, own_id) == []
