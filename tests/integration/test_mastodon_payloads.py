"""Activities shaped exactly as Mastodon 4.x sends them are accepted and understood.

A fake Mastodon server on loopback signs each POST as Mastodon does; the node
under test answers through its real inbox route, and what it sends back is
verified by the fake server the way Mastodon verifies it.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from activitypub.vocabulary import parse_object
from node import social_actions
from tests.integration.conftest import StartNode, StartPeer, deliver


async def test_mastodon_follow_is_accepted_and_the_accept_verifies_at_mastodon(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice", "Alice de Vries")
    org = await wijk.node.organisation()

    follow = mastodon.follow(alice, org.uri)
    answer = await mastodon.post(alice, org.uri + "/inbox", follow)

    assert answer.status == 202
    assert await wijk.node.follows.followers_of(org.uri) == [alice.uri]
    known = await wijk.node.actors.remote_actor(alice.uri)
    assert known is not None
    assert (known.username, known.shared_inbox) == ("alice", f"{mastodon.base_url}/inbox")

    assert await deliver(wijk) == 1
    [accept] = mastodon.received_by(alice)
    assert accept.verified, accept.failure
    assert accept.signer == org.uri
    assert accept.activity["type"] == "Accept"
    assert accept.activity["actor"] == org.uri
    assert accept.activity["object"]["id"] == follow["id"]
    assert "@context" not in accept.activity["object"]


async def test_mastodon_note_with_mention_and_hashtags_is_stored_sanitised(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    note = mastodon.note(
        alice,
        f'<p><span class="h-card"><a href="{org.uri}" class="u-url mention">'
        f"@<span>oosterpark</span></a></span> Het speeltuintje is weer kapot "
        f'<a href="{mastodon.base_url}/tags/speeltuin" class="mention hashtag" rel="tag">'
        "#<span>speeltuin</span></a> #<span>Oosterpark</span></p>"
        '<script>alert("weg ermee")</script>',
        mentions=((org.uri, f"@oosterpark@{wijk.node.urls.host}"),),
        hashtags=("speeltuin", "oosterpark"),
    )

    answer = await mastodon.post(alice, f"{wijk.base_url}/inbox", mastodon.create(note))

    assert answer.status == 202, answer.body
    record = await wijk.node.objects.record(note["id"])
    assert record is not None
    assert record.attributed_to == alice.uri and record.public
    assert "Het speeltuintje is weer kapot" in (record.content or "")
    assert "<script" not in (record.content or "") and "alert" not in (record.content or "")
    stored = parse_object(record.document)
    assert stored.hashtags == ("speeltuin", "oosterpark")
    assert stored.mentions == (org.uri,)


async def test_mastodon_like_is_counted_then_removed_by_the_undo_embedding_it(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    post = await social_actions.post_note(
        wijk.node.social_services, org, "<p>Buurtfeest op zaterdag!</p>"
    )
    like = mastodon.like(alice, post["id"])

    assert (await mastodon.post(alice, f"{org.uri}/inbox", like)).status == 202
    assert await wijk.node.reactions.likes_of(post["id"]) == [alice.uri]

    assert (
        await mastodon.post(alice, f"{org.uri}/inbox", mastodon.undo(alice, like))
    ).status == 202
    assert await wijk.node.reactions.likes_of(post["id"]) == []


async def test_mastodon_announce_of_a_local_post_is_counted_and_undone(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    post = await social_actions.post_note(
        wijk.node.social_services, org, "<p>Buurtfeest op zaterdag!</p>"
    )
    boost = mastodon.announce(alice, post["id"], org.uri)

    assert (await mastodon.post(alice, f"{wijk.base_url}/inbox", boost)).status == 202
    assert await wijk.node.reactions.announces_of(post["id"]) == [alice.uri]

    undo = mastodon.undo(alice, boost)
    assert (await mastodon.post(alice, f"{wijk.base_url}/inbox", undo)).status == 202
    assert await wijk.node.reactions.announces_of(post["id"]) == []


async def test_mastodon_announce_of_an_unknown_post_fetches_it_from_its_origin(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer(secure_mode=True)
    alice = mastodon.add_account("alice")
    bob = mastodon.add_account("bob")
    note = mastodon.note(bob, "<p>De bieb gaat zondag open.</p>", hashtags=("bieb",))
    mastodon.publish(note)

    boost = mastodon.announce(alice, note["id"], bob.uri)
    answer = await mastodon.post(alice, f"{wijk.base_url}/inbox", boost)

    assert answer.status == 202, answer.body
    record = await wijk.node.objects.record(note["id"])
    assert record is not None and record.attributed_to == bob.uri
    assert "De bieb gaat zondag open." in (record.content or "")
    assert await wijk.node.reactions.announces_of(note["id"]) == [alice.uri]
    # Secure mode: the status was only served to a fetch Mastodon could verify.
    [status_fetch] = [f for f in mastodon.fetches if f.path == urlsplit(note["id"]).path]
    assert status_fetch.verified, status_fetch.failure
    assert status_fetch.signer == (await wijk.node.instance_actor()).uri


async def test_mastodon_edit_of_a_note_replaces_its_content_sanitised(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    note = mastodon.note(alice, "<p>Vergadering om 19.00 uur.</p>")
    inbox = f"{wijk.base_url}/inbox"
    assert (await mastodon.post(alice, inbox, mastodon.create(note))).status == 202

    edit = mastodon.update_note(note, '<p>Vergadering om 20.00 uur.</p><img src="x" onerror="1">')
    answer = await mastodon.post(alice, inbox, edit)

    assert answer.status == 202, answer.body
    record = await wijk.node.objects.record(note["id"])
    assert record is not None and record.updated == edit["object"]["updated"]
    assert "20.00 uur" in (record.content or "") and "19.00" not in (record.content or "")
    assert "onerror" not in (record.content or "")


async def test_mastodon_delete_with_a_tombstone_removes_the_note(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    note = mastodon.note(alice, "<p>Oeps, verkeerde wijk.</p>")
    inbox = f"{wijk.base_url}/inbox"
    assert (await mastodon.post(alice, inbox, mastodon.create(note))).status == 202

    answer = await mastodon.post(alice, inbox, mastodon.delete(alice, note))

    assert answer.status == 202, answer.body
    record = await wijk.node.objects.record(note["id"])
    assert record is not None
    assert record.deleted_at is not None and record.content is None


async def test_mastodon_actor_update_with_a_rotated_key_makes_the_new_key_verify(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice", "Alice")
    inbox = f"{wijk.base_url}/inbox"
    first = mastodon.note(alice, "<p>Eerste bericht.</p>")
    assert (await mastodon.post(alice, inbox, mastodon.create(first))).status == 202

    old_key = mastodon.rotate_key(alice)
    alice.display_name = "Alice (nieuwe sleutel)"
    update = mastodon.update_actor(alice)
    # The Update is signed with the key the node knows; it carries the new one.
    answer = await mastodon.post(alice, inbox, update, private_pem=old_key)
    assert answer.status == 202, answer.body

    cached = await wijk.node.actors.remote_actor(alice.uri)
    assert cached is not None and cached.public_key_pem == alice.public_pem
    fetches_before = len(mastodon.fetches)
    second = mastodon.note(alice, "<p>Tweede bericht, met de nieuwe sleutel.</p>")
    assert (await mastodon.post(alice, inbox, mastodon.create(second))).status == 202
    assert await wijk.node.objects.record(second["id"]) is not None
    assert len(mastodon.fetches) == fetches_before, "the new key was known from the Update"

    stale = mastodon.note(alice, "<p>Met de oude sleutel.</p>")
    refused = await mastodon.post(alice, inbox, mastodon.create(stale), private_pem=old_key)
    assert refused.status == 401
    assert "bad_signature" in refused.body["error"]
    assert await wijk.node.objects.record(stale["id"]) is None


async def test_an_actor_document_arriving_in_many_pieces_is_read_whole(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice", "Alice " + "van de Korrewegwijk " * 15_000)

    answer = await mastodon.post(
        alice, f"{wijk.base_url}/inbox", mastodon.create(mastodon.note(alice, "<p>Hoi!</p>"))
    )

    assert answer.status == 202, answer.body
    known = await wijk.node.actors.remote_actor(alice.uri)
    assert known is not None and known.public_key_pem == alice.public_pem


async def test_mastodon_hs2019_signature_is_accepted(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    note = mastodon.note(alice, "<p>Getekend met hs2019.</p>")

    answer = await mastodon.post(
        alice, f"{wijk.base_url}/inbox", mastodon.create(note), algorithm="hs2019"
    )

    assert answer.status == 202, answer.body
    assert await wijk.node.objects.record(note["id"]) is not None


async def test_mastodon_rfc9421_signature_is_accepted(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    note = mastodon.note(alice, "<p>Getekend volgens RFC 9421.</p>")
    url = f"{wijk.base_url}/inbox"
    body = json.dumps(mastodon.create(note)).encode()

    answer = await mastodon.post_raw(url, body, mastodon.rfc9421_post_headers(alice, url, body))

    assert answer.status == 202, answer.body
    assert await wijk.node.objects.record(note["id"]) is not None


async def test_mastodon_undo_of_a_follow_removes_the_follower(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    follow = mastodon.follow(alice, org.uri)
    assert (await mastodon.post(alice, f"{org.uri}/inbox", follow)).status == 202

    answer = await mastodon.post(alice, f"{org.uri}/inbox", mastodon.undo(alice, follow))

    assert answer.status == 202, answer.body
    assert await wijk.node.follows.followers_of(org.uri) == []


async def test_mastodon_delete_of_an_account_removes_its_posts_and_follows(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    inbox = f"{wijk.base_url}/inbox"
    note = mastodon.note(alice, "<p>Tot ziens, allemaal.</p>")
    assert (await mastodon.post(alice, inbox, mastodon.follow(alice, org.uri))).status == 202
    assert (await mastodon.post(alice, inbox, mastodon.create(note))).status == 202

    answer = await mastodon.post(alice, inbox, mastodon.delete_account(alice))

    assert answer.status == 202, answer.body
    record = await wijk.node.objects.record(note["id"])
    assert record is not None and record.deleted_at is not None
    assert await wijk.node.follows.followers_of(org.uri) == []


async def test_posts_reach_a_mastodon_follower_signed_and_in_a_shape_it_shows(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    follow = mastodon.follow(alice, org.uri)
    assert (await mastodon.post(alice, f"{org.uri}/inbox", follow)).status == 202
    await deliver(wijk)

    post = await social_actions.post_note(
        wijk.node.social_services, org, "<p>Snoeiwerk in het Oosterpark.</p>"
    )
    await deliver(wijk)
    await social_actions.delete_note(wijk.node.social_services, org, post["id"])
    await deliver(wijk)

    accept, create, delete = mastodon.received_by(alice)
    assert all(r.verified and r.signer == org.uri for r in (accept, create, delete))
    assert create.activity["type"] == "Create" and create.activity["actor"] == org.uri
    note = create.activity["object"]
    assert note["type"] == "Note" and note["attributedTo"] == org.uri
    assert note["content"] == "<p>Snoeiwerk in het Oosterpark.</p>"
    assert note["published"] and note["id"].startswith(wijk.base_url)
    assert "https://www.w3.org/ns/activitystreams#Public" in note["to"]
    assert delete.activity["type"] == "Delete"
    assert delete.activity["object"]["id"] == post["id"]
