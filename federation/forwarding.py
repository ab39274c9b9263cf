"""Forwarding a signed request: a node passes on what a remote actor sent it, provably.

Mastodon sends a favourite only to the author's server, and a reply only to
the servers of the accounts it mentions. When another node must act on it
(the node hosting a proposal's process), the receiving node forwards the
request it received, unchanged: the body exactly as received and the headers
its signature covers, inside a ``ForwardedRequest`` activity that the
forwarding node signs as usual. The node it reaches verifies the wrapper as any
delivery, then the original signature with the original sender's own key, and
checks that the request was sent to the forwarding node's inbox and is fresh
(the signature's own date window). So the forwarding node can pass on what a
person did, but cannot invent it, alter it, or pass on what was sent elsewhere.

Only the acts Mastodon addresses this narrowly are forwarded (``FORWARDABLE``).
This module is protocol only: what to forward, and to whom, is the domain's.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from activitypub.signatures import KeyLookup, verdict_for_actor, verify_request
from federation.actors import host_of
from federation.errors import MalformedDocument, NotAllowed

FORWARDED_REQUEST = "ForwardedRequest"
FORWARDABLE = frozenset({"Like", "Undo", "Create"})

# What a signature may cover; nothing else of the original request is passed on.
SIGNATURE_HEADERS = (
    "host",
    "date",
    "digest",
    "content-digest",
    "content-type",
    "content-length",
    "accept",
    "user-agent",
    "signature",
    "signature-input",
    "authorization",
)


@dataclass(frozen=True)
class InboxRequest:
    """The parts of an HTTP request the inbox reads: enough to verify its signature, here
    or, forwarded, on another node."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes


def forwarded_request_activity(
    activity_id: str, forwarder: str, request: InboxRequest, inner_id: str, to: list[str]
) -> dict[str, Any]:
    """The ``ForwardedRequest`` that ``forwarder`` sends to pass ``request`` on to ``to``."""
    lowered = {name.lower(): value for name, value in request.headers.items()}
    return {
        "id": activity_id,
        "type": FORWARDED_REQUEST,
        "actor": forwarder,
        "object": inner_id,
        "to": to,
        "forwardedRequest": {
            "method": request.method.upper(),
            "target": request.target,
            "headers": {name: lowered[name] for name in SIGNATURE_HEADERS if name in lowered},
            # Exactly as received, whatever its encoding: the digest covers these bytes.
            "bodyBase64": base64.b64encode(request.body).decode("ascii"),
        },
    }


def forwarded_request(document: Mapping[str, Any], forwarder: str) -> InboxRequest:
    """The request inside a ``ForwardedRequest`` from ``forwarder``, whose own signature
    was verified; refused unless it was a POST to an inbox on the forwarder's host."""
    wrapped = document.get("forwardedRequest")
    if not isinstance(wrapped, dict):
        raise MalformedDocument("a ForwardedRequest needs a forwardedRequest object")
    method, target = wrapped.get("method"), wrapped.get("target")
    headers, body = wrapped.get("headers"), wrapped.get("bodyBase64")
    if not (
        isinstance(method, str)
        and isinstance(target, str)
        and isinstance(body, str)
        and isinstance(headers, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        raise MalformedDocument(
            "forwardedRequest needs method, target and bodyBase64 strings and a headers object"
        )
    own_host = host_of(forwarder)
    if method.upper() != "POST" or not urlsplit(target).path.endswith("/inbox"):
        raise NotAllowed(f"only a POST to an inbox can be forwarded, not {method} {target}")
    if headers.get("host", "").lower() != own_host.lower():
        raise NotAllowed(
            f"the forwarded request was sent to {headers.get('host') or 'no host'},"
            f" not to the forwarding node {own_host}"
        )
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise MalformedDocument(f"forwardedRequest.bodyBase64 is not base64: {exc}") from exc
    return InboxRequest(method.upper(), target, headers, raw)


async def verify_forwarded(
    request: InboxRequest,
    actor: str,
    activity_type: str,
    lookup_key: KeyLookup,
    now: datetime,
) -> None:
    """Refuse a forwarded ``activity_type`` of ``actor`` unless it is a kind that may be
    forwarded and ``actor``'s own key signed it, host included, within the date window."""
    if activity_type not in FORWARDABLE:
        raise NotAllowed(f"a {activity_type} is not passed on by another node")
    verification = await verify_request(
        method=request.method,
        target=request.target,
        headers=request.headers,
        body=request.body,
        lookup_key=lookup_key,
        now=now,
        host_signed=True,
    )
    if verification.ok:
        verification = verdict_for_actor(verification, actor)
    if not verification.ok:
        raise NotAllowed(
            f"the forwarded {activity_type} of {actor} is not signed by its actor"
            f" ({verification.verdict.value}): {verification.detail}"
        )
