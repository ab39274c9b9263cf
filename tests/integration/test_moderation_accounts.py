"""Moderating accounts and posts: suspending a remote account, removing for good, warning."""

from __future__ import annotations

import asyncio

import pytest

from federation.errors import Conflict, NotFound
from node import social_actions
from node.moderator_actions import (
    OPERATOR,
    hide,
    remove,
    restore,
    suspend,
    unsuspend,
    warn,
)
from node.web.refusals import http_status
from tests.integration.conftest import StartNode, StartPeer
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.participation_helpers import person


async def test_a_suspended_remote_account_is_refused_at_the_inbox_and_its_posts_hidden(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    troll = mastodon.add_account("troll")
    ria = await person(wijk, "ria")
    inbox = wijk.node.urls.shared_inbox()
    note = mastodon.note(troll, "Jullie wijkraad is corrupt", mentions=((ria.uri, "@ria"),))
    assert (await mastodon.post(troll, inbox, mastodon.create(note))).status == 202
    assert (await mastodon.post(troll, inbox, mastodon.follow(troll, ria.uri))).status == 202
    assert await wijk.node.follows.followers_of(ria.uri) == [troll.uri]

    await suspend(wijk.node.moderator_services, OPERATOR, troll.uri, "Intimidatie van bewoners")

    record = await wijk.node.objects.record(note["id"])
    assert record is not None and "suspended" in (record.hidden_reason or "")
    refused = await mastodon.post(troll, inbox, mastodon.follow(troll, ria.uri))
    assert refused.status == 403 and "suspended" in refused.body["error"]
    assert await wijk.node.follows.followers_of(ria.uri) == []

    await unsuspend(wijk.node.moderator_services, OPERATOR, troll.uri, "Excuses aangeboden")
    assert (await wijk.node.objects.record(note["id"])).hidden_reason is None
    assert (await mastodon.post(troll, inbox, mastodon.follow(troll, ria.uri))).status == 202


async def test_a_removed_local_post_is_deleted_everywhere_and_cannot_be_restored(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    ria = await person(wijk, "ria")
    post = await social_actions.post_note(
        wijk.node.social_services, ria, "<p>Adres en telefoon van de buurman</p>"
    )

    entry = await remove(
        wijk.node.moderator_services, OPERATOR, post["id"], "Persoonsgegevens van een ander"
    )

    record = await wijk.node.objects.record(post["id"])
    assert record is not None and record.deleted_at is not None and record.content is None
    sent = await wijk.node.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE type = 'Delete' AND object = ?", (post["id"],)
    )
    assert sent == 1
    assert entry.action == "remove" and entry.reason == "Persoonsgegevens van een ander"
    with pytest.raises(NotFound, match="no post"):
        await restore(wijk.node.moderator_services, OPERATOR, post["id"])


async def test_warning_a_resident_tells_them_and_is_logged_and_a_second_hide_conflicts(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    ria = await person(wijk, "ria")
    entry = await warn(wijk.node.moderator_services, OPERATOR, ria.uri, "Let op je toon")
    assert entry.action == "warn" and entry.subject == ria.uri
    told = await wijk.node.db.fetch_value(
        "SELECT type FROM notifications WHERE recipient = ?", (ria.uri,)
    )
    assert told == "moderation_warning"

    post = await social_actions.post_note(wijk.node.social_services, ria, "<p>Hm.</p>")
    await hide(wijk.node.moderator_services, OPERATOR, post["id"], "Op verzoek van de schrijver")
    with pytest.raises(Conflict) as again:
        await hide(wijk.node.moderator_services, OPERATOR, post["id"], "Nog eens")
    assert http_status(again.value) == 409


async def test_a_deleted_remote_account_takes_its_posts_with_it(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    leaving = mastodon.add_account("vertrekker")
    ria = await person(wijk, "ria")
    inbox = wijk.node.urls.shared_inbox()
    note = mastodon.note(leaving, "Tot ziens, buurt", mentions=((ria.uri, "@ria"),))
    assert (await mastodon.post(leaving, inbox, mastodon.create(note))).status == 202

    deletion = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{leaving.uri}#delete",
        "type": "Delete",
        "actor": leaving.uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": leaving.uri,
    }
    assert (await mastodon.post(leaving, inbox, deletion)).status == 202

    record = await wijk.node.objects.record(note["id"])
    assert record is not None and record.deleted_at is not None and record.content is None


async def test_mastodons_remove_from_its_pinned_posts_is_accepted_without_effect(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    author = mastodon.add_account("auteur")
    ria = await person(wijk, "ria")
    inbox = wijk.node.urls.shared_inbox()
    note = mastodon.note(author, "Vastgepind bericht", mentions=((ria.uri, "@ria"),))
    assert (await mastodon.post(author, inbox, mastodon.create(note))).status == 202
    unpin = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{author.uri}#removes/1",
        "type": "Remove",
        "actor": author.uri,
        "object": note["id"],
        "target": f"{author.uri}/collections/featured",
    }
    assert (await mastodon.post(author, inbox, unpin)).status == 202
    assert (await wijk.node.objects.record(note["id"])).hidden_reason is None
    assert await wijk.node.moderation_store.log_entries() == []


async def test_a_hidden_post_shows_the_moderators_reason_in_mastodon_apps(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(wijk, "anna")
    anna = await logged_in_client(wijk, "anna")
    status = await asyncio.to_thread(anna.status_post, "Iets wat niet mag")
    await hide(wijk.node.moderator_services, OPERATOR, status["uri"], "Reclame")

    seen = await asyncio.to_thread(anna.status, status["id"])
    assert "verborgen door de moderatoren: Reclame" in seen["content"]
    assert "niet mag" not in seen["content"]
