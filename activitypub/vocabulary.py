"""ActivityStreams vocabulary as typed data.

Raw JSON becomes these frozen dataclasses once, at the inbox edge, where
ActivityStreams' "a string or an object, one or many" is normalised. Code past
that edge reads tuples and optional strings, never ``isinstance`` on protocol
fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlsplit

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

ACTOR_TYPES = frozenset({"Person", "Group", "Organization", "Application", "Service"})
# A BCP 47 language tag, as far as a status's language needs one ("nl", "en-GB", "zh-Hant").
_NOT_IN_USERNAME = re.compile(r"[^A-Za-z0-9_.-]+")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


class VocabularyError(ValueError):
    """A document that cannot be read as the ActivityStreams type it claims."""


def as_list(value: Any) -> list[Any]:
    """ActivityStreams allows one value or many; give back many."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def id_of(value: Any) -> str | None:
    """The id of a reference that may be a bare IRI or an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        ident = value.get("id")
        return ident if isinstance(ident, str) else None
    return None


def ids_of(value: Any) -> tuple[str, ...]:
    """Ids of every reference in a one-or-many field; entries without an id are skipped."""
    return tuple(i for i in (id_of(v) for v in as_list(value)) if i)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        # A language map ({"nl": "...", "en": "..."}): take the first entry.
        for text in value.values():
            if isinstance(text, str):
                return text
    return None


def _content(doc: Mapping[str, Any], key: str) -> str | None:
    return _text(doc.get(key)) or _text(doc.get(f"{key}Map"))


def type_of(doc: Mapping[str, Any]) -> str:
    """The first type of a document ("" when it has none)."""
    for t in as_list(doc.get("type")):
        if isinstance(t, str):
            return t
    return ""


@dataclass(frozen=True)
class Tag:
    """An entry of ``tag``: a Mention, a Hashtag, an Emoji."""

    type: str
    href: str | None
    name: str | None


@dataclass(frozen=True)
class Attachment:
    """A document attached to a post, or a PropertyValue field on an actor."""

    type: str
    url: str | None
    name: str | None
    media_type: str | None
    value: str | None


@dataclass(frozen=True)
class ASObject:
    """Any object that is not an activity: a Note, a Question, a Tombstone, an actor."""

    id: str
    type: str
    attributed_to: str | None = None
    in_reply_to: str | None = None
    name: str | None = None
    summary: str | None = None
    content: str | None = None
    published: str | None = None
    updated: str | None = None
    url: str | None = None
    audience: str | None = None
    context: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    sensitive: bool = False
    # The language of the content, as Mastodon reads it: the first key of contentMap.
    language: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_public(self) -> bool:
        """Public or unlisted: addressed to the public collection in ``to`` or ``cc``."""
        return any(a in PUBLIC_ALIASES for a in (*self.to, *self.cc))

    @property
    def is_poll_answer(self) -> bool:
        """A vote in a poll as Mastodon sends it: a Note naming the option, replying to the
        Question, without content."""
        return self.type == "Note" and bool(self.name and self.in_reply_to) and not self.content

    @property
    def mentions(self) -> tuple[str, ...]:
        """Ids of the accounts this object mentions, each once."""
        return tuple(dict.fromkeys(t.href for t in self.tags if t.type == "Mention" and t.href))

    @property
    def hashtags(self) -> tuple[str, ...]:
        """Hashtag names without the leading '#'."""
        return tuple(t.name.lstrip("#") for t in self.tags if t.type == "Hashtag" and t.name)


@dataclass(frozen=True)
class Activity:
    """An activity with its object normalised.

    ``object_id`` is always set; ``object`` is the embedded object when the
    sender embedded one (a bare IRI leaves it ``None``).
    """

    id: str
    type: str
    actor: str
    object_id: str
    object: ASObject | None = None
    object_activity: Activity | None = None
    target: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    published: str | None = None
    summary: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def object_type(self) -> str:
        """Type of the object, or of the embedded activity, or "" when only an IRI was sent."""
        if self.object_activity is not None:
            return self.object_activity.type
        if self.object is not None:
            return self.object.type
        return ""

    @property
    def recipients(self) -> tuple[str, ...]:
        """Everyone the activity is addressed to."""
        return (*self.to, *self.cc)


ACTIVITY_TYPES = frozenset(
    {
        "Create",
        "Update",
        "Delete",
        "Follow",
        "Accept",
        "Reject",
        "Undo",
        "Like",
        "Announce",
        "Add",
        "Remove",
        "Flag",
        "Block",
        "Move",
        "Invite",
    }
)


def parse_object(doc: Mapping[str, Any]) -> ASObject:
    """Read an embedded or fetched object; raise VocabularyError when it has no id or type."""
    ident = doc.get("id")
    kind = type_of(doc)
    if not isinstance(ident, str) or not ident:
        raise VocabularyError("object has no id")
    if not kind:
        raise VocabularyError(f"object {ident} has no type")
    tags = tuple(
        Tag(type=type_of(t), href=id_of(t.get("href")), name=_text(t.get("name")))
        for t in as_list(doc.get("tag"))
        if isinstance(t, Mapping)
    )
    attachments = tuple(
        Attachment(
            type=type_of(a),
            url=_first_url(a.get("url")),
            name=_text(a.get("name")),
            media_type=a.get("mediaType") if isinstance(a.get("mediaType"), str) else None,
            value=_text(a.get("value")),
        )
        for a in as_list(doc.get("attachment"))
        if isinstance(a, Mapping)
    )
    return ASObject(
        id=ident,
        type=kind,
        attributed_to=_first_id(doc.get("attributedTo")),
        in_reply_to=_first_id(doc.get("inReplyTo")),
        name=_content(doc, "name"),
        summary=_content(doc, "summary"),
        content=_content(doc, "content"),
        published=doc.get("published") if isinstance(doc.get("published"), str) else None,
        updated=doc.get("updated") if isinstance(doc.get("updated"), str) else None,
        url=_first_url(doc.get("url")),
        audience=_first_id(doc.get("audience")),
        context=_first_id(doc.get("context")),
        to=ids_of(doc.get("to")),
        cc=ids_of(doc.get("cc")),
        tags=tags,
        attachments=attachments,
        sensitive=doc.get("sensitive") is True,
        language=_language(doc.get("contentMap")),
        raw=doc,
    )


def _language(content_map: Any) -> str | None:
    if not isinstance(content_map, Mapping):
        return None
    first = next(iter(content_map), None)
    return first if isinstance(first, str) and _LANGUAGE_TAG.fullmatch(first) else None


def parse_activity(doc: Mapping[str, Any]) -> Activity:
    """Read an incoming activity; raise VocabularyError when a required field is missing."""
    ident = doc.get("id")
    kind = type_of(doc)
    actor = _first_id(doc.get("actor"))
    obj = doc.get("object")
    object_id = _first_id(obj)
    if not isinstance(ident, str) or not ident:
        raise VocabularyError("activity has no id")
    if not kind:
        raise VocabularyError("activity has no type")
    if not actor:
        raise VocabularyError("activity has no actor")
    embedded = next((o for o in as_list(obj) if isinstance(o, Mapping)), None)
    if not object_id:
        raise VocabularyError(
            f"{kind} has no object" if embedded is None else f"the object of {kind} has no id"
        )
    parsed_object: ASObject | None = None
    parsed_activity: Activity | None = None
    if embedded is not None:
        if type_of(embedded) in ACTIVITY_TYPES:
            parsed_activity = parse_activity(embedded)
        else:
            parsed_object = parse_object(embedded)
            if kind == "Create" and parsed_object.attributed_to is None:
                # As Mastodon reads it: a created object without an author is the actor's.
                parsed_object = replace(
                    parsed_object,
                    attributed_to=actor,
                    raw={**parsed_object.raw, "attributedTo": actor},
                )
    return Activity(
        id=ident,
        type=kind,
        actor=actor,
        object_id=object_id,
        object=parsed_object,
        object_activity=parsed_activity,
        target=_first_id(doc.get("target")),
        to=ids_of(doc.get("to")),
        cc=ids_of(doc.get("cc")),
        published=doc.get("published") if isinstance(doc.get("published"), str) else None,
        summary=_content(doc, "summary"),
        raw=doc,
    )


@dataclass(frozen=True)
class ActorDocument:
    """What we need of a remote actor: where to deliver and which key it signs with."""

    id: str
    type: str
    preferred_username: str
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    name: str | None
    summary: str | None
    url: str | None
    icon: str | None
    key_id: str | None
    public_key_pem: str | None
    key_owner: str | None
    manually_approves_followers: bool
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def parse_actor(doc: Mapping[str, Any]) -> ActorDocument:
    """Read a fetched actor document; raise VocabularyError when it is not a usable actor."""
    obj = parse_object(doc)
    if obj.type not in ACTOR_TYPES:
        raise VocabularyError(f"{obj.id} is a {obj.type}, not an actor")
    inbox = _first_id(doc.get("inbox"))
    username = doc.get("preferredUsername")
    if not inbox:
        raise VocabularyError(f"actor {obj.id} has no inbox")
    if not isinstance(username, str) or not username:
        username = username_from_id(obj.id)
    endpoints = doc.get("endpoints")
    shared = _first_id(endpoints.get("sharedInbox")) if isinstance(endpoints, Mapping) else None
    key = next((k for k in as_list(doc.get("publicKey")) if isinstance(k, Mapping)), None)
    return ActorDocument(
        id=obj.id,
        type=obj.type,
        preferred_username=username,
        inbox=inbox,
        shared_inbox=shared,
        outbox=_first_id(doc.get("outbox")),
        followers=_first_id(doc.get("followers")),
        name=obj.name,
        summary=obj.summary,
        url=obj.url,
        icon=_first_url(doc.get("icon")),
        key_id=id_of(key) if key else None,
        public_key_pem=key.get("publicKeyPem") if key else None,
        key_owner=_first_id(key.get("owner")) if key else None,
        manually_approves_followers=doc.get("manuallyApprovesFollowers") is True,
        raw=doc,
    )


def username_from_id(actor_id: str) -> str:
    """A handle's user part for an actor without ``preferredUsername``: the last segment of
    its id (``https://host/@ana`` or ``https://host/users/ana`` give ``ana``), its host
    for a bare origin."""
    parts = urlsplit(actor_id)
    segment = parts.path.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
    return _NOT_IN_USERNAME.sub("_", unquote(segment)).strip("_.-") or parts.hostname or "actor"


def _first_id(value: Any) -> str | None:
    ids = ids_of(value)
    return ids[0] if ids else None


def _first_url(value: Any) -> str | None:
    for v in as_list(value):
        if isinstance(v, str):
            return v
        if isinstance(v, Mapping):
            href = v.get("href") or v.get("url")
            if isinstance(href, str):
                return href
    return None
