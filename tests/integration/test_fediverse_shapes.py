"""Activities shaped as servers other than Mastodon send them reach a node's real inbox.

A fake server on loopback signs each POST; what it sends copies what Fedify, PeerTube,
Misskey and others put on the wire, where it differs from Mastodon.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import pytest

from activitypub.vocabulary import parse_object
from federation.social_handlers import MAX_FETCHED_PARENTS
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.oauth_browser import logged_in_client, resident

AS = "https://www.w3.org/ns/activitystreams"


async def test_fedify_create_with_identity_context_is_accepted_and_stored(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    fedify = await start_peer()
    hana = fedify.add_account("hana")
    note = fedify.note(hana, "<p>Meer bankjes op het plein</p>", hashtags=("bankjes",))
    activity: dict[str, Any] = {
        **fedify.create(note),
        # What Fedify puts on every activity it sends (its Linked Data signature needs it).
        "@context": [
            AS,
            "https://w3id.org/security/data-integrity/v1",
            "https://w3id.org/identity/v1",
            {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"},
        ],
    }

    answer = await fedify.post(hana, f"{wijk.base_url}/inbox", activity)

    assert answer.status == 202, answer.body
    record = await wijk.node.objects.record(note["id"])
    assert record is not None and record.attributed_to == hana.uri
    assert parse_object(record.document).hashtags == ("bankjes",)


async def test_like_announce_and_undo_of_objects_not_held_here_are_accepted_and_ignored(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    alice = peer.add_account("alice")
    elsewhere = f"{peer.base_url}/users/alice/statuses/404"
    like = peer.like(alice, f"{wijk.base_url}/objects/unknown")
    boost = peer.announce(alice, elsewhere, alice.uri)

    for activity in (like, boost, peer.undo(alice, like), peer.undo(alice, boost)):
        answer = await peer.post(alice, f"{wijk.base_url}/inbox", activity)
        assert answer.status == 202, (activity["type"], answer.body)

    assert await wijk.node.reactions.likes_of(like["object"]) == []
    assert await wijk.node.reactions.announces_of(elsewhere) == []
    assert await wijk.node.objects.record(elsewhere) is None


async def shown_by_app(
    wijk: RunningNode, peer: FakeMastodon, author: PeerAccount, activity: dict[str, Any]
) -> Any:
    """Post `activity` signed by `author`; return the status a resident's app shows of it."""
    answer = await peer.post(author, f"{wijk.base_url}/inbox", activity)
    assert answer.status == 202, answer.body
    record = await wijk.node.objects.record(activity["object"]["id"])
    assert record is not None
    await resident(wijk, "ria")
    app = await logged_in_client(wijk, "ria")
    return await asyncio.to_thread(app.status, str(record.row_id))


