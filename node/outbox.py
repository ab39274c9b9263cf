"""Sending from local actors: store the activity and its fan-out job in one transaction."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from activitypub.vocabulary import PUBLIC_ALIASES, as_list, id_of, ids_of
from federation.actors import host_of
from federation.delivery import DeliveryWorker
from node.clock import epoch_now, iso_now
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
        worker: DeliveryWorker,
    ) -> None:
        self._db = db
        self._urls = urls
        self._outbox = outbox
        self._queue = queue
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
        outlives_rollback: bool = False,
        deliver_locally: bool = False,
        skip_hosts: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Store ``activity`` from ``actor_id`` and queue its fan-out to ``recipients``.

        Only rows are written, no network: the delivery worker resolves the
        recipients to inboxes later, so this may run inside the caller's
        transaction. ``local_write`` runs inside the same transaction, so the
        object and its deliveries are saved together or not at all.
        ``personal_inboxes`` sends to each recipient's own inbox, as Mastodon
        requires for poll votes. ``outlives_rollback`` stores it after the current
        transaction ends, whether that commits or rolls back: for the Reject that
        answers a refused activity. ``deliver_locally`` also hands the activity to
        this node's own inbox handlers after the commit (``federation.delivery.OwnInbox``)
        when it names another local actor, for acts whose meaning local actors decide
        as they would a remote one's (a post to a local process, a like of a proposal);
        leave it off when the caller applies the local effects itself.
        ``skip_hosts`` leaves out the recipients' inboxes on those hosts.
        """
        document = with_context({"published": iso_now(), **activity, "actor": actor_id})
        if deliver_locally and self._names_local_actor(actor_id, recipients):
            recipients = [*recipients, self._urls.shared_inbox()]
        if not outlives_rollback:
            await self._store(document, recipients, local_write, personal_inboxes, skip_hosts)
            return document

        async def store_afterwards() -> None:
            await self._store(document, recipients, local_write, personal_inboxes, skip_hosts)

        await self._db.after_transaction(store_afterwards)
        return document

    async def send_again(self, activity_id: str, actor_id: str, recipients: list[str]) -> None:
        """Queue an activity already sent by ``actor_id`` for ``recipients`` too; an inbox
        that had it already is not sent it twice."""
        await self._queue.add_fanout(
            activity_id, actor_id, recipients, personal_inboxes=False, now=epoch_now()
        )
        self._db.after_commit(self._worker.wake)

    def _names_local_actor(self, sender: str, recipients: list[str]) -> bool:
        # Local followers read posts from the node's own tables: only actors named
        # directly (mentioned, replied to, liked) act on an activity.
        return any(
            host_of(r) == self._urls.host
            and r != sender
            and self._urls.username_of_followers(r) is None
            for r in recipients
        )

    async def _store(
        self,
        document: dict[str, Any],
        recipients: list[str],
        local_write: LocalWrite | None,
        personal_inboxes: bool,
        skip_hosts: Sequence[str] = (),
    ) -> None:
        body = json.dumps(document, ensure_ascii=False)
        public = any(a in PUBLIC_ALIASES for a in _addressees(document))
        addressed = [r for r in dict.fromkeys(recipients) if r not in PUBLIC_ALIASES]
        async with self._db.transaction():
            if local_write is not None:
                await local_write()
            await self._outbox.add(
                document["id"],
                document["actor"],
                str(document["type"]),
                id_of(document.get("object")),
                public,
                body,
                document["published"],
            )
            if addressed:
                await self._queue.add_fanout(
                    document["id"],
                    document["actor"],
                    addressed,
                    personal_inboxes=personal_inboxes,
                    now=epoch_now(),
                    skip_hosts=skip_hosts,
                )
                # A worker woken before the commit would find nothing yet.
                self._db.after_commit(self._worker.wake)


def _addressees(document: dict[str, Any]) -> list[str]:
    found = [*ids_of(document.get("to")), *ids_of(document.get("cc"))]
    for obj in as_list(document.get("object")):
        if isinstance(obj, dict):
            found += [*ids_of(obj.get("to")), *ids_of(obj.get("cc"))]
    return found
