"""Helpers the participation tests share: people, processes and a Samenspraak-shaped peer."""

from __future__ import annotations

from node.participation import processes
from node.participation.models import Phase, Process
from node.runner import RunningNode
from node.setup import create_account
from node.storage.actors import LocalActor

PROPOSING = (Phase("proposing", "2026-11-01T00:00:00Z", "2026-12-15T00:00:00Z"),)
PROPOSING_AND_VOTING = (
    *PROPOSING,
    Phase("voting", "2026-12-15T00:00:00Z", "2027-01-15T00:00:00Z"),
)


async def person(running: RunningNode, username: str, role: str = "resident") -> LocalActor:
    """A local account on a node."""
    node = running.node
    return (await create_account(node.db, node.urls, username, role, "wachtwoord-123")).actor


async def open_process(
    running: RunningNode,
    slug: str,
    archetype: str,
    threshold: int,
    phases: tuple[Phase, ...] = PROPOSING,
) -> Process:
    """A process with an open support policy and a count threshold."""
    return await processes.create_process(
        running.node,
        slug=slug,
        title=f"Proces {slug}",
        archetype=archetype,
        threshold_count=threshold,
        phases=phases,
    )
