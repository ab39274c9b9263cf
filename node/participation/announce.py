"""A local process shares what is posted to it with its followers, as Lemmy communities do
(FEP-1b12).

Two shapes go out, as Lemmy sends them. Every follower gets an ``Announce`` of
the object, which Mastodon shows as a boost and which carries the process's
view of a proposal to Samenspraak nodes. Lemmy-family servers (and servers whose
software is not known) also get an ``Announce`` of the author's ``Create``: Lemmy,
PieFed and Mbin take a community's posts and comments only in that shape. Mastodon
ignores it, so a server whose NodeInfo says it runs something else is not sent it
(``node/participation/readers.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import PUBLIC, as_list, id_of
from federation.actors import host_of
from node.participation.models import Process
from node.participation.readers import readers_by_host

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
    posted = {k: v for k, v in document.items() if k != "@context"}
    skipped = _author_host_if_written_for(process, document)

    async def store() -> None:
        await services.reactions.add_announce(activity_id, process.uri, document["id"])

    await services.outbox.send(
        process.uri,
        _announce(activity_id, followers, posted),
        [followers],
        local_write=store,
        skip_hosts=skipped,
    )
    await announce_act(
        services,
        process,
        _create(services.outbox.new_activity_id(), process, posted),
        also_skip=skipped,
    )


async def announce_act(
    services: ParticipationServices,
    process: Process,
    activity: Mapping[str, Any],
    *,
    also_skip: tuple[str, ...] = (),
) -> None:
    """Announce an act on a local process's proposal or comment (a vote, an undo, an
    edit) to the followers on Lemmy-family servers, as a Lemmy community does.

    Samenspraak nodes hear the process's own account of it instead (a count or a
    status in an ``Update``), and Mastodon ignores an announced activity, so they are
    left out; a server whose software is not known is sent it. ``also_skip`` leaves
    out more hosts.
    """
    readers = await readers_by_host(services, await services.follows.followers_of(process.uri))
    if not readers.reading_announced_acts:
        return
    followers = services.urls.followers(process.slug)
    act = {k: v for k, v in activity.items() if k != "@context"}
    await services.outbox.send(
        process.uri,
        _announce(services.outbox.new_activity_id(), followers, act),
        [followers],
        skip_hosts=(*also_skip, *readers.samenspraak, *readers.ignore_announced_acts),
    )


def _announce(activity_id: str, followers: str, announced: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": activity_id,
        "type": "Announce",
        "object": announced,
        "to": [PUBLIC],
        "cc": [followers],
    }


def _create(activity_id: str, process: Process, posted: dict[str, Any]) -> dict[str, Any]:
    """The author's ``Create`` of a post, as a Lemmy community announces it.

    Lemmy finds the community of a post among its ``to`` and ``cc``, so the
    process is named there as well as in ``audience``. The ``Create`` is the
    process's retelling (the author's server may not have kept its activity), so
    its id is one of this node's; Lemmy takes it on the process's word, the
    Announce being signed by it.
    """
    addressed = [*as_list(posted.get("to")), *as_list(posted.get("cc"))]
    obj = (
        posted
        if process.uri in addressed
        else posted | {"cc": [*as_list(posted.get("cc")), process.uri]}
    )
    return {
        "id": activity_id,
        "type": "Create",
        "actor": id_of(posted.get("attributedTo")),
        "to": [PUBLIC],
        "cc": [process.uri],
        "audience": process.uri,
        "object": obj,
    }


def _author_host_if_written_for(process: Process, document: dict[str, Any]) -> tuple[str, ...]:
    author = id_of(document.get("attributedTo"))
    written_for = id_of(document.get("audience")) == process.uri
    if author is None or not written_for or document.get("inReplyTo") is None:
        return ()
    return (host_of(author),)
