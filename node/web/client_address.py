"""The address of the client behind a request, read through the node's trusted proxies.

A reverse proxy (``deploy/nginx.conf``) connects from its own address and appends
the address it was connected from to ``X-Forwarded-For``. Only a proxy listed in
``[server] trusted_proxies`` of ``samenspraak.toml`` is believed: from anyone else
the header is ignored, or a guesser could pick a fresh address for every try.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from aiohttp import web

from node.web.app import NODE

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]
) -> bool:
    return any(address in network for network in networks)


def client_address(request: web.Request) -> str:
    """The client's IP address: the peer's own unless the peer is a trusted proxy, then
    the rightmost ``X-Forwarded-For`` entry that is not a trusted proxy.

    Entries left of that one were written by the client itself and prove nothing.
    When the header is missing or that entry is not an address, the proxy's own
    address stands.
    """
    networks = _networks(request.app[NODE].config.trusted_proxies)
    peer_text = request.remote or ""
    peer = _address(peer_text)
    if peer is None or not _trusted(peer, networks):
        return peer_text
    hops = [
        hop for header in request.headers.getall("X-Forwarded-For", ()) for hop in header.split(",")
    ]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(peer)
        if not _trusted(address, networks):
            return str(address)
    return str(peer)
