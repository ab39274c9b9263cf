"""Finding remote actors and their keys, with a cache in storage."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urldefrag, urlsplit

from activitypub.signatures import PublicKey
from activitypub.vocabulary import ActorDocument, VocabularyError, parse_actor
from federation.errors import FetchError
from federation.nodeinfo import HostInfo, fetch_host_info
from federation.ports import SYSTEM_TIME, ActorCache, LocalActors, Now, RemoteActor
from federation.transport import Transport
from federation.webfinger import username_for_actor

log = logging.getLogger(__name__)

# Actor documents change rarely; a day-old copy is fresh enough for delivery.
ACTOR_MAX_AGE = 24 * 3600.0


# Delivery asks this for every recipient of every activity, far beyond urlsplit's own
# small cache; a cache of this size holds the followers and voters of a busy process.
@functools.lru_cache(maxsize=1 << 16)
def host_of(url: str) -> str:
    """The host (with a non-default port) of a URL, lower-cased: the unit of origin."""
    return urlsplit(url).netloc.lower()


def same_origin(a: str, b: str) -> bool:
    """Whether two ids live on the same host."""
    return host_of(a) == host_of(b)


def foreign_endpoint(actor: ActorDocument) -> str | None:
    """The actor's inbox or key when it lives on another host than the actor, else None.

    Whoever controls an actor document must not point our deliveries or key
    lookups at someone else's server.
    """
    for endpoint in (actor.inbox, actor.key_id):
        if endpoint and not same_origin(endpoint, actor.id):
            return endpoint
    return None


class ActorResolver:
    """Fetches remote actors (signed by the instance actor) and caches them."""

    def __init__(
        self, cache: ActorCache, local: LocalActors, transport: Transport, now: Now = SYSTEM_TIME
    ) -> None:
        self._cache = cache
        self._local = local
        self._transport = transport
        self._now = now

    async def get(self, uri: str, refresh: bool = False) -> RemoteActor:
        """A remote actor, from the cache unless stale or ``refresh``; raise FetchError."""
        if not refresh:
            cached = await self._cache.remote_actor(uri)
            if cached is not None and self._now().timestamp() - cached.fetched_at < ACTOR_MAX_AGE:
                return cached
        return await self._fetch(uri)

    async def fresh_cached(self, uris: Sequence[str]) -> dict[str, RemoteActor]:
        """The actors among ``uris`` that ``get`` would answer from the cache, in one read.

        Fan-out to a thousand followers asks the cache once instead of a thousand times;
        the caller resolves the ones left out with ``get``.
        """
        now = self._now().timestamp()
        return {
            uri: actor
            for uri, actor in (await self._cache.remote_actors(uris)).items()
            if now - actor.fetched_at < ACTOR_MAX_AGE
        }

    async def _fetch(self, uri: str) -> RemoteActor:
        doc = await self._transport.get_json(uri, await self._local.instance_signer())
        try:
            actor = parse_actor(doc)
        except VocabularyError as exc:
            raise FetchError(f"{uri} is not a usable actor: {exc}") from exc
        if actor.id != uri:
            raise FetchError(f"{uri} answered with the id {actor.id}")
        if actor.key_owner is not None and actor.key_owner != actor.id:
            raise FetchError(f"the key of {uri} is owned by {actor.key_owner}")
        endpoint = foreign_endpoint(actor)
        if endpoint is not None:
            raise FetchError(f"{uri} names {endpoint} on another host")
        if not isinstance(doc.get("preferredUsername"), str) or not doc["preferredUsername"]:
            name = await username_for_actor(
                self._transport, await self._local.instance_signer(), uri
            )
            if name is not None:
                actor = replace(actor, preferred_username=name)
        # Every fetch before the first write: an inbox handler's transaction opens at
        # its first write, and no request may go out once it is open.
        info = await self._host_info_due(uri)
        now = self._now().timestamp()
        if info is not None:
            await self._cache.save_host(host_of(uri), info.software, info.node_name, now)
        return await self._cache.save_remote_actor(actor, now)

    async def _host_info_due(self, uri: str) -> HostInfo | None:
        """The NodeInfo of the actor's server (its name and software) when it was not
        asked for in the last day; None when it was."""
        checked = await self._cache.host_checked_at(host_of(uri))
        if checked is not None and self._now().timestamp() - checked < ACTOR_MAX_AGE:
            return None
        return await fetch_host_info(self._transport, await self._local.instance_signer(), uri)

    async def refresh_from_document(self, actor: ActorDocument) -> RemoteActor:
        """Store an actor document the actor itself sent (an Update with a new key)."""
        return await self._cache.save_remote_actor(actor, self._now().timestamp())

    async def lookup_key(self, key_id: str, refresh: bool) -> PublicKey | None:
        """Key lookup for signature verification: cached first, fetched on refresh or miss."""
        if not refresh:
            cached = await self._cache.remote_actor_by_key(key_id)
            if cached is not None and cached.public_key_pem:
                return PublicKey(key_id=key_id, owner=cached.uri, pem=cached.public_key_pem)
        actor_uri = urldefrag(key_id).url
        try:
            actor = await self.get(actor_uri, refresh=True)
        except FetchError as exc:
            log.info("key %s could not be fetched: %s", key_id, exc)
            return None
        if actor.key_id != key_id or not actor.public_key_pem:
            # Some servers publish keys at their own URL (GoToSocial's /main-key):
            # fall back to the cache lookup by key id after the fetch.
            by_key = await self._cache.remote_actor_by_key(key_id)
            if by_key is None or not by_key.public_key_pem:
                return None
            actor = by_key
        return PublicKey(key_id=key_id, owner=actor.uri, pem=actor.public_key_pem or "")
