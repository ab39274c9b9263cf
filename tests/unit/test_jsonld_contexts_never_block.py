"""Contexts never block a document: read as Mastodon reads it (activitypub/jsonld.py).

The shapes are those real servers send: Fedify's identity context and integrity proof,
PeerTube's credentials context, FEP-5711, a schema.org context inside an attachment, a
context on a host nobody knows. Safety refusals stay.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pyld import jsonld as pyld_jsonld

from activitypub.jsonld import (
    AS_CONTEXT,
    SECURITY_CONTEXT,
    LocalDocumentLoader,
    UnsafeJsonLd,
    bundled_contexts,
    normalise,
)
from activitypub.vocabulary import parse_activity, parse_object
from schemas import CONTEXT_URL, context_document, outgoing_context

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR = "https://fedify.example/users/hana"
NOTE = f"{ACTOR}/notes/1"


@pytest.fixture
def loader() -> LocalDocumentLoader:
    return LocalDocumentLoader({CONTEXT_URL: context_document()})


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch(url: str, options: object = None) -> dict:
        raise AssertionError(f"network fetch of {url}")

    monkeypatch.setattr(pyld_jsonld, "_default_document_loader", fetch)


def read(document: dict[str, Any], loader: LocalDocumentLoader) -> dict[str, Any]:
    return normalise(document, outgoing_context(), loader)


def create(context: Any, note: dict[str, Any]) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "id": f"{NOTE}/activity",
        "type": "Create",
        "actor": ACTOR,
        "to": [PUBLIC],
        "object": {
            "id": NOTE,
            "type": "Note",
            "attributedTo": ACTOR,
            "to": [PUBLIC],
            "content": "<p>Meer bankjes</p>",
            **note,
        },
    }
    if context is not None:
        activity["@context"] = context
    return activity


def test_fedify_create_with_identity_context_and_integrity_proof_is_read(
    loader: LocalDocumentLoader,
) -> None:
    document = create(
        [
            AS_CONTEXT,
            "https://w3id.org/identity/v1",
            "https://w3id.org/security/data-integrity/v1",
            {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"},
        ],
        {"tag": [{"type": "Hashtag", "name": "#bankjes", "href": "https://fedify.example/t"}]},
    )
    document["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": f"{ACTOR}#key-2",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3x",
        "created": "2026-12-01T10:00:00Z",
    }
    activity = parse_activity(read(document, loader))
    assert (activity.type, activity.actor) == ("Create", ACTOR)
    assert activity.object is not None
    assert activity.object.content == "<p>Meer bankjes</p>"
    assert activity.object.hashtags == ("bankjes",)


@pytest.mark.parametrize(
    "context",
    [
        [AS_CONTEXT, "https://w3id.org/fep/5711"],
        [AS_CONTEXT, "https://strange.example/context"],
        "https://strange.example/context",
        [AS_CONTEXT, SECURITY_CONTEXT, "https://pleroma.example/schemas/litepub-0.1.jsonld"],
        [AS_CONTEXT, "http://joinmastodon.org/ns", "https://gotosocial.org/ns"],
        None,
    ],
    ids=["fep-5711", "unknown-url", "only-unknown-url", "litepub", "toot-and-gts", "none"],
)
def test_any_context_reads_the_activitystreams_terms_by_their_names(
    loader: LocalDocumentLoader, context: Any
) -> None:
    activity = parse_activity(read(create(context, {"summary": "let op"}), loader))
    assert activity.object is not None
    assert (activity.object.content, activity.object.summary) == ("<p>Meer bankjes</p>", "let op")
    assert activity.object.is_public


def test_an_unknown_context_is_logged_as_ignored(
    loader: LocalDocumentLoader, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="activitypub.jsonld"):
        read(create([AS_CONTEXT, "https://strange.example/context"], {}), loader)
    assert "unknown JSON-LD context https://strange.example/context ignored" in caplog.text


def test_peertube_credentials_context_keeps_name_and_media_type(
    loader: LocalDocumentLoader,
) -> None:
    document = create(
        [
            AS_CONTEXT,
            "https://www.w3.org/ns/credentials/v2",
            {"size": "https://joinpeertube.org/ns#size"},
        ],
        {
            "name": "Koeien",
            "attachment": [
                {
                    "type": "Image",
                    "name": "A beautiful cow",
                    "url": "https://peertube.example/cow.jpg",
                    "mediaType": "image/jpeg",
                    "size": 1234,
                }
            ],
        },
    )
    obj = parse_activity(read(document, loader)).object
    assert obj is not None
    assert obj.name == "Koeien"
    [attachment] = obj.attachments
    assert (attachment.name, attachment.media_type) == ("A beautiful cow", "image/jpeg")


def test_a_context_inside_an_attachment_keeps_the_outer_meaning_of_terms(
    loader: LocalDocumentLoader,
) -> None:
    document = create(
        [AS_CONTEXT, {"Hashtag": "as:Hashtag"}],
        {
            "tag": [{"type": "Hashtag", "name": "#recept"}],
            "attachment": [
                {
                    "@context": "https://schema.org/docs/jsonldcontext.jsonld",
                    "@type": "Recipe",
                    "name": "Peanut Butter and Jelly Sandwich",
                    "recipeIngredient": ["Bread", "Peanut Butter"],
                },
                {
                    "@context": {
                        "name": "http://schema.org/name",
                        "Hashtag": "https://x.example/H",
                    },
                    "type": "Image",
                    "name": "a cow",
                    "url": "https://fedify.example/cow.jpg",
                },
            ],
        },
    )
    obj = parse_activity(read(document, loader)).object
    assert obj is not None
    assert obj.hashtags == ("recept",)
    assert [a.name for a in obj.attachments] == ["Peanut Butter and Jelly Sandwich", "a cow"]


def test_an_embedded_object_with_its_own_context_keeps_its_hashtags(
    loader: LocalDocumentLoader,
) -> None:
    document = create(
        [AS_CONTEXT, {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}],
        {
            "@context": [None, AS_CONTEXT],
            "sensitive": True,
            "tag": [{"type": "Hashtag", "name": "#speeltuin"}],
        },
    )
    obj = parse_activity(read(document, loader)).object
    assert obj is not None
    assert obj.hashtags == ("speeltuin",)
    assert obj.sensitive


def test_hashtags_without_a_definition_are_read_by_name(loader: LocalDocumentLoader) -> None:
    document = create(
        AS_CONTEXT, {"@context": AS_CONTEXT, "tag": {"type": "Hashtag", "name": "#x"}}
    )
    obj = parse_activity(read(document, loader)).object
    assert obj is not None and obj.hashtags == ("x",)


def test_bundled_contexts_of_real_servers_are_shipped_and_leave_as_terms_alone() -> None:
    contexts = bundled_contexts()
    for url in (
        "https://w3id.org/identity/v1",
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/fep/5711",
        "http://joinmastodon.org/ns",
        "https://gotosocial.org/ns",
        "http://schema.org/",
        "https://schema.org/docs/jsonldcontext.jsonld",
        "https://join-lemmy.org/context.json",
    ):
        context = contexts[url]["@context"]
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, dict):
                assert not {"name", "mediaType", "@protected", "@vocab"} & set(entry), url


def test_graph_refusal_stays_inside_an_unknown_or_nested_context(
    loader: LocalDocumentLoader,
) -> None:
    document = create(
        [AS_CONTEXT, "https://strange.example/context"],
        {"attachment": {"@context": {"x": {"@id": "as:x", "@container": "@graph"}}}},
    )
    with pytest.raises(UnsafeJsonLd):
        read(document, loader)


def test_the_integrity_proof_is_not_read_as_a_graph(loader: LocalDocumentLoader) -> None:
    document = create([AS_CONTEXT, "https://w3id.org/security/data-integrity/v1"], {})
    document["proof"] = {"type": "DataIntegrityProof", "proofValue": "z3x"}
    normalised = read(document, loader)
    assert parse_object(normalised["object"]).content == "<p>Meer bankjes</p>"


def test_fedify_1_create_with_identity_first_and_its_signature_is_read(
    loader: LocalDocumentLoader,
) -> None:
    # As Fedify 1.5 sends it: the identity context before ActivityStreams (its terms use
    # the xsd prefix that both define), and a Linked Data signature with its own context.
    document = create(
        [
            "https://w3id.org/identity/v1",
            AS_CONTEXT,
            "https://w3id.org/security/data-integrity/v1",
            {"toot": "http://joinmastodon.org/ns#", "Hashtag": "as:Hashtag"},
        ],
        {"tag": {"type": "Hashtag", "name": "#bankjes"}},
    )
    document["signature"] = {
        "@context": "https://w3id.org/identity/v1",
        "creator": f"{ACTOR}#main-key",
        "created": "2026-12-06T01:48:17.123Z",
        "type": "RsaSignature2017",
        "signatureValue": "sR0f",
    }
    activity = parse_activity(read(document, loader))
    assert activity.object is not None
    assert activity.object.content == "<p>Meer bankjes</p>"
    assert activity.object.hashtags == ("bankjes",)
