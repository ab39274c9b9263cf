"""JSON-LD processing with bundled contexts: never a context fetched over the network.

Incoming documents are brought into our canonical context (`normalise`) so that code past the
inbox reads plain JSON whose terms mean what the ActivityStreams vocabulary says, whatever
aliases the sender used. Documents using `@graph`, `@included` or `@reverse` are refused
outright, as Mastodon does, because they let a document say something other than what its
plain-JSON reading shows.

Contexts never block a document. Mastodon processes no context at all and reads the
ActivityStreams terms by their compact names; peers put contexts on their documents for
their own purposes (Fedify the identity context of its Linked Data signature, PeerTube the
credentials context). So, as read here:

- the contexts real servers send are bundled; any other URL is an empty context, ignored
  and never fetched (its terms fall to the ActivityStreams `@vocab` and keep their names);
- a document whose context lacks ActivityStreams (or has none) is read with it;
- a term the ActivityStreams context defines keeps that meaning when a bundled context
  redefines it (credentials v2 makes `name` and `mediaType` schema.org terms), and a term
  an outer context defines keeps its meaning in an embedded object's own `@context`;
- `@protected` is dropped, so a later context adding a term never makes a document unreadable.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Mapping
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from cachetools import LRUCache
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

log = logging.getLogger(__name__)

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
MISCELLANY_CONTEXT = "https://purl.archive.org/miscellany"
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

_BUNDLED_FILES: Mapping[str, str] = {
    AS_CONTEXT: "activitystreams.jsonld",
    SECURITY_CONTEXT: "security-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://purl.archive.org/socialweb/webfinger": "webfinger.jsonld",
    "https://gotosocial.org/ns": "gotosocial-ns.jsonld",
    # Fedify puts it on every activity, for its Linked Data signature.
    "https://w3id.org/identity/v1": "identity-v1.jsonld",
    # PeerTube, with its own `size` term beside it.
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/fep/5711": "fep-5711.jsonld",
    "https://w3id.org/fep/7aa9": "fep-7aa9.jsonld",
    "https://w3id.org/fep/ef61": "fep-ef61.jsonld",
    # Mastodon inlines its terms, but some servers name its namespace as a context.
    "http://joinmastodon.org/ns": "joinmastodon.jsonld",
    "https://join-lemmy.org/context.json": "join-lemmy.jsonld",
    MISCELLANY_CONTEXT: "miscellany.jsonld",
    "http://schema.org/": "schemaorg.jsonld",
}
# Other spellings peers use for the same documents.
_ALIASES: Mapping[str, str] = {
    "http://www.w3.org/ns/activitystreams": AS_CONTEXT,
    "https://www.w3.org/ns/activitystreams.jsonld": AS_CONTEXT,
    "http://www.w3.org/ns/activitystreams.jsonld": AS_CONTEXT,
    "http://w3id.org/security/v1": SECURITY_CONTEXT,
    "http://joinmastodon.org/ns#": "http://joinmastodon.org/ns",
    "https://joinmastodon.org/ns": "http://joinmastodon.org/ns",
    "https://schema.org/": "http://schema.org/",
    "https://schema.org": "http://schema.org/",
    "http://schema.org": "http://schema.org/",
    "https://schema.org/docs/jsonldcontext.jsonld": "http://schema.org/",
    "http://schema.org/docs/jsonldcontext.jsonld": "http://schema.org/",
    "https://schema.org/docs/jsonldcontext.json": "http://schema.org/",
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
    documents[_LITEPUB_FILE] = json.loads((package / _LITEPUB_FILE).read_text(encoding="utf-8"))
    activitystreams = _definitions_of(documents[AS_CONTEXT]["@context"])
    documents = {
        url: document
        if url == AS_CONTEXT
        else {**document, "@context": _without_terms(document["@context"], activitystreams)}
        for url, document in documents.items()
    }
    documents |= {alias: documents[url] for alias, url in _ALIASES.items()}
    return documents


def _definitions_of(context: Any) -> dict[str, Any]:
    """The term definitions (and `@vocab`) of an inline context or a list of them."""
    entries = context if isinstance(context, list) else [context]
    return {
        term: definition
        for entry in entries
        if isinstance(entry, dict)
        for term, definition in entry.items()
        if term == "@vocab" or not term.startswith("@")
    }


def _without_terms(context: Any, kept: Mapping[str, Any]) -> Any:
    """`context` without other definitions of the terms in `kept` (their meaning stays
    the one `kept` gives; the same definition again stays, a prefix the context itself
    uses may be one), without `@protected`, and without terms declared as `@graph`
    containers (a document using them is read as if they were unknown), also inside
    scoped contexts."""
    if isinstance(context, list):
        return [_without_terms(entry, kept) for entry in context]
    if not isinstance(context, dict):
        return context
    reduced: dict[str, Any] = {}
    for term, definition in context.items():
        redefined = term in kept and kept[term] != definition
        if term == "@protected" or redefined or _graph_container(definition):
            continue
        if isinstance(definition, dict):
            definition = {k: v for k, v in definition.items() if k != "@protected"}
            if "@context" in definition:
                definition["@context"] = _without_terms(definition["@context"], kept)
        reduced[term] = definition
    return reduced


def _graph_container(definition: Any) -> bool:
    container = definition.get("@container") if isinstance(definition, dict) else None
    return "@graph" in (container if isinstance(container, list) else [container])


def bundled_contexts() -> dict[str, dict]:
    """The bundled context documents by URL (AS, its aliases, security v1 and others), as
    they are read: without redefinitions of ActivityStreams terms."""
    return {url: doc for url, doc in _load_bundled().items() if url != _LITEPUB_FILE}


class LocalDocumentLoader:
    """A pyld document loader serving only bundled contexts and those registered in `extra`.

    Any other URL is served as an empty context: ignored, never fetched. Each loader keeps
    its own bounded cache of resolved contexts, so loaders with different `extra`
    documents never share one.
    """

    def __init__(self, extra: Mapping[str, dict] | None = None) -> None:
        self._documents: dict[str, Any] = dict(_load_bundled())
        self._documents.update(extra or {})
        self._resolved: LRUCache = LRUCache(maxsize=RESOLVED_CONTEXT_CACHE_SIZE)

    def knows(self, url: str) -> bool:
        """Whether `url` names a context this loader holds."""
        return url in self._documents or _is_litepub(url)

    def context_of(self, url: str) -> Any:
        """The `@context` of the document at `url` (not a copy), `{}` when unknown."""
        document = self._documents.get(url)
        if document is None and _is_litepub(url):
            document = self._documents[_LITEPUB_FILE]
        return {} if document is None else document.get("@context", {})

    def __call__(self, url: str, options: dict | None = None) -> dict:
        """Return the remote-document record pyld expects for `url`."""
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            # pyld rewrites context documents in place while resolving them.
            "document": {"@context": copy.deepcopy(self.context_of(url))},
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
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all ("A://[")
        return False
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
    if not nested_context and "@context" in document:
        if _terms_already_canonical(document["@context"], context):
            return {**document, "@context": context}
        renames = _plain_inline_terms(document["@context"], context, loader)
        if renames is not None and not _used_as_value(document, renames):
            return {**_renamed_in_full(document, renames), "@context": context}
    return compact(as_mastodon_reads(document, loader), context, loader)


def as_mastodon_reads(document: dict, loader: LocalDocumentLoader) -> dict:
    """`document` with its contexts as read here (see the module's docstring).

    ActivityStreams comes first when the top-level context lacks it, followed by the
    ActivityStreams extension terms Mastodon reads (the SWICG miscellany); unknown context URLs
    are logged and ignored; each embedded `@context` loses the definitions of terms its
    outer contexts define, its ActivityStreams URL (read at the top already) and `null`
    entries that would reset the outer ones.
    """
    top = document.get("@context")
    entries = [entry for entry in (top if isinstance(top, list) else [top]) if entry is not None]
    _log_unknown(entries, loader)
    first = next(
        (
            i
            for i, e in enumerate(entries)
            if isinstance(e, str) and _canonical_url(e) == AS_CONTEXT
        ),
        None,
    )
    if first is None:
        entries, first = [AS_CONTEXT, *entries], 0
    # The extension terms in the ActivityStreams namespace that Mastodon reads by name
    # (Hashtag, sensitive, movedTo ...), defined or not.
    entries = [*entries[: first + 1], MISCELLANY_CONTEXT, *entries[first + 1 :]]
    outer = _defined_by(entries, loader)
    body = {
        key: _nested_contexts_read(value, outer, loader)
        for key, value in document.items()
        if key != "@context"
    }
    return {"@context": entries, **body}


def _defined_by(entries: list[Any], loader: LocalDocumentLoader) -> dict[str, Any]:
    defined: dict[str, Any] = {}
    for entry in entries:
        context = loader.context_of(_canonical_url(entry)) if isinstance(entry, str) else entry
        defined.update(_definitions_of(context))
    return defined


def _log_unknown(entries: list[Any], loader: LocalDocumentLoader) -> None:
    for entry in entries:
        if isinstance(entry, str) and not loader.knows(_canonical_url(entry)):
            log.info("unknown JSON-LD context %s ignored, never fetched", entry)


def _nested_contexts_read(node: Any, outer: Mapping[str, Any], loader: LocalDocumentLoader) -> Any:
    if isinstance(node, list):
        return [_nested_contexts_read(item, outer, loader) for item in node]
    if not isinstance(node, dict):
        return node
    if "@context" in node:
        own = node["@context"]
        entries = [e for e in (own if isinstance(own, list) else [own]) if e is not None]
        _log_unknown(entries, loader)
        # ActivityStreams is read at the top already; another URL is inlined (a copy: pyld
        # rewrites contexts in place), so that the outer terms can be taken out of it too.
        inlined = [
            copy.deepcopy(loader.context_of(_canonical_url(e))) if isinstance(e, str) else e
            for e in entries
            if not (isinstance(e, str) and _canonical_url(e) == AS_CONTEXT)
        ]
        reduced = [_without_terms(entry, outer) for entry in inlined]
        node = {key: value for key, value in node.items() if key != "@context"}
        if reduced:
            node["@context"] = reduced
        outer = {**outer, **_defined_by(reduced, loader)}
    return {key: _nested_contexts_read(value, outer, loader) for key, value in node.items()}


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
