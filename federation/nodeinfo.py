"""What a remote server says of itself in its NodeInfo: the software it runs and its name.

A node shows the name beside the names of that server's people ("Bram · De Wijert"),
and knows from the software which shape of announce a server reads. Only a document
on the server's own host is believed; anything else, or no answer, is no NodeInfo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from activitypub.vocabulary import as_list
from federation.errors import FetchError
from federation.ports import LocalSigner
from federation.transport import Transport

SCHEMA_PREFIX = "http://nodeinfo.diaspora.software/ns/schema/"
MAX_NAME = 100


@dataclass(frozen=True)
class HostInfo:
    """A server's software (lower-case, as NodeInfo names it) and display name."""

    software: str | None
    node_name: str | None


async def fetch_host_info(transport: Transport, signer: LocalSigner, actor_id: str) -> HostInfo:
    """The NodeInfo of the server of ``actor_id``; empty when it has none to give."""
    parts = urlsplit(actor_id)
    base = f"{parts.scheme}://{parts.netloc}"
    try:
        links = await transport.get_json(f"{base}/.well-known/nodeinfo", signer)
        document_url = _schema_link(links, parts.netloc.lower())
        if document_url is None:
            return HostInfo(None, None)
        return host_info(await transport.get_json(document_url, signer))
    except FetchError:
        return HostInfo(None, None)


def _schema_link(links: dict[str, Any], host: str) -> str | None:
    """The newest NodeInfo schema link that stays on ``host``."""
    found = [
        link
        for link in as_list(links.get("links"))
        if isinstance(link, dict)
        and str(link.get("rel", "")).startswith(SCHEMA_PREFIX)
        and isinstance(link.get("href"), str)
        and urlsplit(link["href"]).netloc.lower() == host
    ]
    found.sort(key=lambda link: str(link["rel"]), reverse=True)
    return str(found[0]["href"]) if found else None


def host_info(document: dict[str, Any]) -> HostInfo:
    """Software and name from a NodeInfo document; what is missing or odd is None."""
    software = document.get("software")
    name = software.get("name") if isinstance(software, dict) else None
    metadata = document.get("metadata")
    node_name = metadata.get("nodeName") if isinstance(metadata, dict) else None
    return HostInfo(
        name.strip().lower()[:MAX_NAME] if isinstance(name, str) and name.strip() else None,
        " ".join(node_name.split())[:MAX_NAME]
        if isinstance(node_name, str) and node_name.strip()
        else None,
    )
