"""A local process shares what is posted to it with its followers, as Lemmy communities do
(FEP-1b12): an ``Announce`` of the object, which Mastodon shows as a boost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import PUBLIC, id_of
from federation.actors import host_of
from node.participation.models import Process

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


async def announce_to_followers(
    services: ParticipationServices, process: Process, document: dict[str, Any]
) -> None:
    """Announce a proposal or comment posted to a local process to the process's followers.

    A comment written for the process (its ``audience``, FEP-1b12) is already in
    the proposal's thread on its author's server, so that server is left out: the
    announce would be a second delivery of what it shows. A comment without it (a
    Mastodon reply) is announced there too, for the process's followers on that
    server who do not follow its author; and a proposal always is, since the
    process's view of it (its title, status, count) comes with the announce.
    """
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
        skip_hosts=_author_host_if_written_for(process, document),
    )


def _author_host_if_written_for(process: Process, document: dict[str, Any]) -> tuple[str, ...]:
    author = id_of(document.get("attributedTo"))
    written_for = id_of(document.get("audience")) == process.uri
    if author is None or not written_for or document.get("inReplyTo") is None:
        return ()
    return (host_of(author),)
