"""The Samenspraak vocabulary: context, JSON Schemas, bundled examples and README."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import schemas
from schemas import CONTEXT_URL, KINDS, NAMESPACE, SchemaProblem, example, validate

README = Path(schemas.__file__).parent / "README.md"
DELETE = object()


def _samenspraak_terms() -> dict[str, str]:
    """Term -> compact IRI for every term the context maps into the Samenspraak namespace."""
    terms = {}
    for term, definition in schemas.inline_context().items():
        iri = definition["@id"] if isinstance(definition, dict) else definition
        if iri.startswith("sp:"):
            terms[term] = iri
    return terms


def _change(document: dict, pointer: str, value: Any) -> dict:
    """Set (or with DELETE remove) the value at a JSON pointer, returning the document."""
    *parents, last = pointer.lstrip("/").split("/")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return document


def _paths(problems: list[SchemaProblem]) -> list[str]:
    return [problem.path for problem in problems]


# --- the bundled files -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_bundled_example_is_valid(kind: str) -> None:
    assert validate(kind, example(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12_with_an_id_naming_its_file(kind: str) -> None:
    schema = json.loads(files("schemas").joinpath(f"v1/{kind}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"https://samenspraak.nl/schemas/v1/{kind}.schema.json"


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        validate("petition", {})
    with pytest.raises(KeyError):
        example("petition")


def test_example_is_a_fresh_copy_each_time() -> None:
    example("proposal")["proposalStatus"] = "maybe"
    assert example("proposal")["proposalStatus"] == "threshold_reached"


def test_context_document_cannot_be_corrupted_by_a_caller() -> None:
    schemas.outgoing_context()[2]["proposalStatus"] = "sp:somethingElse"
    assert schemas.inline_context()["proposalStatus"] == "sp:proposalStatus"


# --- invalid documents name the failing place ---------------------------------------------

INVALID = [
    ("process", "/archetype", "vote", "/archetype"),
    ("process", "/phases/1/name", "debating", "/phases/1/name"),
    ("process", "/currentPhase", "finished", "/currentPhase"),
    ("process", "/eligibility", "anyone", "/eligibility"),
    ("process", "/supportThreshold/share", 0.1, "/supportThreshold"),
    ("process", "/supportThreshold/count", 0, "/supportThreshold/count"),
    ("process", "/budget/maxPicks", 0, "/budget/maxPicks"),
    ("process", "/hostedBy", DELETE, "/"),
    ("proposal", "/proposalStatus", "maybe", "/proposalStatus"),
    ("proposal", "/cost/amount", "7800", "/cost/amount"),
    ("proposal", "/supportCount", -1, "/supportCount"),
    ("proposal", "/tag", [{"type": "Hashtag", "name": "#speeltuin"}], "/tag"),
    ("proposal", "/proposalStatus", "in_progress", "/"),
    ("proposal", "/proposalStatus", "merged", "/"),
    ("proposal", "/audience", DELETE, "/"),
    ("comment", "/stance", "maybe", "/stance"),
    ("comment", "/inReplyTo", DELETE, "/"),
    ("vote", "/inReplyTo", DELETE, "/"),
    ("vote", "/name", "", "/name"),
    ("budget_ballot", "/picks", "https://oosterpark.example/proposals/42", "/picks"),
    ("budget_ballot", "/picks/1", "https://oosterpark.example/proposals/42", "/picks"),
    ("budget_ballot", "/picks/0", "proposal 42", "/picks/0"),
    ("budget_ballot", "/process", DELETE, "/"),
    ("status_change", "/statusChange", DELETE, "/"),
    ("status_change", "/statusChange/status", "maybe", "/statusChange/status"),
    ("status_change", "/statusChange/reason", DELETE, "/statusChange"),
    ("status_change", "/statusChange/progress", DELETE, "/statusChange"),
    ("official_response", "/officialResponse", False, "/officialResponse"),
    ("official_response", "/content", DELETE, "/"),
    ("result", "/voteResult/tallies/0/count", -1, "/voteResult/tallies/0/count"),
    ("result", "/voteResult", DELETE, "/"),
    ("result", "/oneOf", DELETE, "/"),
    ("result", "/voteResult/recount", "results.csv", "/voteResult/recount"),
    ("residency_attestation", "/residency/method", "postcard", "/residency/method"),
    (
        "residency_attestation",
        "/residency/area/postcodeArea",
        "9713AB",
        "/residency/area/postcodeArea",
    ),
    ("residency_attestation", "/residency/attestedBy", DELETE, "/residency"),
    ("agreement", "/delegates/0", "govern", "/delegates/0"),
    ("agreement", "/areas/0/registrar", DELETE, "/areas/0"),
    ("agreement", "/areas/0/postcodeArea", "9722AB", "/areas/0/postcodeArea"),
]


@pytest.mark.parametrize(
    ("kind", "pointer", "value", "expected_path"),
    INVALID,
    ids=[f"{kind}{pointer}" for kind, pointer, _, _ in INVALID],
)
def test_invalid_document_is_reported_at_the_failing_path(
    kind: str, pointer: str, value: Any, expected_path: str
) -> None:
    problems = validate(kind, _change(example(kind), pointer, value))
    assert expected_path in _paths(problems), problems


def test_every_kind_has_at_least_two_invalid_cases() -> None:
    for kind in KINDS:
        assert sum(1 for case in INVALID if case[0] == kind) >= 2, kind


def test_problem_names_the_schema_keyword_in_the_file_that_holds_it() -> None:
    problems = validate("proposal", _change(example("proposal"), "/cost/amount", -5))
    assert problems == [
        SchemaProblem(
            path="/cost/amount",
            message="-5 is less than the minimum of 0",
            schema_path="common.schema.json#/$defs/monetaryAmount/properties/amount/minimum",
        )
    ]


def test_problems_are_ordered_by_path_and_repeatable() -> None:
    document = example("process")
    for pointer, value in [("/archetype", "vote"), ("/currentPhase", "x"), ("/inbox", DELETE)]:
        _change(document, pointer, value)
    del document["hostedBy"]
    first = validate("process", document)
    assert _paths(first) == ["/", "/", "/archetype", "/currentPhase"]
    assert validate("process", document) == first


def test_status_change_carries_the_whole_proposal() -> None:
    document = _change(example("status_change"), "/proposalStatus", "finished")
    assert "/proposalStatus" in _paths(validate("status_change", document))


# --- permissive where peers differ -------------------------------------------------------


def test_unknown_properties_from_peers_are_accepted() -> None:
    document = example("proposal")
    document["lemmyExtra"] = {"anything": [1, 2]}
    document["cost"]["note"] = "estimate by the municipality"
    assert validate("proposal", document) == []


def test_single_values_left_by_json_ld_compaction_are_accepted() -> None:
    proposal = example("proposal")
    proposal["tag"] = proposal["tag"][0]
    proposal["to"] = "as:Public"
    assert validate("proposal", proposal) == []
    result = example("result")
    result["oneOf"] = result["oneOf"][0]
    assert validate("result", result) == []


def test_mastodon_poll_vote_without_content_is_a_valid_vote() -> None:
    vote = example("vote")
    assert "content" not in vote
    vote["to"] = vote["to"][0]
    assert validate("vote", vote) == []


def test_support_threshold_as_a_share_needs_an_electorate() -> None:
    document = example("process")
    document["supportThreshold"] = {"type": "SupportThreshold", "share": 0.05}
    assert validate("process", document) == []
    document["electorateSize"] = 0
    assert _paths(validate("process", document)) == ["/electorateSize"]


def test_budget_result_on_the_process_is_a_valid_result() -> None:
    document = example("process")
    document["currentPhase"] = "closed"
    document["budgetResult"] = {
        "type": "BudgetResult",
        "allocations": [
            {
                "proposal": "https://oosterpark.example/proposals/42",
                "votes": 1210,
                "cost": {"type": "MonetaryAmount", "amount": 7800, "currency": "EUR"},
                "selected": True,
            }
        ],
        "votersCount": 2031,
        "eligibleCount": 8400,
        "closedAt": "2025-05-15T00:00:00+02:00",
        "recount": "https://oosterpark.example/processes/wijkbudget-2025/results.csv",
    }
    assert validate("result", document) == []
    document["budgetResult"]["allocations"][0]["selected"] = "yes"
    assert _paths(validate("result", document)) == ["/budgetResult/allocations/0/selected"]


def test_any_mapping_is_validated_like_a_dict() -> None:
    assert validate("vote", MappingProxyType(example("vote"))) == []


# --- the JSON-LD context -----------------------------------------------------------------


def test_outgoing_context_inlines_the_samenspraak_terms() -> None:
    context = schemas.outgoing_context()
    assert context[:2] == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    assert context[2] == schemas.context_document()["@context"] == schemas.inline_context()
    assert context[2]["sp"] == NAMESPACE


def test_every_samenspraak_term_is_named_after_itself_in_the_namespace() -> None:
    terms = _samenspraak_terms()
    assert len(terms) > 50
    assert {term: iri for term, iri in terms.items() if iri != f"sp:{term}"} == {}


def test_mastodon_and_lemmy_terms_we_emit_are_defined() -> None:
    context = schemas.inline_context()
    assert context["toot"] == "http://joinmastodon.org/ns#"
    assert context["votersCount"] == "toot:votersCount"
    assert context["moderators"] == {"@id": "lemmy:moderators", "@type": "@id"}
    for term in ("discoverable", "indexable", "manuallyApprovesFollowers", "sensitive"):
        assert term in context


def _document_loader() -> Callable:
    """The protocol package's loader, serving bundled contexts only: no network in tests."""
    protocol = pytest.importorskip(
        "activitypub.jsonld", reason="the protocol package has no JSON-LD document loader yet"
    )
    return protocol.LocalDocumentLoader(extra={CONTEXT_URL: schemas.context_document()})


