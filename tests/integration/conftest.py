"""Real nodes on real loopback ports, with their delivery workers stepped by the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from node.clock import DEFAULT_CLOCK, Clock, epoch_now
from node.config import MailConfig
from node.participation.trail import SUPPORT_COUNT_DELAY, publish_due_support_counts
from node.runner import RunningNode, dev_config, free_port, start_node
from tests.integration.fake_peer import FakeMastodon

StartNode = Callable[..., Awaitable[RunningNode]]
StartPeer = Callable[..., Awaitable[FakeMastodon]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[StartNode]:
    """Start nodes by handle, on ``clock`` (the default one unless given), sending e-mail
        through ``mail`` (none unless given), taking sign-ups as ``registrations`` says (the
    default unless given); all are stopped after the test."""
    running: list[RunningNode] = []

    async def _start(
        handle: str,
        name: str | None = None,
        *,
        kind: str = "collective",
        port: int | None = None,
        authorized_fetch: bool = False,
        clock: Clock = DEFAULT_CLOCK,
        mail: MailConfig | None = None,
        registrations: str | None = None,
    ) -> RunningNode:
        port = port or free_port()
        config = dev_config(handle, name or handle.title(), port, kind, authorized_fetch)
        if mail is not None:
            config = replace(config, mail=mail)
        if registrations is not None:
            config = replace(config, registrations=registrations)
        node = await start_node(tmp_path / handle, config, run_workers=False, clock=clock)
        running.append(node)
        return node

    yield _start
    for node in reversed(running):
        await node.stop()


@pytest.fixture
async def start_peer() -> AsyncIterator[StartPeer]:
    """Start Mastodon-like remote servers on loopback; all are stopped after the test."""
    running: list[FakeMastodon] = []

    async def _start(*, secure_mode: bool = False) -> FakeMastodon:
        peer = FakeMastodon(secure_mode=secure_mode)
        await peer.start()
        running.append(peer)
        return peer

    yield _start
    for peer in reversed(running):
        await peer.stop()


async def deliver(*nodes: RunningNode, rounds: int = 10) -> int:
    """Step every node's delivery worker until nothing is left to send; return deliveries
    to other servers (what a node's own inbox took keeps the rounds going, uncounted).

    Each round first lets the batching delay of support counts pass, so the
    count Updates of supports made so far go out, as a running node's periodic
    jobs send them (``node/participation/trail.py`` ``publish_due_support_counts``).
    """
    total = 0
    for _ in range(rounds):
        delivered = busy = 0
        for running in nodes:
            busy += await publish_due_support_counts(
                running.node.participation_services, now=epoch_now() + SUPPORT_COUNT_DELAY
            )
            report = await running.node.worker.run_once()
            delivered += report.delivered
            busy += report.delivered + report.handled_here + report.given_up
        total += delivered
        if busy == 0:
            return total
    return total
