"""A local process shares what is posted to it with its followers, as Lemmy communities do
(FEP-1b12): an ``Announce`` of the object, which Mastodon shows as a boost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import PUBLIC
from node.participation.models import Process

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


async def announce_to_followers(
    services: ParticipationServices, process: Process, document: dict[str, Any]
) -> None:
    """Announce a proposal or comment posted to a local process to the process's followers."""
    followers = services.urls.followers(process.slug)
    activity_id = services.outbox.new_activity_id()

    async def store() -> None:
        await services.reactions.add_announce(activity_id, process.uri, document["id"])

    await services.outbox.send(
        process.uri,
        {
            "id": activity_id,
            "type": "Announce",
            "object": {k: v for k, v in document.items() if k != "@context"},
            "to": [PUBLIC],
            "cc": [followers],
        },
        [followers],
        local_write=store,
    )
