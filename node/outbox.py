"""Sending from local actors: store the activity and its deliveries in one transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from activitypub.vocabulary import PUBLIC_ALIASES, as_list, id_of, ids_of
from federation.delivery import DeliveryWorker, Recipients
from node.clock import iso_now
from node.documents import with_context
from node.storage.database import Database
from node.storage.deliveries import DeliveryRepository
from node.storage.objects import OutboxRepository
from node.urls import Urls

LocalWrite = Callable[[], Awaitable[None]]


class NodeOutbox:
    """Implements federation's Outbox for this node."""

    def __init__(
        self,
        *,
        db: Database,
        urls: Urls,
        outbox: OutboxRepository,
        queue: DeliveryRepository,
        recipients: Recipients,
        worker: DeliveryWorker,
    ) -> None:
        self._db = db
        self._urls = urls
        self._outbox = outbox
        self._queue = queue
        self._recipients = recipients
        self._worker = worker

    def new_activity_id(self) -> str:
        """A fresh activity id on this node."""
        return self._urls.new_activity()

    async def send(
        self,
        actor_id: str,
        activity: dict[str, Any],
        recipients: list[str],
        *,
        local_write: LocalWrite | None = None,
        personal_inboxes: bool = False,
    ) -> dict[str, Any]:
        """Store ``activity`` from ``actor_id`` and queue one delivery per remote inbox.

        ``local_write`` runs inside the same transaction, so the object and its
        deliveries are saved together or not at all. ``personal_inboxes`` sends
        to each recipient's own inbox, as Mastodon requires for poll votes.
        """
        document = with_context({"published": iso_now(), **activity, "actor": actor_id})
        if personal_inboxes:
            inboxes = [
                i for i in [await self._recipients.personal_inbox(r) for r in recipients] if i
            ]
        else:
            inboxes = await self._recipients.inboxes(recipients)
        body = json.dumps(document, ensure_ascii=False)
        public = any(a in PUBLIC_ALIASES for a in _addressees(document))
        async with self._db.transaction():
            if local_write is not None:
                await local_write()
            await self._outbox.add(
                document["id"],
                actor_id,
                str(document["type"]),
                id_of(document.get("object")),
                public,
                body,
                document["published"],
            )
            await self._queue.enqueue(
                document["id"], body.encode("utf-8"), inboxes, actor_id, time.time()
            )
        if inboxes:
            self._worker.wake()
        return document


def _addressees(document: dict[str, Any]) -> list[str]:
    found = [*ids_of(document.get("to")), *ids_of(document.get("cc"))]
    for obj in as_list(document.get("object")):
        if isinstance(obj, dict):
            found += [*ids_of(obj.get("to")), *ids_of(obj.get("cc"))]
    return found
