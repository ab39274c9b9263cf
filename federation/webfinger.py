"""Finding a remote actor's id from a handle (``name@host``) through WebFinger."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from activitypub.vocabulary import as_list
from federation.errors import FetchError, Invalid, NotFound, Refused
from federation.ports import LocalSigner
from federation.transport import Transport

# name@host or @name@host, the host with an optional port (development handles keep it).
HANDLE = re.compile(r"^@?(?P<name>[\w.\-]+)@(?P<host>[\w.\-]+(?::\d+)?)$", re.ASCII)
ACTIVITY_TYPES = ("application/activity+json", "application/ld+json")
# The link of a WebFinger answer whose template opens the account's server on a post or
# account from elsewhere (Mastodon's ``/authorize_interaction?uri={uri}``).
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"


def parse_handle(text: str) -> tuple[str, str] | None:
    """``(name, host)`` of a handle such as ``@buurman@example.org``, or None."""
    match = HANDLE.match(text.strip().removeprefix("acct:"))
    return (match["name"], match["host"].lower()) if match else None


async def actor_id_for_handle(
    transport: Transport, signer: LocalSigner, name: str, host: str, *, scheme: str = "https"
) -> str:
    """The actor id WebFinger gives for ``name@host``; raise FetchError when there is none."""
    document = await webfinger_document(transport, signer, name, host, scheme=scheme)
    actor_id = actor_id_from_webfinger(document)
    if actor_id is None:
        raise FetchError(f"WebFinger of {name}@{host} names no ActivityPub actor")
    return actor_id


async def webfinger_document(
    transport: Transport, signer: LocalSigner, name: str, host: str, *, scheme: str = "https"
) -> dict[str, Any]:
    """The WebFinger answer of ``host`` for ``name@host``, through the guarded transport."""
    resource = quote(f"acct:{name}@{host}", safe=":@")
    return await transport.get_json(
        f"{scheme}://{host}/.well-known/webfinger?resource={resource}", signer
    )


async def username_for_actor(
    transport: Transport, signer: LocalSigner, actor_id: str
) -> str | None:
    """The user part of the handle the actor's own host gives it through WebFinger (asked
    by the actor's id, as Mastodon answers), or None when the host names none or names
    it for another actor. For actors without ``preferredUsername``."""
    parts = urlsplit(actor_id)
    resource = quote(actor_id, safe="")
    try:
        document = await transport.get_json(
            f"{parts.scheme}://{parts.netloc}/.well-known/webfinger?resource={resource}", signer
        )
    except FetchError:
        return None
    subject = document.get("subject")
    handle = parse_handle(subject) if isinstance(subject, str) else None
    if handle is None or handle[1] != parts.netloc.lower():
        return None
    return handle[0] if actor_id_from_webfinger(document) == actor_id else None


def interaction_template(document: Mapping[str, Any]) -> str | None:
    """The ``{uri}`` template of the subscribe link of a WebFinger answer, or None when
    there is none or it is no web address a visitor could safely be sent to."""
    for link in as_list(document.get("links")):
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE_REL:
            continue
        template = link.get("template")
        if isinstance(template, str) and "{uri}" in template:
            parts = urlsplit(template.replace("{uri}", ""))
            if parts.scheme in ("http", "https") and parts.netloc:
                return template
    return None


def unreachable(name: str, host: str, exc: FetchError) -> NotFound:
    """The refusal when ``host`` cannot be asked about ``name@host`` or knows no such
    account, said for the person who gave the handle."""
    return NotFound(
        f"{host} could not be asked about @{name}@{host}",
        detail=str(exc),
        code="handle_unreachable",
        values={"handle": f"@{name}@{host}", "host": host},
    )


async def remote_interaction_url(
    transport: Transport, signer: LocalSigner, handle: str, uri: str, *, scheme: str = "https"
) -> str:
    """Where the owner of ``handle`` acts on ``uri`` (a post or an account) on their own
    server: its WebFinger subscribe template filled in. A bad handle, a server that cannot
    be reached or knows no such account, and one without a template are refused with a
    reason for the visitor."""
    parsed = parse_handle(handle)
    if parsed is None:
        raise Invalid(
            f"{handle!r} is not a fediverse address such as @name@example.org",
            code="handle_invalid",
            values={"handle": handle},
        )
    name, host = parsed
    try:
        document = await webfinger_document(transport, signer, name, host, scheme=scheme)
    except FetchError as exc:
        raise unreachable(name, host, exc) from exc
    template = interaction_template(document)
    if template is None:
        raise Refused(
            f"{host} does not say where its accounts act on posts from elsewhere",
            code="handle_no_template",
            values={"host": host, "uri": uri},
        )
    return template.replace("{uri}", quote(uri, safe=""))


def actor_id_from_webfinger(document: Mapping[str, Any]) -> str | None:
    """The ``href`` of the first ``self`` link of an ActivityPub type in a WebFinger
    answer (a JSON object, as the transport gives it), or None when there is none."""
    for link in as_list(document.get("links")):
        if (
            isinstance(link, dict)
            and link.get("rel") == "self"
            and _media_type(link.get("type")) in ACTIVITY_TYPES
            and isinstance(link.get("href"), str)
        ):
            return str(link["href"])
    return None


def _media_type(value: Any) -> str:
    """``application/activity+json`` of ``application/activity+json; charset=utf-8``;
    a ``type`` that is not a string names no media type."""
    return value.split(";")[0].strip() if isinstance(value, str) else ""
