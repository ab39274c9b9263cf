"""Which servers among a process's readers speak Samenspraak, host by host.

A process talks to two kinds of server. Samenspraak nodes read its own
vocabulary: the process's view of a proposal (title, status, count) in an
``Announce`` of the object or an ``Update``. Every other server reads what the
wider fediverse reads: Mastodon a boost of the post, Lemmy-family servers
(FEP-1b12) an ``Announce`` of the author's ``Create``. A server is told apart
by the ``@context`` of its actors' documents (``schemas.speaks_samenspraak``);
one actor per host stands for it, as deliveries go to the host's shared inbox.
Among the others, the software a server's NodeInfo names tells the Lemmy family
(which reads an announced activity) from the rest (which ignore one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import schemas
from federation.actors import host_of

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

# What Lemmy-family servers name their software in NodeInfo: they take a community's
# posts and votes only as announced activities (FEP-1b12).
LEMMY_FAMILY = frozenset({"lemmy", "piefed", "mbin", "kbin", "lotide", "sublinks"})


@dataclass(frozen=True)
class ReadersByHost:
    """Remote readers by host: one actor for each host, split by what the host reads."""

    samenspraak: dict[str, str] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)
    # Hosts among ``others`` known to ignore an announced activity (Mastodon and the like).
    ignore_announced_acts: frozenset[str] = frozenset()

    @property
    def reading_announced_acts(self) -> list[str]:
        """The other hosts that may read an announced activity: the Lemmy family, and
        servers whose software is not known."""
        return [host for host in self.others if host not in self.ignore_announced_acts]


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
    software = await services.actors.software_of(list(readers.others))
    ignoring = frozenset(h for h, name in software.items() if name not in LEMMY_FAMILY)
    return replace(readers, ignore_announced_acts=ignoring)
