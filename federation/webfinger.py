"""Finding a remote actor's id from a handle (``name@host``) through WebFinger."""

from __future__ import annotations

import re
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
    for link in as_list(document.get("links")):
        if (
            isinstance(link, dict)
            and link.get("rel") == "self"
            and link.get("type", "").split(";")[0].strip() in ACTIVITY_TYPES
            and isinstance(link.get("href"), str)
        ):
            return str(link["href"])
    raise FetchError(f"WebFinger of {name}@{host} names no ActivityPub actor")
