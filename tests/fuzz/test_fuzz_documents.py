"""JSON bodies, JSON-LD documents, the vocabulary parse and WebFinger answers: whatever a
peer sends, each parser gives its result or its own refusal, never another exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from activitypub.bounded_json import MAX_JSON_DEPTH, deeper_than, loads_bounded
from activitypub.jsonld import AS_CONTEXT, JsonLdError, LocalDocumentLoader, expand, normalise
from activitypub.vocabulary import (
    VocabularyError,
    parse_activity,
    parse_actor,
    parse_object,
)
from federation.errors import BodyTooLarge, MalformedDocument
from federation.inbox import parse_body
from federation.webfinger import actor_id_from_webfinger
from schemas import CONTEXT_URL, context_document, outgoing_context
from tests.fuzz.strategies import edgy_text, json_objects, json_values, keys, scalars

# JSON text: real documents, the same cut short or spliced, and bracket soup.
json_texts = st.one_of(
    json_values().map(json.dumps),
    st.tuples(json_values().map(json.dumps), st.integers(0, 200)).map(lambda t: t[0][: t[1]]),
    st.text(alphabet='[]{}",:\\ 0123456789.eE+-truefalsn', max_size=200),
    st.integers(0, 3 * MAX_JSON_DEPTH).map(lambda n: "[" * n + "]" * n),
)
json_bytes = st.one_of(json_texts.map(str.encode), st.binary(max_size=200))


@given(json_bytes)
@example(b'"\\ud800"')
@example(b"1" * 5000)
@example(b'["\\')
def test_any_json_body_parses_or_is_refused(body: bytes) -> None:
    try:
        loads_bounded(body)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError and JsonTooDeep all are
        pass
    assert isinstance(deeper_than(body, MAX_JSON_DEPTH), bool)


@given(json_bytes)
def test_any_inbox_body_is_a_json_object_or_refused(body: bytes) -> None:
    try:
        assert isinstance(parse_body(body), dict)
    except (BodyTooLarge, MalformedDocument):
        pass


LOADER = LocalDocumentLoader({CONTEXT_URL: context_document()})
CANONICAL = outgoing_context()

contexts = st.one_of(
    st.sampled_from([AS_CONTEXT, CONTEXT_URL, "https://w3id.org/security/v1", [AS_CONTEXT]]),
    st.lists(
        st.one_of(
            st.sampled_from([AS_CONTEXT, CONTEXT_URL, "https://unknown.example/ctx"]),
            st.dictionaries(
                keys,
                st.one_of(
                    scalars,
                    st.fixed_dictionaries(
                        {"@id": st.one_of(scalars, st.just("as:Note"))},
                        optional={
                            "@type": st.sampled_from(["@id", "@json", "@vocab", "xsd:int", ""]),
                            "@container": st.sampled_from(
                                [
                                    "@list",
                                    "@set",
                                    "@language",
                                    "@index",
                                    "@graph",
                                    "@id",
                                    ["@set"],
                                    3,
                                ]
                            ),
                            "@reverse": edgy_text,
                        },
                    ),
                ),
                max_size=4,
            ),
            scalars,
        ),
        max_size=3,
    ),
    json_values(8),
)
jsonld_documents = st.tuples(json_objects, contexts).map(lambda d: {**d[0], "@context": d[1]})


@given(st.one_of(jsonld_documents, json_objects))
@example({"@context": [{"@language": None}]})
@example({"@context": "0"})
@example({"@context": ""})
@example({"@context": {"@version": 2}})
@example({"@context": ["A://["]})
@example({"@context": "https://strange.example/", "object": {"@context": [None, 5, "A://["]}})
@example({"@context": [AS_CONTEXT, {"x": {"@id": "as:Note", "@container": "@list"}}], "x": 1})
def test_any_json_ld_document_normalises_or_is_refused(document: dict[str, Any]) -> None:
    try:
        assert isinstance(normalise(document, CANONICAL, LOADER), dict)
    except JsonLdError:
        pass
    try:
        assert isinstance(expand(document, LOADER), list)
    except JsonLdError:
        pass


activity_like = st.one_of(
    json_objects,
    st.fixed_dictionaries(
        {
            "id": scalars,
            "type": st.one_of(scalars, st.lists(scalars, max_size=2)),
            "actor": json_values(6),
            "object": json_values(12),
        },
        optional={
            "to": json_values(4),
            "tag": json_values(6),
            "attachment": json_values(6),
            "inbox": json_values(3),
            "preferredUsername": scalars,
            "publicKey": json_values(6),
            "endpoints": json_values(4),
        },
    ),
)


@given(activity_like)
@example({"id": "x", "type": "Create", "actor": "a", "object": {"type": "Note", "tag": [{}]}})
def test_any_document_reads_as_vocabulary_or_is_refused(document: dict[str, Any]) -> None:
    for parse in (parse_activity, parse_object, parse_actor):
        try:
            parse(document)
        except VocabularyError:
            pass


webfinger_answers = st.one_of(
    json_objects,
    st.fixed_dictionaries(
        {
            "subject": scalars,
            "links": st.one_of(
                json_values(10),
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "rel": st.one_of(st.just("self"), scalars),
                            "type": st.one_of(
                                st.sampled_from(
                                    ["application/activity+json", "application/ld+json; profile=x"]
                                ),
                                json_values(3),
                            ),
                            "href": json_values(3),
                        }
                    ),
                    max_size=3,
                ),
            ),
        },
    ),
)


@given(webfinger_answers)
@example({"links": [{"rel": "self", "type": 1, "href": "https://x.example/u"}]})
def test_any_webfinger_answer_names_an_actor_or_none(document: dict[str, Any]) -> None:
    actor_id = actor_id_from_webfinger(document)
    assert actor_id is None or isinstance(actor_id, str)
