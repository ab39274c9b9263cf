"""How other servers and browsers find a node: WebFinger, NodeInfo, host-meta,
content negotiation, paged collections and authorized fetch."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from federation.ports import Follow
from node import social_actions
from node.documents import PAGE_SIZE
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer
from tests.integration.fake_peer import ACTIVITY_JSON, AS, Answer, FakeMastodon

LD_JSON = f'application/ld+json; profile="{AS}"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def webfinger(mastodon: FakeMastodon, running: RunningNode, resource: str) -> Answer:
    """A WebFinger lookup as a remote server makes it."""
    url = f"{running.base_url}/.well-known/webfinger?resource={quote(resource)}"
    return await mastodon.get(url, accept="application/jrd+json")


def self_link(document: dict[str, Any]) -> str:
    """The actor id a WebFinger answer points to."""
    [link] = [x for x in document["links"] if x["rel"] == "self"]
    assert link["type"] == ACTIVITY_JSON
    return link["href"]


async def test_webfinger_resolves_the_handle_and_the_actor_resolves_back_to_it(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    org = await wijk.node.organisation()
    handle = f"oosterpark@{wijk.node.urls.host}"

    found = await webfinger(mastodon, wijk, f"acct:{handle}")
    assert found.status == 200 and found.content_type.startswith("application/jrd+json")
    assert found.body["subject"] == f"acct:{handle}"
    assert self_link(found.body) == org.uri

    # Mastodon's check: preferredUsername@host of the fetched actor leads back to it.
    actor = await mastodon.get(org.uri)
    assert actor.status == 200 and actor.body["id"] == org.uri
    again = await webfinger(
        mastodon, wijk, f"acct:{actor.body['preferredUsername']}@{wijk.node.urls.host}"
    )
    assert self_link(again.body) == org.uri
    by_url = await webfinger(mastodon, wijk, org.uri)
    assert by_url.body["subject"] == f"acct:{handle}"


async def test_webfinger_answers_404_for_unknown_names_and_other_hosts_and_400_without_resource(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()

    unknown = await webfinger(mastodon, wijk, f"acct:niemand@{wijk.node.urls.host}")
    elsewhere = await webfinger(mastodon, wijk, "acct:oosterpark@mastodon.social")
    missing = await mastodon.get(f"{wijk.base_url}/.well-known/webfinger")

    assert (unknown.status, elsewhere.status, missing.status) == (404, 404, 400)
    assert all("error" in a.body for a in (unknown, elsewhere, missing))


async def test_nodeinfo_links_to_2_0_and_2_1_documents_that_describe_the_node(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    org = await wijk.node.organisation()
    await social_actions.post_note(wijk.node.social_services, org, "<p>Eerste bericht.</p>")

    links = await mastodon.get(f"{wijk.base_url}/.well-known/nodeinfo", accept="application/json")
    assert links.status == 200
    by_schema = {link["rel"].rsplit("/", 1)[-1]: link["href"] for link in links.body["links"]}
    assert set(by_schema) == {"2.0", "2.1"}

    for schema, href in by_schema.items():
        info = await mastodon.get(href, accept="application/json")
        assert info.status == 200
        assert f"schema/{schema}#" in info.content_type
        assert info.body["version"] == schema
        assert re.fullmatch(r"[a-z0-9-]+", info.body["software"]["name"])
        assert re.fullmatch(r"\d+\.\d+\.\d+.*", info.body["software"]["version"])
        assert info.body["protocols"] == ["activitypub"]
        assert info.body["usage"]["users"]["total"] >= 1
        assert info.body["usage"]["localPosts"] == 1
        assert info.body["metadata"]["nodeName"] == "Wijkraad Oosterpark"
    assert "repository" in (await mastodon.get(by_schema["2.1"])).body["software"]


async def test_host_meta_points_at_webfinger(start: StartNode, start_peer: StartPeer) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()

    async with mastodon.session.get(f"{wijk.base_url}/.well-known/host-meta") as response:
        assert response.status == 200
        assert response.content_type == "application/xrd+xml"
        xml = await response.text()

    template = f"{wijk.base_url}/.well-known/webfinger?resource={{uri}}"
    assert f'rel="lrdd" template="{template}"' in xml


async def test_servers_get_activitystreams_json_and_browsers_get_html(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    org = await wijk.node.organisation()
    post = await social_actions.post_note(
        wijk.node.social_services, org, "<p>Snoeiwerk in het Oosterpark.</p>"
    )

    for url, expected_type in ((org.uri, "Organization"), (post["id"], "Note")):
        for accept in (ACTIVITY_JSON, LD_JSON):
            answer = await mastodon.get(url, accept=accept)
            assert answer.status == 200
            assert answer.content_type.startswith(ACTIVITY_JSON)
            assert answer.body["id"] == url and answer.body["type"] == expected_type
        page = await mastodon.get(url, accept=BROWSER)
        assert page.status == 200 and page.content_type.startswith("text/html")
    profile = await mastodon.get(org.uri, accept=BROWSER)
    assert "Wijkraad Oosterpark" in profile.body["text"]
    note_page = await mastodon.get(post["id"], accept=BROWSER)
    assert "Snoeiwerk in het Oosterpark." in note_page.body["text"]


async def test_a_deleted_post_answers_410_with_a_tombstone(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    org = await wijk.node.organisation()
    post = await social_actions.post_note(wijk.node.social_services, org, "<p>Vergissing.</p>")
    await social_actions.delete_note(wijk.node.social_services, org, post["id"])

    gone = await mastodon.get(post["id"])
    page = await mastodon.get(post["id"], accept=BROWSER)

    assert gone.status == 410
    assert gone.body["type"] == "Tombstone" and gone.body["id"] == post["id"]
    assert "Vergissing" not in str(gone.body)
    assert page.status == 410 and "Vergissing" not in page.body["text"]


async def test_followers_and_outbox_are_paged_ordered_collections(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    org = await wijk.node.organisation()
    count = PAGE_SIZE + 1
    posts = [
        await social_actions.post_note(wijk.node.social_services, org, f"<p>Bericht {i}.</p>")
        for i in range(count)
    ]

    # Added after posting, so the posts are not addressed to these made-up followers.
    followers = [f"https://buurt.example/users/bewoner{i}" for i in range(count)]
    for i, follower in enumerate(followers):
        await wijk.node.follows.save_follow(
            Follow(follower, org.uri, f"https://buurt.example/follows/{i}", "accepted")
        )

    follower_pages = await read_collection(mastodon, f"{org.uri}/followers", count)
    assert follower_pages == followers

    outbox_pages = await read_collection(mastodon, f"{org.uri}/outbox", count)
    assert [a["type"] for a in outbox_pages] == ["Create"] * count
    assert [a["object"]["id"] for a in outbox_pages] == [p["id"] for p in reversed(posts)]
    assert all("@context" not in a for a in outbox_pages)


async def read_collection(mastodon: FakeMastodon, url: str, total: int) -> list[Any]:
    """Walk a paged OrderedCollection as a remote server does; return every item."""
    top = await mastodon.get(url)
    assert top.status == 200
    assert top.body["type"] == "OrderedCollection" and top.body["totalItems"] == total
    items: list[Any] = []
    next_page: str | None = top.body["first"]
    pages = 0
    while next_page is not None:
        page = (await mastodon.get(next_page)).body
        assert page["type"] == "OrderedCollectionPage" and page["partOf"] == url
        assert len(page["orderedItems"]) <= PAGE_SIZE
        items += page["orderedItems"]
        next_page = page.get("next")
        pages += 1
    assert pages == 2
    return items


async def test_authorized_fetch_needs_a_signed_get_except_for_the_instance_actor_and_browsers(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark", authorized_fetch=True)
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    # In secure mode too: the node must sign its own fetch of alice's key.
    mastodon = await start_peer(secure_mode=True)
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    post = await social_actions.post_note(
        wijk.node.social_services, org, "<p>Alleen voor wie zich meldt.</p>"
    )
    instance = await wijk.node.instance_actor()

    for url in (
        f"{org.uri}/followers",
        f"{org.uri}/outbox?page=1",
        post["id"],
        f"{post['id']}/activity",
    ):
        unsigned = await mastodon.get(url)
        assert unsigned.status == 401, url
        assert "signed" in unsigned.body["error"]
        signed = await mastodon.get(url, signer=alice)
        assert signed.status == 200, signed.body

    assert (await mastodon.get(instance.uri)).status == 200
    assert (await mastodon.get(org.uri, accept=BROWSER)).status == 200
    assert "followers" in (await mastodon.get(org.uri, signer=alice)).body
    # Another Samenspraak node signs its fetches with its instance actor.
    document = await gemeente.node.transport.get_json(
        org.uri, await gemeente.node.actors.instance_signer()
    )
    assert document["id"] == org.uri


async def test_authorized_fetch_serves_an_unsigned_actor_fetch_the_reduced_actor_with_its_key(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark", authorized_fetch=True)
    fedify = await start_peer()
    org = await wijk.node.organisation()

    unsigned = await fedify.get(org.uri)

    # Mastodon's reduced actor: where to deliver, and the key that verifies its deliveries.
    assert unsigned.status == 200, unsigned.body
    assert unsigned.body["id"] == org.uri
    assert unsigned.body["inbox"] == f"{org.uri}/inbox"
    assert unsigned.body["publicKey"] == {
        "id": org.key_id,
        "owner": org.uri,
        "publicKeyPem": org.public_key_pem,
    }
    assert unsigned.body["preferredUsername"] == org.username
    for withheld in ("followers", "following", "outbox", "summary", "name", "url"):
        assert withheld not in unsigned.body, withheld
    # A signature that does not verify gets no more than no signature.
    stranger = fedify.add_account("stranger")
    forged = fedify.signed_get_headers(stranger, org.uri) | {
        "Date": "Mon, 01 Jan 2024 00:00:00 GMT"
    }
    async with fedify.session.get(org.uri, headers=forged) as response:
        assert response.status == 200
        assert "followers" not in await response.json(content_type=None)