async def test_a_post_without_attributed_to_is_shown_under_the_activitys_actor(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    alice = peer.add_account("alice")
    activity = peer.create(peer.note(alice, "<p>Zonder auteur</p>"))
    del activity["object"]["attributedTo"]

    status = await shown_by_app(wijk, peer, alice, activity)

    assert status.account.acct == f"alice@{peer.host}"
    assert status.account.url == f"{peer.base_url}/@alice"


async def shown_without_preferred_username(
    wijk: RunningNode, peer: FakeMastodon, account: PeerAccount
) -> Any:
    """How an app on ``wijk`` shows a post of ``account``, whose actor document leaves out
    ``preferredUsername``."""
    document = peer.actor_document
    peer.actor_document = lambda account: {  # type: ignore[method-assign]
        k: v for k, v in document(account).items() if k != "preferredUsername"
    }
    note = peer.create(peer.note(account, "<p>Hoi</p>"))
    return await shown_by_app(wijk, peer, account, note)


async def test_an_actor_without_preferred_username_is_usable_with_the_last_segment_of_its_id(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    ana = peer.add_account("ana")
    status = await shown_without_preferred_username(wijk, peer, ana)

    assert status.account.acct == f"ana@{peer.host}"


async def test_an_actor_without_preferred_username_takes_the_name_its_host_gives_by_webfinger(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    # An id that is no name (as some servers use); WebFinger by the id gives the handle.
    ana = peer.add_account("01hx7q")
    ana.username = "ana"
    status = await shown_without_preferred_username(wijk, peer, ana)

    assert status.account.acct == f"ana@{peer.host}"


async def test_summary_language_and_an_image_without_media_type_are_shown_as_mastodon_shows_them(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    alice = peer.add_account("alice")
    note = peer.note(alice, "<p>Het bankje is stuk</p>")
    note |= {
        "summary": "<b>Let op</b>: kapot glas",
        "contentMap": {"de": "<p>Die Bank ist kaputt</p>"},
        "attachment": [
            {"type": "Image", "url": f"{peer.base_url}/media/bankje.jpg", "name": "Bankje"}
        ],
    }
    note.pop("sensitive")

    status = await shown_by_app(wijk, peer, alice, peer.create(note))

    assert (status.spoiler_text, status.sensitive) == ("Let op: kapot glas", True)
    assert status.language == "de"
    [image] = status.media_attachments
    assert (image.type, image.url, image.description) == (
        "image",
        f"{peer.base_url}/media/bankje.jpg",
        "Bankje",
    )


async def test_duplicate_mentions_are_shown_once(start: StartNode, start_peer: StartPeer) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    alice = peer.add_account("alice")
    org = await wijk.node.organisation()
    handle = f"@oosterpark@{wijk.node.urls.host}"
    note = peer.note(
        alice, "<p>Twee keer genoemd</p>", mentions=((org.uri, handle), (org.uri, handle))
    )

    status = await shown_by_app(wijk, peer, alice, peer.create(note))

    assert [mention.acct for mention in status.mentions] == ["oosterpark"]


async def test_the_parents_of_a_reply_are_fetched_signed_so_the_reply_shows_in_its_thread(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer(secure_mode=True)
    alice = peer.add_account("alice")
    bob = peer.add_account("bob")
    first = peer.note(alice, "<p>Waar blijft het bankje?</p>")
    second = peer.note(bob, "<p>Goede vraag</p>", in_reply_to=first["id"])
    for parent in (first, second):
        peer.publish(parent)
    reply = peer.note(alice, "<p>Volgende week, zegt de gemeente</p>", in_reply_to=second["id"])

    status = await shown_by_app(wijk, peer, alice, peer.create(reply))

    parent = await wijk.node.objects.record(second["id"])
    grandparent = await wijk.node.objects.record(first["id"])
    assert parent is not None and grandparent is not None
    assert str(status.in_reply_to_id) == str(parent.row_id)
    assert parent.in_reply_to == first["id"] and grandparent.attributed_to == alice.uri
    fetched = [
        r
        for r in peer.fetches
        if r.path in (urlsplit(first["id"]).path, urlsplit(second["id"]).path)
    ]
    assert len(fetched) == 2 and all(r.verified for r in fetched)


async def test_a_reply_whose_parent_cannot_be_fetched_is_kept_without_it(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    alice = peer.add_account("alice")
    gone = f"{alice.uri}/statuses/1"
    reply = peer.note(alice, "<p>Antwoord</p>", in_reply_to=gone)

    answer = await peer.post(alice, f"{wijk.base_url}/inbox", peer.create(reply))

    assert answer.status == 202, answer.body
    assert await wijk.node.objects.record(reply["id"]) is not None
    assert await wijk.node.objects.record(gone) is None


@pytest.mark.parametrize("kind", ["Tombstone", "Relationship", "Place", "Profile"])
async def test_objects_that_are_no_posts_are_accepted_and_not_kept(
    start: StartNode, start_peer: StartPeer, kind: str
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    alice = peer.add_account("alice")
    note = peer.note(alice, "<p>content</p>") | {"type": kind, "name": "name"}

    answer = await peer.post(alice, f"{wijk.base_url}/inbox", peer.create(note))

    assert answer.status == 202, answer.body
    assert await wijk.node.objects.record(note["id"]) is None


async def test_no_more_than_the_bounded_number_of_parents_is_fetched_for_one_reply(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    alice = peer.add_account("alice")
    thread = [peer.note(alice, "<p>0</p>")]
    for number in range(1, MAX_FETCHED_PARENTS + 3):
        thread.append(peer.note(alice, f"<p>{number}</p>", in_reply_to=thread[-1]["id"]))
    for note in thread[:-1]:
        peer.publish(note)

    answer = await peer.post(alice, f"{wijk.base_url}/inbox", peer.create(thread[-1]))

    assert answer.status == 202, answer.body
    kept = [await wijk.node.objects.record(note["id"]) is not None for note in thread]
    assert kept == [False, False] + [True] * (MAX_FETCHED_PARENTS + 1)
    assert len(peer.fetches) - 1 == MAX_FETCHED_PARENTS, "one actor fetch, then the parents"
