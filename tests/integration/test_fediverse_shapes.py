"""Activities shaped as servers other than Mastodon send them reach a node's real inbox.

A fake server on loopback signs each POST; what it sends copies what Fedify, PeerTube,
Misskey and others put on the wire, where it differs from Mastodon.
"""

from __future__ import annotations

from typing import Any

from activitypub.vocabulary import parse_object
from tests.integration.conftest import StartNode, StartPeer

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
