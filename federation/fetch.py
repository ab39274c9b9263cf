"""Fetching remote objects from their origin, with the origin checks that go with it."""

from __future__ import annotations

from typing import Any

from activitypub.jsonld import JsonLdError, refuse_unsafe_keywords
from activitypub.vocabulary import ASObject, VocabularyError, parse_object
from federation.actors import same_origin
from federation.errors import FetchError
from federation.ports import LocalActors
from federation.transport import Transport


class ObjectFetcher:
    """Signed GETs of objects, believed only when their origin vouches for them."""

    def __init__(self, local: LocalActors, transport: Transport) -> None:
        self._local = local
        self._transport = transport

    async def fetch_json(self, url: str) -> dict[str, Any]:
        """A signed GET of a JSON answer that is no ActivityStreams object (a credential)."""
        return await self._transport.get_json(url, await self._local.instance_signer())

    async def fetch(self, uri: str) -> ASObject:
        """Fetch an object; its id must equal the URL and its author must live on that host."""
        doc = await self._transport.get_json(uri, await self._local.instance_signer())
        try:
            refuse_unsafe_keywords(doc)
            obj = parse_object(doc)
        except (JsonLdError, VocabularyError) as exc:
            raise FetchError(f"{uri} is not a usable object: {exc}") from exc
        if obj.id != uri:
            raise FetchError(f"{uri} answered with the id {obj.id}")
        if obj.attributed_to and not same_origin(obj.attributed_to, uri):
            raise FetchError(f"{uri} claims an author on another host")
        return obj
