"""Who may support and vote in a process: the three eligibility policies.

``open``: any fediverse account. ``verified-local``: accounts this node
verified itself. ``trusted-nodes``: those, plus members of nodes this node
trusts whose actor documents carry a residency attestation from their own
node. A claim attested by another host than the person's is forged and not
believed, and neither is one from a node this node does not trust.

Any server can mint accounts, so an organiser may limit an open process: at
most ``per_server_cap`` accounts of one server take part (the first ones to
act; ``claim_place`` holds their places), and only accounts at least
``min_account_age_days`` old, by the date the account's own server gives.
A server that lies about that date is still bounded by the cap, and its
weight shows in the results per server (node/participation/tally.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import schemas
from activitypub.jsonld import JsonLdError
from federation.actors import ActorResolver, host_of, same_origin
from federation.errors import FetchError, Reason, Refused
from federation.ports import RemoteActor
from node.clock import epoch_now, utc_now
from node.participation.models import Process, parse_moment
from node.storage.participants import ProcessParticipants
from node.storage.residents import ResidentRegistry
from node.storage.trust import TrustList

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

Normaliser = Callable[[dict[str, Any]], dict[str, Any]]
RemoteDocument = Callable[[str], Awaitable[dict[str, Any] | None]]
CachedActor = Callable[[str], Awaitable[RemoteActor | None]]
IsLocal = Callable[[str], Awaitable[bool]]
AccountPublished = Callable[[str], Awaitable[str | None]]

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


def server_full(process: Process, server: str) -> str:
    """The reason an account is refused when its server's places are taken."""
    return Reason(
        f"{process.title} counts at most {process.per_server_cap} accounts from one server,"
        f" and {process.per_server_cap} accounts from {server} take part already",
        "server_full",
        process=process.title,
        cap=process.per_server_cap,
        server=server,
    )


async def claim_place(
    services: ParticipationServices, process: Process, actor_uri: str
) -> str | None:
    """Count an account among those taking part in a local process, in the transaction
    that stores its support, vote or ballot; the reason when its server's places are
    taken (the caller refuses then, and the transaction rolls back).

    The eligibility check reads the same count before, to refuse early and to tell
    people on pages; this is the write that holds the place.
    """
    server = host_of(actor_uri)
    cap = process.per_server_cap if process.eligibility == "open" else None
    if await services.participants.take_part(process.uri, actor_uri, server, cap):
        return None
    return server_full(process, server)


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
        participants: ProcessParticipants,
        account_published: AccountPublished,
    ) -> None:
        self._participants = participants
        self._account_published = account_published
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
            return await self._account_too_young(process, actor_uri) or await self._server_full(
                process, actor_uri
            )
        if await self._is_local(actor_uri):
            if await self._residents.get(actor_uri) is not None:
                return None
            return Reason(
                f"{actor_uri} is not verified as a resident by this node; verify by address,"
                " letter code or in person first",
                "not_verified",
            )
        if process.eligibility == "verified-local":
            return Reason(
                f"{process.title} is open only to residents verified by this node, and"
                f" {actor_uri} is an account on another node",
                "verified_here_only",
                process=process.title,
            )
        host = host_of(actor_uri)
        if not await self._trust.is_trusted(host):
            return Reason(
                f"{host} is not a node this node trusts, so it cannot attest the residency of"
                f" {actor_uri}",
                "node_untrusted",
                host=host,
            )
        try:
            await self.remote_attestation(actor_uri)
        except UnbelievedClaim as exc:
            return str(exc)
        return None

    async def _account_too_young(self, process: Process, actor_uri: str) -> str | None:
        days = process.min_account_age_days
        if days is None:
            return None
        published = await self._account_published(actor_uri)
        try:
            made = parse_moment(published) if published else None
        except Refused:
            made = None
        if made is None:
            return Reason(
                f"{process.title} counts only accounts at least {days} days old, and the"
                f" server of {actor_uri} does not say when the account was made",
                "account_age_unknown",
                process=process.title,
                days=days,
            )
        if utc_now() - made < timedelta(days=days):
            return Reason(
                f"{process.title} counts only accounts at least {days} days old, and"
                f" {actor_uri} was made on {made.date().isoformat()}",
                "account_too_young",
                process=process.title,
                days=days,
            )
        return None

    async def _server_full(self, process: Process, actor_uri: str) -> str | None:
        cap = process.per_server_cap
        if cap is None or await self._participants.takes_part(process.uri, actor_uri):
            return None
        server = host_of(actor_uri)
        if await self._participants.count_from(process.uri, server) < cap:
            return None
        return server_full(process, server)

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
