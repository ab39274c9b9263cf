"""JSON-LD processing with bundled contexts: never a context fetched over the network.

Incoming documents are brought into our canonical context (`normalise`) so that code past the
inbox reads plain JSON whose terms mean what the ActivityStreams vocabulary says, whatever
aliases the sender used. Documents using `@graph`, `@included` or `@reverse` are refused
outright, as Mastodon does, because they let a document say something other than what its
plain-JSON reading shows.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from cachetools import LRUCache
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

_BUNDLED_FILES: Mapping[str, str] = {
    AS_CONTEXT: "activitystreams.jsonld",
    SECURITY_CONTEXT: "security-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://purl.archive.org/socialweb/webfinger": "webfinger.jsonld",
    "https://gotosocial.org/ns": "gotosocial-ns.jsonld",
}
# Other spellings peers use for the same documents.
_ALIASES: Mapping[str, str] = {
    "http://www.w3.org/ns/activitystreams": AS_CONTEXT,
    "https://www.w3.org/ns/activitystreams.jsonld": AS_CONTEXT,
    "http://www.w3.org/ns/activitystreams.jsonld": AS_CONTEXT,
    "http://w3id.org/security/v1": SECURITY_CONTEXT,
}
# Pleroma and Akkoma reference the LitePub context on their own host
# (https://<instance>/schemas/litepub-0.1.jsonld); every instance serves the same file.
_LITEPUB_PATH = "/schemas/litepub-0.1.jsonld"
_LITEPUB_FILE = "litepub-0.1.jsonld"

_ADDRESSING = frozenset({"to", "cc", "bto", "bcc", "audience"})
# The ActivityStreams terms whose values are maps keyed by language tag, not by term.
_LANGUAGE_MAPS = frozenset({"contentMap", "nameMap", "summaryMap"})
_UNSAFE_KEYWORDS = frozenset({"@graph", "@included", "@reverse"})
# Real ActivityPub documents nest a handful of levels; deep nesting only serves to exhaust
# the recursion of the JSON-LD processor.
MAX_DEPTH = 64
RESOLVED_CONTEXT_CACHE_SIZE = 256


class JsonLdError(ValueError):
    """A document that cannot be processed as JSON-LD; the message is fit for an HTTP 400 body."""


class UnsafeJsonLd(JsonLdError):
    """A document using JSON-LD features that are refused (`@graph`, `@included`, `@reverse`)."""


@functools.lru_cache(maxsize=1)
def _load_bundled() -> Mapping[str, Any]:
    package = resources.files("activitypub") / "contexts"
    documents = {
        url: json.loads((package / name).read_text(encoding="utf-8"))
        for url, name in _BUNDLED_FILES.items()
    }
    documents |= {alias: documents[url] for alias, url in _ALIASES.items()}
    documents[_LITEPUB_FILE] = json.loads((package / _LITEPUB_FILE).read_text(encoding="utf-8"))
    return documents


def bundled_contexts() -> dict[str, dict]:
    """The bundled context documents by URL (AS, its aliases, security v1 and others)."""
    return {url: doc for url, doc in _load_bundled().items() if url != _LITEPUB_FILE}


class LocalDocumentLoader:
    """A pyld document loader serving only bundled contexts and those registered in `extra`.

    Unknown URLs raise JsonLdError; nothing is ever fetched. Each loader keeps its own bounded
    cache of resolved contexts, so loaders with different `extra` documents never share one.
    """

    def __init__(self, extra: Mapping[str, dict] | None = None) -> None:
        self._documents: dict[str, Any] = dict(_load_bundled())
        self._documents.update(extra or {})
        self._resolved: LRUCache = LRUCache(maxsize=RESOLVED_CONTEXT_CACHE_SIZE)

    def __call__(self, url: str, options: dict | None = None) -> dict:
        """Return the remote-document record pyld expects for `url`, or raise JsonLdError."""
        document = self._documents.get(url)
        if document is None and _is_litepub(url):
            document = self._documents[_LITEPUB_FILE]
        if document is None:
            raise JsonLdError(f"Unknown JSON-LD context {url}; contexts are never fetched")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            # pyld rewrites context documents in place while resolving them.
            "document": copy.deepcopy(document),
            "tag": "static",
        }

    def options(self) -> dict[str, Any]:
        """pyld processing options that route every context load through this loader."""
        return {
            "documentLoader": self,
            # Without a base pyld resolves relative IRIs against http://example.org/base/;
            # None keeps them as sent (Mastodon writes the public collection as "Public").
            "base": None,
            # pyld's default resolver shares one module-wide cache across all loaders.
            "contextResolver": ContextResolver(self._resolved, self),
        }


def _is_litepub(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.path == _LITEPUB_PATH and not parts.query


# pyld refuses most bad documents with its JsonLdError, but meets some malformed ones with
# plain Python errors from deep inside: a relative or empty context IRI (no base to resolve
# it against) gives ValueError, a context term set to null KeyError. Each is a document it
# cannot read, refused as such; only pyld runs inside these handlers.
_PYLD_REFUSALS = (
    pyld_jsonld.JsonLdError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
)


def refuse_unsafe_keywords(document: Any) -> None:
    """Raise UnsafeJsonLd if `@graph`, `@included` or `@reverse` is used anywhere in `document`.

    Inline contexts that declare `@graph` containers are refused too, and so are documents
    nested more than MAX_DEPTH levels deep.
    """
    _inspect(document)


def _inspect(document: Any) -> bool:
    """Refuse unsafe documents; return whether any embedded object carries its own @context."""
    nested_context = False
    too_deep = f"Document is nested more than {MAX_DEPTH} levels deep"
    if not isinstance(document, dict | list):
        return False
    # Only objects and arrays go on the stack (the walk runs twice per inbox POST);
    # a plain value one level below MAX_DEPTH is refused where it is found.
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeJsonLd(too_deep)
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _UNSAFE_KEYWORDS:
                    raise UnsafeJsonLd(f"Documents using {key} are not accepted")
                if key == "@container" and "@graph" in (
                    value if isinstance(value, list) else [value]
                ):
                    raise UnsafeJsonLd("Documents using @graph containers are not accepted")
                if key == "@context" and depth > 0:
                    nested_context = True
                if isinstance(value, dict | list):
                    stack.append((value, depth + 1))
                elif depth >= MAX_DEPTH:
                    raise UnsafeJsonLd(too_deep)
        else:
            for item in node:
                if isinstance(item, dict | list):
                    stack.append((item, depth + 1))
                elif depth >= MAX_DEPTH:
                    raise UnsafeJsonLd(too_deep)
    return nested_context


def expand(document: dict, loader: LocalDocumentLoader) -> list[dict]:
    """Expand `document` with pyld, loading contexts only through `loader`."""
    refuse_unsafe_keywords(document)
    try:
        return pyld_jsonld.expand(document, loader.options())
    except _PYLD_REFUSALS as exc:
        raise JsonLdError(_describe(exc)) from exc


def compact(document: dict, context: Any, loader: LocalDocumentLoader) -> dict:
    """Compact `document` into `context` with pyld, loading contexts only through `loader`.

    The public collection comes out as its full IRI, never the `as:Public` compact form pyld
    produces, so addressing can be compared as plain strings.
    """
    refuse_unsafe_keywords(document)
    try:
        compacted = pyld_jsonld.compact(document, context, loader.options())
    except _PYLD_REFUSALS as exc:
        raise JsonLdError(_describe(exc)) from exc
    return _expand_public(compacted)


def normalise(document: dict, context: list | dict, loader: LocalDocumentLoader) -> dict:
    """Return `document` compacted into `context`, our canonical outgoing context.

    Fast path: when the document's `@context` is `context` itself, or only bundled context
    URLs that `context` also names (AS alone, as Mastodon sends activities), and no embedded
    object brings its own `@context`, the terms already mean what they mean in `context`; the
    document is returned as a shallow copy carrying `context`.

    Second fast path, for the inline term definitions Mastodon puts on every Create and
    Update: when each inline term is either defined exactly as `context` defines it, or
    unknown to `context` and defined as a plain IRI, the document keeps its meaning in
    `context` once the unknown terms' keys are written as their full IRIs (as compaction
    writes them). Anything else (aliases, redefined terms, coerced or container terms,
    unknown terms used as values, other contexts) goes through pyld compaction.
    """
    if not isinstance(document, dict):
        raise JsonLdError("Document must be a JSON object")
    nested_context = _inspect(document)
    if "@context" not in document:
        raise JsonLdError("Document has no @context")
    if not nested_context:
        if _terms_already_canonical(document["@context"], context):
            return {**document, "@context": context}
        renames = _plain_inline_terms(document["@context"], context, loader)
        if renames is not None and not _used_as_value(document, renames):
            return {**_renamed_in_full(document, renames), "@context": context}
    return compact(document, context, loader)


def _plain_inline_terms(
    document_context: Any, context: list | dict, loader: LocalDocumentLoader
) -> dict[str, str] | None:
    """The full IRIs of the inline terms `context` lacks, or None when the fast path is unsafe.

    Safe means: the URLs are ones `context` names; every inline term that `context` (with
    its bundled URLs) defines is defined identically; every other inline term is a plain
    string naming an http(s) IRI, directly or through a prefix.
    """
    entries = document_context if isinstance(document_context, list) else [document_context]
    urls = [entry for entry in entries if isinstance(entry, str)]
    inline: dict[str, Any] = {}
    for entry in entries:
        if isinstance(entry, dict):
            inline.update(entry)
        elif not isinstance(entry, str):
            return None
    if not inline or not _terms_already_canonical(urls, context):
        return None
    known, known_iris = _known_terms(_context_key(context), loader)
    prefixes = {**known, **inline}
    renames: dict[str, str] = {}
    for term, definition in inline.items():
        if term.startswith("@") or ":" in term:
            return None
        if term in known:
            if known[term] != definition:
                return None
            continue
        iri = _plain_iri(definition, prefixes)
        # A new name for a known IRI is an alias: compaction turns it into the known term.
        if iri is None or iri in known_iris:
            return None
        renames[term] = iri
    return renames


# normalise gets the same canonical context object on every inbox POST; serialising it
# to key _known_terms cost more than the rest of the fast path. Each entry keeps a copy
# of the context it was made for, so a context changed in place (or a reused id) is
# serialised again.
_CONTEXT_KEYS: dict[int, tuple[Any, str]] = {}


def _context_key(context: list | dict) -> str:
    """`context` as sorted JSON, the cache key of its terms."""
    entry = _CONTEXT_KEYS.get(id(context))
    if entry is not None and entry[0] == context:
        return entry[1]
    key = json.dumps(context, sort_keys=True)
    if len(_CONTEXT_KEYS) >= 16:
        _CONTEXT_KEYS.clear()
    _CONTEXT_KEYS[id(context)] = (copy.deepcopy(context), key)
    return key


@functools.lru_cache(maxsize=16)
def _known_terms(
    context_json: str, loader: LocalDocumentLoader
) -> tuple[Mapping[str, Any], frozenset[str]]:
    """Every term `context` defines (bundled URLs loaded), as written, and the IRIs they name."""
    context = json.loads(context_json)
    merged: dict[str, Any] = {}
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            loaded = loader(_canonical_url(entry))["document"].get("@context", {})
            for part in loaded if isinstance(loaded, list) else [loaded]:
                if isinstance(part, dict):
                    merged.update(part)
        elif isinstance(entry, dict):
            merged.update(entry)
    iris = {_plain_iri(d.get("@id") if isinstance(d, dict) else d, merged) for d in merged.values()}
    return merged, frozenset(iri for iri in iris if iri is not None)


def _plain_iri(definition: Any, terms: Mapping[str, Any]) -> str | None:
    """The http(s) IRI a plain definition names, directly or as `prefix:suffix`."""
    if not isinstance(definition, str):
        return None
    if definition.startswith(("http://", "https://")):
        return definition
    prefix, colon, suffix = definition.partition(":")
    base = terms.get(prefix)
    if colon and isinstance(base, str) and base.startswith(("http://", "https://")):
        return base + suffix
    return None


def _used_as_value(document: Any, terms: Mapping[str, str]) -> bool:
    """Whether any value outside the @context spells one of `terms`.

    A `type` (or a vocabulary-typed value) naming an inline term means that term's IRI;
    only compaction reads it so. Any string equal to such a term sends the document there.
    """
    stack = [value for key, value in document.items() if key != "@context"]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and node in terms:
            return True
    return False


def _renamed_in_full(
    node: Any, renames: Mapping[str, str], addressing: bool = False, language_map: bool = False
) -> Any:
    """`node` with the keys in `renames` renamed (not inside language maps) and the public
    collection in addressing written in full: both rewrites in one walk."""
    if isinstance(node, dict):
        if language_map:
            return _expand_public(node)
        renamed = {}
        for key, value in node.items():
            new_key = renames.get(key, key)
            renamed[new_key] = _renamed_in_full(
                value, renames, new_key in _ADDRESSING, key in _LANGUAGE_MAPS
            )
        return renamed
    if isinstance(node, list):
        return [_renamed_in_full(item, renames, addressing) for item in node]
    return AS_PUBLIC if addressing and node in ("as:Public", "Public") else node


def _terms_already_canonical(document_context: Any, context: list | dict) -> bool:
    if document_context == context or document_context == AS_CONTEXT:
        return True
    urls = document_context if isinstance(document_context, list) else [document_context]
    canonical_urls = {
        _canonical_url(entry)
        for entry in (context if isinstance(context, list) else [context])
        if isinstance(entry, str)
    }
    return bool(urls) and all(
        isinstance(url, str) and _canonical_url(url) in canonical_urls for url in urls
    )


def _canonical_url(url: str) -> str:
    return _ALIASES.get(url, url)


def _expand_public(node: Any, addressing: bool = False) -> Any:
    if isinstance(node, dict):
        return {key: _expand_public(value, key in _ADDRESSING) for key, value in node.items()}
    if isinstance(node, list):
        return [_expand_public(item, addressing) for item in node]
    return AS_PUBLIC if addressing and node in ("as:Public", "Public") else node


def _describe(exc: Exception) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, JsonLdError):
            return str(cause)
        cause = cause.__cause__
    message = exc.args[0] if exc.args else "invalid document"
    return f"Invalid JSON-LD: {message}"
