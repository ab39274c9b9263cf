"""The whole `fediverse-pasture-inputs` corpus, signed and posted to a real node.

The corpus (PyPI ``fediverse-pasture-inputs``, by the fediverse-pasture project) holds the
object shapes real servers send; it is read in the bovine peer's environment, where
``tests/run.sh`` installs it (its code depends on bovine, whose pins would hold the node's
PyLD and cryptography back). Each example becomes what the pasture's own sender makes
of it (``fediverse_pasture.runner.ActivitySender``): a public ``Note`` built from the
example's properties, addressed and mentioning the recipient, in a ``Create`` carrying the
example's ``@context``. A fake Mastodon server on loopback signs and posts it to the node's
shared inbox. The corpus names its sending actor and its sample notes on the pasture's
host; they are rewritten to the fake server's actor and to notes it serves, so what is
"by the sender" in the corpus is by the sender here.

Every example must be accepted, or refused for a reason listed in ``EXPECTED_REFUSALS``
with the reason it is right to refuse it.
"""

from __future__ import annotations

import copy
import itertools
import json
import subprocess
from collections import Counter
from typing import Any

from tests.integration.conftest import StartNode, StartPeer
from tests.integration.fake_peer import AS, PUBLIC, FakeMastodon, PeerAccount
from tests.peers import BOVINE, NOT_INSTALLED, PeerFailed

PASTURE = "http://pasture-one-actor"

# (corpus file, index of the example) -> (the refusal's words, why refusing is right)
EXPECTED_REFUSALS: dict[tuple[str, int], tuple[str, str]] = {
    ("necessary_properties", 1): (
        "the object of Create has no id",
        "a post without an id cannot be replied to, liked, edited or deleted, and its "
        "origin cannot be checked; Mastodon drops it too",
    ),
    ("necessary_properties", 4): (
        "has no type",
        "an object without a type says nothing about what it is; Mastodon ignores it",
    ),
    ("object_types", 13): (
        "has no type",
        "the same object with its type null: nothing says it is a post",
    ),
}


# Run in the bovine peer's environment, where tests/run.sh installs the corpus.
DUMP_CORPUS = (
    "import json; from fediverse_pasture_inputs import available; "
    "print(json.dumps({name: data.examples for name, data in available.items()}))"
)


def corpus() -> list[tuple[str, int, dict[str, Any]]]:
    """Every example of the corpus, by file name and position."""
    python = BOVINE / ".venv" / "bin" / "python"
    if not python.exists():
        raise PeerFailed(
            NOT_INSTALLED.format(
                peer="fediverse-pasture-inputs",
                how="in the venv from tests/peers/bovine/requirements.txt",
            )
        )
    dumped = subprocess.run(
        [str(python), "-c", DUMP_CORPUS], capture_output=True, text=True, check=True
    )
    examples: dict[str, list[dict[str, Any]]] = json.loads(dumped.stdout)
    return [
        (name, index, example)
        for name in sorted(examples)
        for index, example in enumerate(examples[name])
    ]


def _on_peer(example: dict[str, Any], peer: FakeMastodon, sender: PeerAccount) -> dict[str, Any]:
    """The example with the pasture's actors and notes moved to the fake server."""
    text = json.dumps(example)
    text = text.replace(f"{PASTURE}/actor", sender.uri)
    text = text.replace(f"{PASTURE}/second", f"{peer.base_url}/users/second")
    text = text.replace(f"{PASTURE}/assets/note", f"{sender.uri}/statuses/note")
    return json.loads(text.replace(PASTURE, f"{peer.base_url}/media"))


def pasture_activity(
    example: dict[str, Any], sender: PeerAccount, recipient: str, serial: int
) -> dict[str, Any]:
    """The Create the pasture's ActivitySender makes of an example, sent to `recipient`."""
    note: dict[str, Any] = {
        "type": "Note",
        "attributedTo": sender.uri,
        "to": [PUBLIC],
        "id": f"{sender.uri}/statuses/{serial}",
        "published": "2026-12-01T10:00:00Z",
        **copy.deepcopy(example),
    }
    context = note.pop("@context", [AS, {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}])
    # Nulls in the corpus mean "leave the property out".
    note = {key: value for key, value in note.items() if value is not None}
    note["to"] = [*note.get("to", []), recipient]
    tags = note.get("tag", [])
    note["tag"] = [*(tags if isinstance(tags, list) else [tags])]
    note["tag"].append({"type": "Mention", "href": recipient})
    activity: dict[str, Any] = {
        "type": "Create",
        "actor": sender.uri,
        "to": note["to"],
        "id": f"{sender.uri}/statuses/{serial}/activity",
        "published": "2026-12-01T10:00:00Z",
        "object": note,
    }
    if context is not None:
        activity["@context"] = context
    return activity


async def test_every_corpus_example_is_accepted_or_refused_for_a_listed_reason(
    start: StartNode, start_peer: StartPeer
) -> None:
    examples = corpus()
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    peer = await start_peer()
    sender = peer.add_account("actor", "Pasture Actor")
    peer.add_account("second", "Second Actor")
    org = await wijk.node.organisation()
    for number in (1, 2):
        peer.publish(
            peer.note(
                sender,
                f"<p>Note {number}</p>",
                note_id=f"{sender.uri}/statuses/note{number}.jsonap",
            )
        )
    serials = itertools.count(1)
    outcome: Counter[str] = Counter()
    unexpected: list[str] = []
    for name, index, example in examples:
        activity = pasture_activity(_on_peer(example, peer, sender), sender, org.uri, next(serials))
        answer = await peer.post(sender, f"{wijk.base_url}/inbox", activity)
        expected = EXPECTED_REFUSALS.get((name, index))
        if answer.status == 202:
            outcome["accepted"] += 1
            if expected is not None:
                unexpected.append(f"{name}[{index}] accepted, expected a refusal: {expected[0]}")
            continue
        outcome["refused"] += 1
        message = json.dumps(answer.body)
        if expected is None or expected[0] not in message:
            unexpected.append(f"{name}[{index}] {answer.status} {message}")
    # The summary figure for the interoperability notes (pytest -s shows it).
    print("fediverse-pasture-inputs corpus:", dict(outcome))
    assert unexpected == [], "\n".join(unexpected)
