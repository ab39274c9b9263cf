"""JSON-LD: bundled contexts only, unsafe keywords refused, peers' aliases normalised."""

from __future__ import annotations

from typing import Any

import pytest
from pyld import jsonld as pyld_jsonld

from activitypub.jsonld import (
    AS_CONTEXT,
    MAX_DEPTH,
    SECURITY_CONTEXT,
    JsonLdError,
    LocalDocumentLoader,
    UnsafeJsonLd,
    bundled_contexts,
    compact,
    expand,
    normalise,
    refuse_unsafe_keywords,
)

AS = "https://www.w3.org/ns/activitystreams#"
SEC = "https://w3id.org/security#"
PUBLIC = AS + "Public"
CANONICAL: list[Any] = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
    },
]
MASTODON_ACTOR: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        },
    ],
    "id": "https://mastodon.example/users/alice",
    "type": "Person",
    "preferredUsername": "alice",
    "inbox": "https://mastodon.example/users/alice/inbox",
    "endpoints": {"sharedInbox": "https://mastodon.example/inbox"},
    "manuallyApprovesFollowers": False,
    "discoverable": True,
    "publicKey": {
        "id": "https://mastodon.example/users/alice#main-key",
        "owner": "https://mastodon.example/users/alice",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n",
    },
}
MASTODON_CREATE: dict[str, Any] = {
    "@context": AS_CONTEXT,
    "id": "https://mastodon.example/users/alice/statuses/1/activity",
    "type": "Create",
    "actor": "https://mastodon.example/users/alice",
    "to": [PUBLIC],
    "object": {
        "id": "https://mastodon.example/users/alice/statuses/1",
        "type": "Note",
        "content": "<p>Meer bankjes op het plein</p>",
    },
}


@pytest.fixture
def loader() -> LocalDocumentLoader:
    return LocalDocumentLoader()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make pyld's own network loaders fail loudly should anything reach them."""

    def fetch(url: str, options: object = None) -> dict:
        raise AssertionError(f"network fetch of {url}")

    monkeypatch.setattr(pyld_jsonld, "_default_document_loader", fetch)


def test_bundled_contexts_include_activitystreams_spellings_and_security() -> None:
    contexts = bundled_contexts()
    for url in (
        AS_CONTEXT,
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams.jsonld",
        "http://www.w3.org/ns/activitystreams.jsonld",
    ):
        assert contexts[url]["@context"]["as"] == AS
    assert contexts[SECURITY_CONTEXT]["@context"]["publicKeyPem"] == "sec:publicKeyPem"
    assert "https://w3id.org/security/data-integrity/v1" in contexts


def test_loader_serves_an_unknown_context_as_empty_without_fetching(
    loader: LocalDocumentLoader,
) -> None:
    assert loader("https://evil.example/context")["document"] == {"@context": {}}
    document = {"@context": [AS_CONTEXT, "https://evil.example/context"], "type": "Note"}
    assert expand(document, loader)[0]["@type"] == [AS + "Note"]


def test_extra_contexts_stay_with_their_own_loader() -> None:
    url = "https://samenspraak.example/ns/v1"
    extra = {url: {"@context": {"ss": "https://samenspraak.example/ns#", "stance": "ss:stance"}}}
    document = {"@context": [AS_CONTEXT, url], "type": "Note", "stance": "for"}
    expanded = expand(document, LocalDocumentLoader(extra))
    assert expanded[0]["https://samenspraak.example/ns#stance"] == [{"@value": "for"}]
    assert "https://samenspraak.example/ns#stance" not in expand(document, LocalDocumentLoader())[0]


def test_pleroma_litepub_context_is_served_for_any_instance(loader: LocalDocumentLoader) -> None:
    document = {
        "@context": [AS_CONTEXT, "https://pleroma.example/schemas/litepub-0.1.jsonld"],
        "type": "Note",
        "directMessage": False,
    }
    expanded = expand(document, loader)
    assert expanded[0]["http://litepub.social/ns#directMessage"] == [{"@value": False}]


@pytest.mark.parametrize("keyword", ["@graph", "@included", "@reverse"])
@pytest.mark.parametrize(
    "wrap",
    [
        lambda inner: inner,
        lambda inner: {"type": "Create", "object": inner},
        lambda inner: {"type": "Create", "object": {"tag": [{"type": "Mention"}, inner]}},
        lambda inner: {"@context": [AS_CONTEXT, inner], "type": "Note"},
    ],
    ids=["top", "nested", "in-list", "in-context"],
)
def test_unsafe_keywords_are_refused_at_any_depth(keyword: str, wrap: Any) -> None:
    document = wrap({keyword: [{"id": "https://evil.example/1"}]})
    with pytest.raises(UnsafeJsonLd, match=keyword):
        refuse_unsafe_keywords(document)


def test_inline_graph_container_is_refused() -> None:
    document = {
        "@context": [AS_CONTEXT, {"hidden": {"@id": "as:object", "@container": "@graph"}}],
        "type": "Create",
    }
    with pytest.raises(UnsafeJsonLd):
        refuse_unsafe_keywords(document)


def test_unsafe_document_is_refused_by_normalise(loader: LocalDocumentLoader) -> None:
    document = {"@context": AS_CONTEXT, "type": "Create", "object": {"@graph": []}}
    with pytest.raises(UnsafeJsonLd):
        normalise(document, CANONICAL, loader)


