"""Who may support and vote in a process: the three eligibility policies.

``open``: any fediverse account. ``verified-local``: accounts this node
verified itself. ``trusted-nodes``: those, plus members of nodes this node
trusts whose actor documents carry a residency attestation from their own
node. A claim attested by another host than the person's is forged and not
believed, and neither is one from a node this node does not trust.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import schemas
from activitypub.jsonld import JsonLdError
from federation.actors import ActorResolver, host_of, same_origin
from federation.errors import FetchError
from federation.ports import RemoteActor
from node.clock import epoch_now
from node.participation.models import Process
from node.storage.residents import ResidentRegistry
from node.storage.trust import TrustList

Normaliser = Callable[[dict[str, Any]], dict[str, Any]]
RemoteDocument = Callable[[str], Awaitable[dict[str, Any] | None]]
CachedActor = Callable[[str], Awaitable[RemoteActor | None]]
IsLocal = Callable[[str], Awaitable[bool]]

# A verification its node withdrew is believed here at most this much longer.
ATTESTATION_MAX_AGE = 3600.0


class UnbelievedClaim(ValueError):
    """A residency claim this node does not believe; the message says why."""


@dataclass(frozen=True)
class Attestation:
    """A residency attestation read from a remote actor document."""

    postcode_area: str
    area_name: str | None
    attested_by: str
    method: str
    verified_at: str


def read_attestation(document: Mapping[str, Any], actor_uri: str) -> Attestation:
    """The attestation on a (normalised) actor document; raise UnbelievedClaim when it is
    missing, invalid, or attested by another host than the person's own."""
    residency = document.get("residency")
    if not isinstance(residency, Mapping):
        raise UnbelievedClaim(f"{actor_uri} carries no residency attestation from its node")
    problems = schemas.validate("residency_attestation", dict(document))
    if problems:
        first = problems[0]
        raise UnbelievedClaim(
            f"the residency attestation of {actor_uri} is invalid at {first.path}: {first.message}"
        )
    attested_by = str(residency["attestedBy"])
    if not same_origin(attested_by, actor_uri):
        raise UnbelievedClaim(
            f"the residency of {actor_uri} claims to be attested by {attested_by}, but a node"
            " may only attest its own members: forged residency claim refused"
        )
    area = residency["area"]
    return Attestation(
        postcode_area=str(area["postcodeArea"]),
        area_name=area.get("name"),
        attested_by=attested_by,
        method=str(residency["method"]),
        verified_at=str(residency["verifiedAt"]),
    )


class EligibilityPolicy:
    """The node's EligibilityCheck: None when an actor may take part, else the reason."""

    def __init__(
        self,
        *,
        residents: ResidentRegistry,
        trust: TrustList,
        resolver: ActorResolver,
        cached_actor: CachedActor,
        remote_document: RemoteDocument,
        is_local: IsLocal,
        normalise: Normaliser,
    ) -> None:
        self._residents = residents
        self._trust = trust
        self._resolver = resolver
        self._cached_actor = cached_actor
        self._remote_document = remote_document
        self._is_local = is_local
        self._normalise = normalise

    async def check(self, process: Process, actor_uri: str) -> str | None:
        """Apply the process's policy to one actor."""
        if process.eligibility == "open":
            return None
        if await self._is_local(actor_uri):
            if await self._residents.get(actor_uri) is not None:
                return None
            return (
                f"{actor_uri} is not verified as a resident by this node; verify by address,"
                " letter code or in person first"
            )
        if process.eligibility == "verified-local":
            return (
                f"{process.title} is open only to residents verified by this node, and"
                f" {actor_uri} is an account on another node"
            )
        host = host_of(actor_uri)
        if not await self._trust.is_trusted(host):
            return (
                f"{host} is not a node this node trusts, so it cannot attest the residency of"
                f" {actor_uri}"
            )
        try:
            await self.remote_attestation(actor_uri)
        except UnbelievedClaim as exc:
            return str(exc)
        return None

    async def remote_attestation(self, actor_uri: str) -> Attestation:
        """Read a remote person's attestation from a copy at most ATTESTATION_MAX_AGE old,
        fetching the actor again when the copy is older or has none (it may have been
        verified since)."""
        cached = await self._cached_actor(actor_uri)
        if cached is not None and epoch_now() - cached.fetched_at < ATTESTATION_MAX_AGE:
            try:
                return await self._attestation(actor_uri, refresh=False)
            except UnbelievedClaim:
                pass
        return await self._attestation(actor_uri, refresh=True)

    async def _attestation(self, actor_uri: str, refresh: bool) -> Attestation:
        try:
            await self._resolver.get(actor_uri, refresh=refresh)
        except FetchError as exc:
            raise UnbelievedClaim(f"the actor {actor_uri} could not be fetched: {exc}") from exc
        document = await self._remote_document(actor_uri)
        if document is None:
            raise UnbelievedClaim(f"no actor document of {actor_uri}")
        try:
            normalised = self._normalise(document)
        except JsonLdError as exc:
            raise UnbelievedClaim(
                f"the actor document of {actor_uri} is unreadable: {exc}"
            ) from exc
        return read_attestation(normalised, actor_uri)
