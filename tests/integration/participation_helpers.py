"""Helpers the participation tests share: people, processes and a Samenspraak-shaped peer."""

from __future__ import annotations

from pathlib import Path

from node.cli import main
from node.clock import utc_now
from node.participation import processes
from node.participation.models import Phase, Process, Proposal, phases_around
from node.participation.proposals import create_proposal
from node.runner import RunningNode
from node.setup import create_account
from node.storage.actors import LocalActor
from tests.integration.conftest import deliver

# Around the time the tests start, on the node's clock (shifted in CI's second pass).
PROPOSING = phases_around(utc_now(), ("proposing", -34, 10))
PROPOSING_AND_VOTING = (*PROPOSING, *phases_around(utc_now(), ("voting", 10, 41)))


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
        running.node.participation_services,
        slug=slug,
        title=f"Proces {slug}",
        archetype=archetype,
        threshold_count=threshold,
        phases=phases,
    )


async def proposal_from_elsewhere(
    process_node: RunningNode, author_node: RunningNode, author: LocalActor, process: Process
) -> Proposal:
    """A proposal by a resident of ``author_node`` in ``process``, hosted by ``process_node``,
    known on both nodes."""
    services = author_node.node.participation_services
    remote = await processes.known_process(services, process.uri, fetch=True)
    assert remote is not None
    proposal = await create_proposal(services, author, remote, "Wadi's", "Tegen wateroverlast.")
    await deliver(process_node, author_node)
    assert await process_node.node.participation_store.get_proposal(proposal.uri) is not None
    return proposal


def node_with_a_process(directory: Path, port: int) -> str:
    """A node made with ``samenspraak init`` holding the advise process ``groen`` (threshold
    10), made with ``samenspraak process create``; its directory."""
    node = str(directory / "wijk")
    init = ["init", node, "--domain", f"127.0.0.1:{port}", "--name", "Wijk", "--handle", "wijk"]
    assert main([*init, "--dev"]) == 0
    create = ["process", "create", node, "--slug", "groen", "--title", "Groen", "--archetype"]
    assert main([*create, "advise", "--threshold", "10"]) == 0
    return node
