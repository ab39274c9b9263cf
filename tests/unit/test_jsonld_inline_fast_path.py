"""The fast path of ``normalise`` for inline term definitions, as Mastodon sends on a Create.

It must keep the document's meaning (the JSON-LD expansion stays the same) and fall back
to compaction whenever an inline definition could make a term mean something else.
"""

from __future__ import annotations

from typing import Any

import pytest

from activitypub import jsonld
from activitypub.jsonld import LocalDocumentLoader, expand, normalise
from schemas import CONTEXT_URL, context_document, outgoing_context

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
ALICE = "https://mastodon.example/users/alice"
MASTODON_TERMS = {
    "ostatus": "http://ostatus.org#",
    "atomUri": "ostatus:atomUri",
    "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
    "conversation": "ostatus:conversation",
    "sensitive": "as:sensitive",
    "toot": "http://joinmastodon.org/ns#",
    "votersCount": "toot:votersCount",
}


@pytest.fixture
def loader() -> LocalDocumentLoader:
    return LocalDocumentLoader({CONTEXT_URL: context_document()})


@pytest.fixture
def compactions(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every document that went through pyld compaction."""
    seen: list[dict[str, Any]] = []
    real = jsonld.compact

    def spy(document: dict, context: Any, loader: LocalDocumentLoader) -> dict:
        seen.append(document)
        return real(document, context, loader)

    monkeypatch.setattr(jsonld, "compact", spy)
    return seen


def mastodon_create(terms: dict[str, Any], **note: Any) -> dict[str, Any]:
    status = f"{ALICE}/statuses/1"
    return {
        "@context": [AS, terms],
        "id": f"{status}/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [PUBLIC],
        "object": {
            "id": status,
            "type": "Note",
            "summary": None,
            "attributedTo": ALICE,
            "to": ["as:Public"],
            "sensitive": False,
            "atomUri": status,
            "conversation": "tag:mastodon.example,2026-01-01:objectId=1:objectType=Conversation",
            "content": "<p>Hallo buurt</p>",
            "contentMap": {"nl": "<p>Hallo buurt</p>"},
            **note,
        },
    }


def test_a_mastodon_create_keeps_its_meaning_without_compaction(
    loader: LocalDocumentLoader, compactions: list[dict[str, Any]]
) -> None:
    document = mastodon_create(MASTODON_TERMS)
    normalised = normalise(document, outgoing_context(), loader)
    assert compactions == []
    assert expand(normalised, loader) == expand(document, loader)
    note = normalised["object"]
    assert note["content"] == "<p>Hallo buurt</p>"
    assert note["sensitive"] is False
    assert note["http://ostatus.org#atomUri"] == f"{ALICE}/statuses/1"
    assert note["to"] == [PUBLIC]
    assert normalised["@context"] == outgoing_context()


def test_language_tags_in_a_content_map_are_not_taken_for_terms(
    loader: LocalDocumentLoader, compactions: list[dict[str, Any]]
) -> None:
    document = mastodon_create({**MASTODON_TERMS, "nl": "http://example.org/ns#nl"})
    normalised = normalise(document, outgoing_context(), loader)
    assert compactions == []
    assert normalised["object"]["contentMap"] == {"nl": "<p>Hallo buurt</p>"}
    assert expand(normalised, loader) == expand(document, loader)


@pytest.mark.parametrize(
    ("terms", "why"),
    [
        ({"content": "http://evil.example/ns#content"}, "redefines a known term"),
        ({"sensitive": "http://evil.example/ns#sensitive"}, "redefines a term of ours"),
        ({"toot": "http://evil.example/ns#"}, "redefines a prefix of ours"),
        ({"body": "as:content"}, "aliases a known term"),
        ({"pinned": {"@id": "toot:pinned", "@type": "@id"}}, "coerces its values"),
        ({"@language": "nl"}, "sets a default language"),
    ],
)
def test_an_inline_definition_that_changes_meaning_goes_through_compaction(
    loader: LocalDocumentLoader,
    compactions: list[dict[str, Any]],
    terms: dict[str, Any],
    why: str,
) -> None:
    document = mastodon_create({**MASTODON_TERMS, **terms})
    normalised = normalise(document, outgoing_context(), loader)
    assert len(compactions) == 1, why
    assert expand(normalised, loader) == expand(document, loader)


def test_an_unknown_inline_term_used_as_a_type_goes_through_compaction(
    loader: LocalDocumentLoader, compactions: list[dict[str, Any]]
) -> None:
    terms = {**MASTODON_TERMS, "Emoji": "toot:Emoji"}
    document = mastodon_create(terms, tag=[{"type": "Emoji", "name": ":fiets:"}])
    normalise(document, outgoing_context(), loader)
    assert len(compactions) == 1


def test_a_body_alias_is_read_as_content(loader: LocalDocumentLoader) -> None:
    document = mastodon_create({**MASTODON_TERMS, "body": "as:content"}, body="<p>Anders</p>")
    del document["object"]["content"]
    normalised = normalise(document, outgoing_context(), loader)
    assert normalised["object"]["content"] == "<p>Anders</p>"