def test_deeply_nested_document_is_refused() -> None:
    document: dict[str, Any] = {"type": "Note"}
    for _ in range(MAX_DEPTH + 1):
        document = {"type": "Note", "inReplyTo": document}
    with pytest.raises(UnsafeJsonLd, match="nested"):
        refuse_unsafe_keywords(document)


def test_mastodon_actor_expands_with_bundled_contexts(loader: LocalDocumentLoader) -> None:
    [actor] = expand(MASTODON_ACTOR, loader)
    assert actor["@type"] == [AS + "Person"]
    assert actor["http://www.w3.org/ns/ldp#inbox"] == [
        {"@id": "https://mastodon.example/users/alice/inbox"}
    ]
    [key] = actor[SEC + "publicKey"]
    assert key[SEC + "owner"] == [{"@id": "https://mastodon.example/users/alice"}]
    assert actor["http://joinmastodon.org/ns#discoverable"] == [{"@value": True}]


def test_mastodon_actor_compacts_into_canonical_terms(loader: LocalDocumentLoader) -> None:
    actor = compact(MASTODON_ACTOR, CANONICAL, loader)
    assert actor["@context"] == CANONICAL
    assert actor["inbox"] == "https://mastodon.example/users/alice/inbox"
    assert actor["endpoints"] == {"sharedInbox": "https://mastodon.example/inbox"}
    assert actor["publicKey"]["publicKeyPem"] == MASTODON_ACTOR["publicKey"]["publicKeyPem"]
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["discoverable"] is True


def test_normalise_returns_mastodon_activity_unchanged(loader: LocalDocumentLoader) -> None:
    normalised = normalise(MASTODON_CREATE, CANONICAL, loader)
    assert normalised == {**MASTODON_CREATE, "@context": CANONICAL}
    assert MASTODON_CREATE["@context"] == AS_CONTEXT


@pytest.mark.parametrize(
    "document_context",
    [
        [AS_CONTEXT, SECURITY_CONTEXT],
        ["http://www.w3.org/ns/activitystreams"],
        CANONICAL,
    ],
)
def test_normalise_fast_path_for_contexts_within_the_canonical_one(
    loader: LocalDocumentLoader, document_context: Any
) -> None:
    document = {**MASTODON_CREATE, "@context": document_context}
    assert normalise(document, CANONICAL, loader) == {**MASTODON_CREATE, "@context": CANONICAL}


def test_normalise_maps_a_term_alias_to_the_canonical_term(loader: LocalDocumentLoader) -> None:
    document = {
        "@context": [AS_CONTEXT, {"msg": "as:content"}],
        "id": "https://peer.example/notes/1",
        "type": "Note",
        "msg": "Hallo buurt",
    }
    normalised = normalise(document, CANONICAL, loader)
    assert normalised["content"] == "Hallo buurt"
    assert "msg" not in normalised


def test_normalise_reads_a_vocab_only_document(loader: LocalDocumentLoader) -> None:
    document = {
        "@context": {"@vocab": AS, "id": "@id", "type": "@type"},
        "id": "https://peer.example/notes/1",
        "type": "Note",
        "content": "Hallo buurt",
        "attributedTo": {"id": "https://peer.example/users/piet"},
    }
    normalised = normalise(document, CANONICAL, loader)
    assert normalised["type"] == "Note"
    assert normalised["content"] == "Hallo buurt"
    assert normalised["attributedTo"] == "https://peer.example/users/piet"


def test_normalise_undoes_swapped_actor_and_object(loader: LocalDocumentLoader) -> None:
    document = {
        "@context": [
            AS_CONTEXT,
            {
                "actor": {"@id": "as:object", "@type": "@id"},
                "object": {"@id": "as:actor", "@type": "@id"},
            },
        ],
        "type": "Like",
        "actor": "https://node.example/proposals/7",
        "object": "https://peer.example/users/piet",
    }
    normalised = normalise(document, CANONICAL, loader)
    assert normalised["actor"] == "https://peer.example/users/piet"
    assert normalised["object"] == "https://node.example/proposals/7"


def test_normalise_compacts_when_an_embedded_object_has_its_own_context(
    loader: LocalDocumentLoader,
) -> None:
    document = {
        "@context": AS_CONTEXT,
        "type": "Create",
        "object": {"@context": {"body": "as:content"}, "type": "Note", "body": "Hallo"},
    }
    normalised = normalise(document, CANONICAL, loader)
    assert normalised["object"]["content"] == "Hallo"


@pytest.mark.parametrize("spelling", ["as:Public", "Public", PUBLIC])
def test_normalise_writes_the_public_collection_in_full(
    loader: LocalDocumentLoader, spelling: str
) -> None:
    document = {
        "@context": [AS_CONTEXT, {"Hashtag": "as:Hashtag"}],
        "type": "Note",
        "to": [spelling],
        "cc": spelling,
        "name": "Public",
    }
    normalised = normalise(document, CANONICAL, loader)
    # One or many, as everywhere in ActivityPub: compaction unwraps, the fast path keeps the list.
    assert normalised["to"] in (PUBLIC, [PUBLIC])
    assert normalised["cc"] == PUBLIC
    assert normalised["name"] == "Public"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"@context": 7, "type": "Note"}, "Invalid JSON-LD"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_normalise_refuses_documents_that_are_not_json_ld(
    loader: LocalDocumentLoader, document: Any, message: str
) -> None:
    with pytest.raises(JsonLdError, match=message):
        normalise(document, CANONICAL, loader)
