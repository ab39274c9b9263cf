"""Every inbox refusal, through the real route: its status, a short message, nothing stored.

A fake Mastodon server signs each POST as Mastodon does and spoils exactly
one part of it. Each refusal must come back with its HTTP status and a
``{"error": ...}`` body, and leave the node's tables as they were.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from federation.inbox import MAX_INBOX_BODY
from federation.ports import LocalSigner
from federation.transport import RefusedAddress, Transport, check_destination
from node.clock import utc_now
from node.config import NodeConfig
from node.node import open_node
from node.runner import RunningNode
from node.setup import initialise
from tests.integration.conftest import StartNode, StartPeer
from tests.integration.fake_peer import Answer, FakeMastodon, PeerAccount

STORED_TABLES = ("inbox_log", "objects", "follows", "likes", "announces")


async def stored_rows(running: RunningNode) -> dict[str, int]:
    """Row counts of every table an accepted activity can write to."""
    db = running.node.db
    return {table: await db.fetch_value(f"SELECT COUNT(*) FROM {table}") for table in STORED_TABLES}


def assert_refused(answer: Answer, status: int, reason: str) -> None:
    """The status, and a short JSON message that says why."""
    assert answer.status == status, answer.body
    assert answer.content_type.startswith("application/json")
    message = answer.body["error"]
    assert reason in message
    assert len(message) < 300


@pytest.fixture
async def wijk(start: StartNode) -> RunningNode:
    """The node under test."""
    return await start("oosterpark", "Wijkraad Oosterpark")


@pytest.fixture
async def mastodon(start_peer: StartPeer) -> FakeMastodon:
    """A Mastodon server sending to it."""
    return await start_peer()


@pytest.fixture
async def alice(mastodon: FakeMastodon) -> PeerAccount:
    """An account on that server."""
    return mastodon.add_account("alice")


def note_by(mastodon: FakeMastodon, account: PeerAccount) -> dict[str, Any]:
    """A fresh, valid Create of a public Note by ``account``."""
    return mastodon.create(mastodon.note(account, "<p>Wanneer wordt de stoep gerepareerd?</p>"))


async def test_a_correctly_signed_post_is_accepted_so_the_refusals_below_mean_something(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    activity = note_by(mastodon, alice)

    answer = await mastodon.post(alice, f"{wijk.base_url}/inbox", activity)

    assert answer.status == 202
    assert await wijk.node.objects.record(activity["object"]["id"]) is not None


# One spoiled part of an otherwise correct Mastodon signature, named by the verdict it earns.
SPOILED_SIGNATURES: dict[str, Callable[[FakeMastodon], dict[str, Any]]] = {
    "bad_signature": lambda mastodon: {"private_pem": mastodon.add_account("eve").private_pem},
    "bad_digest": lambda mastodon: {"digest_of": b'{"type": "Delete"}'},
    "stale_date": lambda mastodon: {"date": utc_now() - timedelta(hours=2)},
    "future_date": lambda mastodon: {"date": utc_now() + timedelta(hours=2)},
    "unknown_key": lambda mastodon: {"key_id": f"{mastodon.base_url}/users/ghost#main-key"},
    "missing_headers": lambda mastodon: {"unsigned": ("Digest",)},
}
EXPECTED_VERDICT = {"future_date": "stale_date"}


@pytest.mark.parametrize("spoiled", sorted(SPOILED_SIGNATURES))
async def test_a_post_whose_signature_fails_is_refused_with_401_and_nothing_is_stored(
    spoiled: str, wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    await mastodon.post(alice, f"{wijk.base_url}/inbox", note_by(mastodon, alice))
    before = await stored_rows(wijk)

    answer = await mastodon.post(
        alice,
        f"{wijk.base_url}/inbox",
        note_by(mastodon, alice),
        **SPOILED_SIGNATURES[spoiled](mastodon),
    )

    assert_refused(answer, 401, EXPECTED_VERDICT.get(spoiled, spoiled))
    assert await stored_rows(wijk) == before


async def test_an_unsigned_post_is_refused_with_401_and_nothing_is_stored(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    before = await stored_rows(wijk)
    body = json.dumps(note_by(mastodon, alice)).encode()

    answer = await mastodon.post_raw(
        f"{wijk.base_url}/inbox", body, {"Content-Type": "application/activity+json"}
    )

    assert_refused(answer, 401, "unsigned")
    assert await stored_rows(wijk) == before


async def test_a_malformed_signature_header_is_refused_with_401_and_nothing_is_stored(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    url = f"{wijk.base_url}/inbox"
    body = json.dumps(note_by(mastodon, alice)).encode()
    headers = mastodon.signed_post_headers(alice, url, body)
    headers["Signature"] = f'keyId="{alice.key_id}",headers="(request-target) host date digest"'
    before = await stored_rows(wijk)

    answer = await mastodon.post_raw(url, body, headers)

    assert_refused(answer, 401, "malformed")
    assert await stored_rows(wijk) == before


async def test_an_rfc9421_post_whose_content_digest_does_not_match_is_refused_with_401(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    url = f"{wijk.base_url}/inbox"
    body = json.dumps(note_by(mastodon, alice)).encode()
    headers = mastodon.rfc9421_post_headers(alice, url, body, digest_of=b"{}")
    before = await stored_rows(wijk)

    answer = await mastodon.post_raw(url, body, headers)

    assert_refused(answer, 401, "bad_digest")
    assert await stored_rows(wijk) == before


async def test_a_post_signed_by_someone_else_than_its_actor_is_refused_with_401(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    mallory = mastodon.add_account("mallory")
    before = await stored_rows(wijk)

    answer = await mastodon.post(mallory, f"{wijk.base_url}/inbox", note_by(mastodon, alice))

    assert_refused(answer, 401, "key_mismatch")
    assert await stored_rows(wijk) == before


async def test_a_note_with_an_id_on_another_host_is_refused_with_403(
    wijk: RunningNode, start_peer: StartPeer, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    elsewhere = await start_peer()
    victim = elsewhere.add_account("burgemeester")
    forged = mastodon.note(
        alice,
        "<p>De gemeente schrapt het wijkbudget.</p>",
        note_id=f"{victim.uri}/statuses/1",
    )
    before = await stored_rows(wijk)

    answer = await mastodon.post(alice, f"{wijk.base_url}/inbox", mastodon.create(forged))

    assert_refused(answer, 403, "another host")
    assert await stored_rows(wijk) == before
    assert await wijk.node.objects.record(forged["id"]) is None


async def test_an_activity_filed_under_another_hosts_id_is_refused_and_cannot_shadow_it(
    wijk: RunningNode, start_peer: StartPeer, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    elsewhere = await start_peer()
    mallory = elsewhere.add_account("mallory")
    genuine = note_by(mastodon, alice)
    squatter = note_by(elsewhere, mallory) | {"id": genuine["id"]}
    before = await stored_rows(wijk)

    answer = await elsewhere.post(mallory, f"{wijk.base_url}/inbox", squatter)

    assert_refused(answer, 403, "another host")
    assert await stored_rows(wijk) == before
    assert (await mastodon.post(alice, f"{wijk.base_url}/inbox", genuine)).status == 202
    assert await wijk.node.objects.record(genuine["object"]["id"]) is not None


async def test_a_delete_of_someone_elses_note_is_refused_with_403_and_the_note_stays(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    mallory = mastodon.add_account("mallory")
    activity = note_by(mastodon, alice)
    await mastodon.post(alice, f"{wijk.base_url}/inbox", activity)
    before = await stored_rows(wijk)

    forged = mastodon.delete(mallory, activity["object"])
    answer = await mastodon.post(mallory, f"{wijk.base_url}/inbox", forged)

    assert_refused(answer, 403, "not the author")
    assert await stored_rows(wijk) == before
    record = await wijk.node.objects.record(activity["object"]["id"])
    assert record is not None and record.deleted_at is None


async def test_an_update_of_another_actor_is_refused_with_403_and_its_key_is_kept(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    mallory = mastodon.add_account("mallory")
    await mastodon.post(alice, f"{wijk.base_url}/inbox", note_by(mastodon, alice))
    hijack = mastodon.update_actor(alice) | {"actor": mallory.uri}
    hijack["object"]["publicKey"]["publicKeyPem"] = mallory.public_pem
    before = await stored_rows(wijk)

    answer = await mastodon.post(mallory, f"{wijk.base_url}/inbox", hijack)

    assert_refused(answer, 403, "only update itself")
    assert await stored_rows(wijk) == before
    cached = await wijk.node.actors.remote_actor(alice.uri)
    assert cached is not None and cached.public_key_pem == alice.public_pem


async def test_an_actor_update_moving_its_inbox_to_another_host_is_refused_with_403(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    await mastodon.post(alice, f"{wijk.base_url}/inbox", note_by(mastodon, alice))
    update = mastodon.update_actor(alice)
    update["object"]["inbox"] = "http://169.254.169.254/latest/meta-data"
    before = await stored_rows(wijk)

    answer = await mastodon.post(alice, f"{wijk.base_url}/inbox", update)

    assert_refused(answer, 403, "another host")
    assert await stored_rows(wijk) == before
    cached = await wijk.node.actors.remote_actor(alice.uri)
    assert cached is not None and cached.inbox == alice.inbox


async def test_a_post_to_the_inbox_of_an_unknown_actor_is_refused_with_404(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    before = await stored_rows(wijk)

    answer = await mastodon.post(
        alice, f"{wijk.base_url}/actors/niemand/inbox", note_by(mastodon, alice)
    )

    assert_refused(answer, 404, "niemand")
    assert await stored_rows(wijk) == before


async def test_malformed_json_is_refused_with_400_and_nothing_is_stored(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    url = f"{wijk.base_url}/inbox"
    body = b'{"type": "Create", "actor": '
    before = await stored_rows(wijk)

    answer = await mastodon.post_raw(url, body, mastodon.signed_post_headers(alice, url, body))

    assert_refused(answer, 400, "not valid JSON")
    assert await stored_rows(wijk) == before


@pytest.mark.parametrize("keyword", ["@graph", "@included", "@reverse"])
async def test_json_ld_graph_tricks_are_refused_with_400_and_nothing_is_stored(
    keyword: str, wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    activity = note_by(mastodon, alice)
    hidden = {"id": f"{alice.uri}/statuses/2", "type": "Note", "content": "verstopt"}
    activity["object"][keyword] = [hidden] if keyword != "@reverse" else {"inReplyTo": hidden}
    before = await stored_rows(wijk)

    answer = await mastodon.post(alice, f"{wijk.base_url}/inbox", activity)

    assert_refused(answer, 400, keyword)
    assert await stored_rows(wijk) == before


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_a_body_over_one_mebibyte_is_refused_with_413_and_nothing_is_stored(
    framing: str, wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    activity = note_by(mastodon, alice)
    activity["object"]["content"] = "<p>" + "bla " * (MAX_INBOX_BODY // 4) + "</p>"
    body = json.dumps(activity).encode()
    url = f"{wijk.base_url}/inbox"
    headers = mastodon.signed_post_headers(alice, url, body)
    before = await stored_rows(wijk)

    answer = await mastodon.post_raw(
        url, body if framing == "content-length" else _chunks(body), headers
    )

    assert_refused(answer, 413, "limit")
    assert await stored_rows(wijk) == before


async def test_a_post_sent_in_chunks_is_read_whole_and_accepted(
    wijk: RunningNode, mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    activity = note_by(mastodon, alice)
    activity["object"]["content"] = "<p>" + "Lang verhaal. " * 20_000 + "</p>"
    body = json.dumps(activity).encode()
    url = f"{wijk.base_url}/inbox"

    answer = await mastodon.post_raw(
        url, _chunks(body), mastodon.signed_post_headers(alice, url, body)
    )

    assert answer.status == 202, answer.body
    assert await wijk.node.objects.record(activity["object"]["id"]) is not None


PRIVATE_DESTINATIONS = [
    "https://127.0.0.1/actors/x",
    "https://10.0.0.1/actors/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/actors/x",
    "https://[::ffff:127.0.0.1]/actors/x",
]


@pytest.mark.parametrize("url", PRIVATE_DESTINATIONS)
def test_private_addresses_are_refused_outside_dev_mode_and_allowed_in_it(url: str) -> None:
    with pytest.raises(RefusedAddress):
        check_destination(url, allow_private=False)
    check_destination(url, allow_private=True)


def test_public_https_addresses_pass_and_plain_http_is_refused_outside_dev_mode() -> None:
    check_destination("https://93.184.215.14/actors/x", allow_private=False)
    with pytest.raises(RefusedAddress):
        check_destination("http://93.184.215.14/actors/x", allow_private=False)


async def test_a_node_outside_dev_mode_fetches_only_public_addresses(tmp_path: Path) -> None:
    config = NodeConfig(domain="oosterpark.example", name="Wijkraad Oosterpark", handle="wijk")
    await initialise(tmp_path / "wijk", config)
    node = await open_node(tmp_path / "wijk", config)
    try:
        assert node.transport.allow_private is False
    finally:
        await node.close()


async def test_a_name_resolving_to_loopback_is_refused_before_connecting(
    mastodon: FakeMastodon, alice: PeerAccount
) -> None:
    transport = Transport(allow_private=False, write_transaction_open=lambda: False)
    await transport.start()
    signer = LocalSigner(alice.uri, alice.key_id, alice.private_pem)
    try:
        with pytest.raises(RefusedAddress):
            await transport.get_json(f"https://localhost:{mastodon.port}/users/alice", None)
        for url in PRIVATE_DESTINATIONS:
            with pytest.raises(RefusedAddress):
                await transport.get_json(url, None)
        outcome = await transport.post_activity(
            f"https://localhost:{mastodon.port}/inbox", b"{}", signer
        )
    finally:
        await transport.close()

    assert outcome.status == 0 and "non-public" in outcome.error
    assert mastodon.fetches == [] and mastodon.inbox == []
