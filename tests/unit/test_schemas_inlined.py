"""The self-contained ($ref-free) schemas that answer ``validate`` for valid documents.

``validate`` asks them first and falls back to the referencing schemas only to
describe problems, so they must accept exactly what the referencing schemas accept.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

import schemas
from schemas import KINDS, example, validate

# Values of every JSON type, and strings that are and are not URLs and timestamps.
REPLACEMENTS: list[Any] = [None, -1, 1.5, True, "", "x", "https://a.example/x", [], {}]
REMOVE = object()


def _places(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if at:
        yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _places(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _places(value, (*at, index))


def _changed(document: dict, at: tuple[Any, ...], value: Any) -> dict:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for part in at[:-1]:
        parent = parent[part]
    if value is REMOVE:
        del parent[at[-1]]
    else:
        parent[at[-1]] = value
    return changed


def _variants(kind: str) -> Iterator[dict]:
    document = example(kind)
    yield document
    for at in _places(document):
        for value in [*REPLACEMENTS, REMOVE]:
            yield _changed(document, at, value)


@pytest.mark.parametrize("kind", KINDS)
def test_inlined_schema_accepts_exactly_what_the_referencing_schema_accepts(kind: str) -> None:
    inlined, referencing = schemas._inlined_validator(kind), schemas._validator(kind)
    verdicts = [(inlined.is_valid(d), referencing.is_valid(d)) for d in _variants(kind)]
    assert all(fast == slow for fast, slow in verdicts)
    assert any(not slow for _, slow in verdicts), "the variants must include invalid documents"


@pytest.mark.parametrize("kind", KINDS)
def test_inlined_schema_has_no_references_left(kind: str) -> None:
    assert '"$ref"' not in json.dumps(schemas._inlined_validator(kind).schema)


def test_invalid_document_still_names_the_file_and_keyword_that_failed() -> None:
    vote = {**example("vote"), "inReplyTo": "not a url"}
    problems = validate("vote", vote)
    assert problems and {p.path for p in problems} == {"/inReplyTo"}
    assert all(p.schema_path.startswith("common.schema.json#/$defs/") for p in problems)
