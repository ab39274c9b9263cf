"""JSON nested thousands of levels deep, wherever JSON comes in: refused with 400 and a
message (or, served by a peer, a failed fetch), never a 500 from a RecursionError."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from activitypub.bounded_json import MAX_JSON_DEPTH, JsonTooDeep, loads_bounded
from activitypub.keys import generate_key_pair
from federation.errors import FetchError
from federation.transport import Transport
from node.runner import RunningNode, free_port
from tests.integration.conftest import StartNode, StartPeer
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.test_inbox_refusals import assert_refused, note_by, stored_rows

LEVELS = 5000


def deep(levels: int = LEVELS) -> str:
    """A JSON object whose ``x`` nests ``levels`` arrays and objects."""
    return '{"x": ' + '[{"y": ' * levels + "1" + "}]" * levels + "}"


@pytest.fixture
async def wijk(start: StartNode) -> RunningNode:
    """The node under test."""
    return await start("oosterpark", "Wijkraad Oosterpark")


@pytest.fixture
async def deep_actor_host() -> AsyncIterator[tuple[str, PeerAccount]]:
    """A server whose actor document (holding the key) is nested too deep; and the actor."""
    port = free_port()
    keys = generate_key_pair()
    uri = f"http://127.0.0.1:{port}/users/diep"
    document = json.dumps({"id": uri, "type": "Person", "publicKey": {
        "id": f"{uri}#main-key", "owner": uri, "publicKeyPem": keys.public_pem}})  # fmt: skip
    body = document[:-1] + ', "attachment": ' + deep() + "}"

    async def actor(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="application/activity+json")

    app = web.Application()
    app.router.add_get("/users/diep", actor)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield uri, PeerAccount("diep", uri, keys.private_pem, keys.public_pem)
    await runner.cleanup()


def test_the_limit_is_the_nesting_of_brackets_outside_strings() -> None:
    assert loads_bounded(deep(MAX_JSON_DEPTH // 2 - 1))["x"]
    assert loads_bounded('{"s": "' + "[" * 10_000 + '"}') == {"s": "[" * 10_000}
    with pytest.raises(JsonTooDeep):
        loads_bounded(deep(MAX_JSON_DEPTH // 2))
    with pytest.raises(JsonTooDeep):
        loads_bounded("[" * 100_000)


async def test_deep_json_to_the_inbox_is_refused_with_400_and_nothing_is_stored(
    wijk: RunningNode, start_peer: StartPeer
) -> None:
    mastodon: FakeMastodon = await start_peer()
    alice = mastodon.add_account("alice")
    activity = json.dumps(note_by(mastodon, alice))
    body = (activity[:-1] + ', "tag": ' + deep() + "}").encode()
    url = f"{wijk.base_url}/inbox"
    before = await stored_rows(wijk)

    answer = await mastodon.post_raw(url, body, mastodon.signed_post_headers(alice, url, body))

    assert_refused(answer, 400, f"nested deeper than {MAX_JSON_DEPTH} levels")
    assert await stored_rows(wijk) == before


@pytest.mark.parametrize("path", ["/api/v1/apps", "/oauth/token", "/oauth/revoke"])
async def test_deep_json_to_the_client_api_is_refused_with_400_and_stores_nothing(
    path: str, wijk: RunningNode
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            wijk.base_url + path, data=deep(), headers={"Content-Type": "application/json"}
        ) as answer:
            assert answer.status == 400, await answer.text()
            assert f"nested deeper than {MAX_JSON_DEPTH} levels" in (await answer.json())["error"]
    assert await wijk.node.db.fetch_value("SELECT COUNT(*) FROM oauth_apps") == 0


async def test_a_peer_serving_a_deep_key_document_fails_the_fetch_and_the_post_is_refused(
    wijk: RunningNode, start_peer: StartPeer, deep_actor_host: tuple[str, PeerAccount]
) -> None:
    uri, diep = deep_actor_host
    transport = Transport(allow_private=True, write_transaction_open=lambda: False)
    await transport.start()
    try:
        with pytest.raises(FetchError, match="did not return JSON"):
            await transport.get_json(uri, None)
    finally:
        await transport.close()

    mastodon: FakeMastodon = await start_peer()
    note = note_by(mastodon, mastodon.add_account("alice"))
    note["actor"] = note["object"]["attributedTo"] = uri
    before = await stored_rows(wijk)

    answer = await mastodon.post(diep, f"{wijk.base_url}/inbox", note)

    assert_refused(answer, 401, "unknown_key")
    assert await stored_rows(wijk) == before
