"""Finding a remote actor's id from a handle (``name@host``) through WebFinger."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from activitypub.vocabulary import as_list
from federation.errors import FetchError
from federation.ports import LocalSigner
from federation.transport import Transport

# name@host or @name@host, the host with an optional port (development handles keep it).
HANDLE = re.compile(r"^@?(?P<name>[\w.\-]+)@(?P<host>[\w.\-]+(?::\d+)?)$", re.ASCII)
ACTIVITY_TYPES = ("application/activity+json", "application/ld+json")


def parse_handle(text: str) -> tuple[str, str] | None:
    """``(name, host)`` of a handle such as ``@buurman@example.org``, or None."""
    match = HANDLE.match(text.strip().removeprefix("acct:"))
    return (match["name"], match["host"].lower()) if match else None


async def actor_id_for_handle(
    transport: Transport, signer: LocalSigner, name: str, host: str, *, scheme: str = "https"
) -> str:
    """The actor id WebFinger gives for ``name@host``; raise FetchError when there is none."""
    resource = quote(f"acct:{name}@{host}", safe=":@")
    document = await transport.get_json(
        f"{scheme}://{host}/.well-known/webfinger?resource={resource}", signer
    )
    actor_id = actor_id_from_webfinger(document)
    if actor_id is None:
        raise FetchError(f"WebFinger of {name}@{host} names no ActivityPub actor")
    return actor_id


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
