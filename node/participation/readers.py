"""Which servers among a process's readers speak Samenspraak, host by host.

A process talks to two kinds of server. Samenspraak nodes read its own
vocabulary: the process's view of a proposal (title, status, count) in an
``Announce`` of the object or an ``Update``. Every other server reads what the
wider fediverse reads: Mastodon a boost of the post, Lemmy-family servers
(FEP-1b12) an ``Announce`` of the author's ``Create``. A server is told apart
by the ``@context`` of its actors' documents (``schemas.speaks_samenspraak``);
one actor per host stands for it, as deliveries go to the host's shared inbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import schemas
from federation.actors import host_of

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


@dataclass(frozen=True)
class ReadersByHost:
    """Remote readers by host: one actor for each host, split by what the host reads."""

    samenspraak: dict[str, str] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)


async def readers_by_host(services: ParticipationServices, actors: Iterable[str]) -> ReadersByHost:
    """Split ``actors`` by host into Samenspraak nodes and other servers, leaving out
    this node's own. A host whose actor's document was never fetched counts as a
    Samenspraak node: it has not shown it reads only the common vocabulary."""
    readers = ReadersByHost()
    seen: set[str] = set()
    for actor in actors:
        host = host_of(actor)
        if host in seen:
            continue
        seen.add(host)
        if await services.actors.is_local(actor):
            continue
        document = await services.actors.remote_document(actor)
        if document is None or schemas.speaks_samenspraak(document):
            readers.samenspraak[host] = actor
        else:
            readers.others[host] = actor
    return readers
