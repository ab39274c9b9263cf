"""The Samenspraak vocabulary, version 1: its JSON-LD context, JSON Schemas and examples.

The files under ``v1/`` are the source of truth; this module only reads them (lazily,
once) and validates documents against them. Documents are validated in their compacted
form, after JSON-LD normalising against :func:`outgoing_context`, so one shape is checked
whatever spelling a peer used.

Imports nothing of ours (a contract in ``[tool.importlinter]`` of
``pyproject.toml``); ``node/`` reads it. What lives here:

- ``v1/context.jsonld`` — the JSON-LD context of every Samenspraak term.
- ``v1/<kind>.schema.json`` and ``v1/common.schema.json`` — a JSON Schema per
  kind of object, and the pieces they share.
- ``v1/examples/<kind>.json`` — one valid example of each kind.
- ``README.md`` — the vocabulary explained for people who write a peer.
- this module — ``context_document``, ``inline_context`` and
  ``outgoing_context`` (the contexts as documents carry them), ``validate``
  (a document against its kind's schema) and ``example``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry
from referencing.jsonschema import DRAFT202012

NAMESPACE = "https://samenspraak.nl/ns/v1#"
CONTEXT_URL = "https://samenspraak.nl/ns/v1"
VERSION = "v1"
KINDS: tuple[str, ...] = (
    "process",
    "proposal",
    "comment",
    "vote",
    "budget_ballot",
    "status_change",
    "official_response",
    "result",
    "residency_attestation",
    "agreement",
)

_ACTIVITYSTREAMS_CONTEXT_URL = "https://www.w3.org/ns/activitystreams"
_SECURITY_CONTEXT_URL = "https://w3id.org/security/v1"


@dataclass(frozen=True)
class SchemaProblem:
    """One reason a document does not match its schema.

    ``path`` is the JSON pointer of the failing place in the document ("/" for the
    document itself), ``message`` is jsonschema's explanation, and ``schema_path`` names
    the schema keyword that failed, in the file that holds it (for example
    ``"common.schema.json#/$defs/proposalStatus/enum"``). ``schema_path`` has a default
    only so that code building a problem by hand need not invent one.
    """

    path: str
    message: str
    schema_path: str = ""


def context_document() -> dict:
    """Return the Samenspraak JSON-LD context document, as served at CONTEXT_URL."""
    return copy.deepcopy(_read_json("context.jsonld"))


def inline_context() -> dict:
    """Return the term definitions that every outgoing document inlines in its @context."""
    return context_document()["@context"]


def outgoing_context() -> list:
    """Return the @context of every document a node sends.

    The Samenspraak terms are inlined rather than linked so that no peer has to fetch
    a context to understand a document.
    """
    return [_ACTIVITYSTREAMS_CONTEXT_URL, _SECURITY_CONTEXT_URL, inline_context()]


def speaks_samenspraak(document: Mapping) -> bool:
    """Whether a document's @context uses the Samenspraak vocabulary (linked, or inlined
    as ``outgoing_context`` does): it comes from a server that reads our terms."""
    context = document.get("@context")
    entries = context if isinstance(context, list) else [context]
    for entry in entries:
        if entry == CONTEXT_URL:
            return True
        if isinstance(entry, Mapping) and NAMESPACE in entry.values():
            return True
    return False


def validate(kind: str, document: Mapping) -> list[SchemaProblem]:
    """Check a compacted document against the schema of ``kind``.

    Returns the problems ordered by path, then schema path and message, or ``[]`` when the
    document is valid. Raises KeyError for a kind not in KINDS.
    """
    # Most documents are valid: the self-contained schema answers that without a
    # registry lookup per $ref; only a failing document pays for locating its problems.
    if _inlined_validator(kind).is_valid(document):
        return []
    validator = _validator(kind)
    problems = {_problem(best_match([error])) for error in validator.iter_errors(document)}
    return sorted(problems, key=lambda p: (p.path, p.schema_path, p.message))


def example(kind: str) -> dict:
    """Return a fresh copy of the bundled valid example document of ``kind``."""
    _check_kind(kind)
    return copy.deepcopy(_read_json("examples", f"{kind}.json"))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise KeyError(kind)


def _bundled(*parts: str) -> Traversable:
    path = files(__name__) / VERSION
    for part in parts:
        path = path / part
    return path


@cache
def _read_json(*parts: str) -> Any:
    return json.loads(_bundled(*parts).read_text(encoding="utf-8"))


@cache
def _schema_files() -> tuple[str, ...]:
    return tuple(
        sorted(entry.name for entry in _bundled().iterdir() if entry.name.endswith(".schema.json"))
    )


@cache
def _registry() -> Registry:
    # Every $ref resolves inside this registry; it has no retrieve hook, so an
    # unknown reference fails instead of reaching for the network.
    schemas = [_read_json(name) for name in _schema_files()]
    return Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource(schema)) for schema in schemas
    )


@cache
def _schema_locations() -> dict[int, str]:
    """Map each subschema object (by identity) to "file#pointer".

    jsonschema's own schema path leaves out the $ref hops, so it would name the
    wrong file; the validator works on these very objects, so identity finds them.
    """
    locations: dict[int, str] = {}

    def walk(node: Any, name: str, parts: list[str]) -> None:
        if isinstance(node, dict):
            locations.setdefault(id(node), f"{name}#{_pointer(parts)}")
            for key, value in node.items():
                walk(value, name, [*parts, key])
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, name, [*parts, str(index)])

    for name in _schema_files():
        walk(_read_json(name), name, [])
    return locations


# The API promises any Mapping, but jsonschema's "object" means dict by default.
_MappingAwareValidator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "object", lambda _checker, instance: isinstance(instance, Mapping)
    ),
)


@cache
def _validator(kind: str) -> Validator:
    _check_kind(kind)
    return _MappingAwareValidator(_read_json(f"{kind}.schema.json"), registry=_registry())


# Keywords of a schema resource that mean nothing once its contents are inlined
# elsewhere; annotations are left out too, since they never decide validity.
_NOT_INLINED = frozenset({"$id", "$schema", "$defs", "$comment", "title", "description"})


@cache
def _inlined_validator(kind: str) -> Validator:
    """A validator of ``kind`` whose schema has every ``$ref`` replaced by its target.

    It accepts exactly the documents ``_validator(kind)`` accepts; its errors would
    name no file, so it only answers whether a document is valid.
    """
    _check_kind(kind)
    schema = _read_json(f"{kind}.schema.json")
    resolver = _registry().resolver(schema["$id"])
    inlined = _inlined({k: v for k, v in schema.items() if k != "$defs"}, resolver, frozenset())
    return _MappingAwareValidator(inlined)


def _inlined(node: Any, resolver: Any, trail: frozenset[int]) -> Any:
    if isinstance(node, list):
        return [_inlined(value, resolver, trail) for value in node]
    if not isinstance(node, dict):
        return node
    own = {k: _inlined(v, resolver, trail) for k, v in node.items() if k != "$ref"}
    if "$ref" not in node:
        return own
    resolved = resolver.lookup(node["$ref"])
    if id(resolved.contents) in trail:
        raise ValueError(f"{node['$ref']} refers to itself; a recursive schema cannot be inlined")
    body = {k: v for k, v in resolved.contents.items() if k not in _NOT_INLINED}
    target = _inlined(body, resolved.resolver, trail | {id(resolved.contents)})
    if not own:
        return target
    # $ref beside other keywords applies both, as allOf does.
    return {**own, "allOf": [*own.get("allOf", []), target]}


def _problem(error: ValidationError) -> SchemaProblem:
    where = _schema_locations()[id(error.schema)]
    return SchemaProblem(
        path=_pointer(error.absolute_path),
        message=error.message,
        schema_path=f"{where.rstrip('/')}/{error.validator}",
    )


def _pointer(parts: Any) -> str:
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in parts]
    return "/" + "/".join(escaped)