def _walk(node: Any, visit: Callable[[str, Any], None]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                visit(key, value)
                _walk(value, visit)
    elif isinstance(node, list):
        for item in node:
            _walk(item, visit)


@pytest.mark.parametrize("kind", KINDS)
def test_example_expands_with_no_term_dropped(kind: str) -> None:
    from pyld import jsonld

    document = example(kind)
    expanded = jsonld.expand(document, {"documentLoader": _document_loader()})

    compact_keys: list[str] = []
    compact_types: list[str] = []

    def visit_compact(key: str, value: Any) -> None:
        if key == "type":
            compact_types.append(value)
        elif key != "id":
            compact_keys.append(key)

    expanded_keys: list[str] = []
    expanded_types: list[str] = []

    def visit_expanded(key: str, value: Any) -> None:
        if key == "@type" and isinstance(value, list):
            expanded_types.extend(value)
        elif not key.startswith("@"):
            expanded_keys.append(key)

    _walk(document, visit_compact)
    _walk(expanded, visit_expanded)

    # ActivityStreams maps unknown terms to blank-node IRIs ("@vocab": "_:"), and a
    # context without @vocab drops them: either would lose a property.
    assert [key for key in expanded_keys if not re.match(r"https?://", key)] == []
    assert len(expanded_keys) == len(compact_keys)
    terms = _samenspraak_terms()
    for key in compact_keys + compact_types:
        if key in terms:
            assert NAMESPACE + key in expanded_keys + expanded_types, key


@pytest.mark.parametrize("kind", KINDS)
def test_example_is_still_valid_after_json_ld_normalising(kind: str) -> None:
    from pyld import jsonld

    options = {"documentLoader": _document_loader()}
    expanded = jsonld.expand(example(kind), options)
    normalised = jsonld.compact(expanded, {"@context": schemas.outgoing_context()}, options)
    assert validate(kind, normalised) == []


# --- the README --------------------------------------------------------------------------


def test_readme_documents_every_term_and_kind_with_json() -> None:
    readme = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        json.loads(block)
    in_json = "\n".join(blocks)
    assert [term for term in _samenspraak_terms() if f'"{term}"' not in in_json] == []
    assert [kind for kind in KINDS if f"`{kind}`" not in readme] == []


def test_a_document_speaks_samenspraak_when_its_context_links_or_inlines_our_terms() -> None:
    assert schemas.speaks_samenspraak({"@context": schemas.outgoing_context()})
    assert schemas.speaks_samenspraak(
        {"@context": ["https://www.w3.org/ns/activitystreams", schemas.CONTEXT_URL]}
    )
    mastodon = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/security/v1",
            {"toot": "http://joinmastodon.org/ns#", "discoverable": "toot:discoverable"},
        ]
    }
    assert not schemas.speaks_samenspraak(mastodon)
    assert not schemas.speaks_samenspraak({"@context": "https://www.w3.org/ns/activitystreams"})
    assert not schemas.speaks_samenspraak({})
