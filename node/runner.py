"""Running nodes inside one process: used by the demo, the tests and the benchmarks."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from node.clock import DEFAULT_CLOCK, Clock
from node.config import ConfigError, NodeConfig
from node.node import Node, open_node
from node.setup import CreatedAccount, initialise
from node.web.access_log import RedactingAccessLogger
from node.web.app import BACKGROUND, NODE, create_app


@dataclass
class RunningNode:
    """A node listening on a loopback port."""

    node: Node
    runner: web.AppRunner
    admin: CreatedAccount | None

    @property
    def base_url(self) -> str:
        """Where the node is reached."""
        return self.node.urls.base

    def run_background(self) -> asyncio.Task[None]:
        """Start the node's delivery worker and periodic jobs, for a node started
        without them (the demo seeds first); ``/healthz`` then sees them run."""
        task = asyncio.create_task(self.node.run_background(), name="node-background")
        self.runner.app[BACKGROUND].task = task
        return task

    async def stop(self) -> None:
        """Stop serving and close the node."""
        await self.runner.cleanup()


async def until_stopped() -> None:
    """Wait for SIGINT or SIGTERM, taken by the event loop.

    A signal handled by the loop only wakes this wait, so the caller's cleanup runs
    with every task intact; raised as KeyboardInterrupt it could land inside any
    task, and an unclosed database thread then kept the process from exiting.
    """
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stopped.set)
    try:
        await stopped.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, for web processes to share: each accepts
    connections from it (the kernel hands each connection to one of them)."""
    ensure_port_free(host, port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.set_inheritable(True)
    return sock


# aiohttp's own backlog for a site it binds.
LISTEN_BACKLOG = 128


def ensure_port_free(host: str, port: int) -> None:
    """Fail early, with a clear message, when the port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server itself will: connections of a previous run lingering in
        # TIME_WAIT must not count as "in use", a listening socket does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(f"port {port} on {host} is already in use") from exc
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def dev_config(
    handle: str, name: str, port: int, kind: str = "collective", authorized_fetch: bool = False
) -> NodeConfig:
    """The configuration of a development node on 127.0.0.1:port."""
    return NodeConfig(
        domain=f"127.0.0.1:{port}",
        name=name,
        handle=handle,
        kind=kind,
        dev=True,
        authorized_fetch=authorized_fetch,
        host="127.0.0.1",
        port=port,
    )


async def start_node(
    data_dir: Path,
    config: NodeConfig,
    *,
    run_workers: bool = True,
    access_log: logging.Logger | None = None,
    clock: Clock = DEFAULT_CLOCK,
    sock: socket.socket | None = None,
) -> RunningNode:
    """Initialise ``data_dir`` when it is new, then serve the node on its port, or on
    ``sock``, a listening socket other processes share (``samenspraak serve --workers``).

    Requests are logged to ``access_log`` (as ``samenspraak serve`` logs them to
    aiohttp's access logger), or not at all by default, with credentials in URLs
    blanked out (``node.web.access_log``). The node reads the time from ``clock``.
    """
    admin = None
    if not (data_dir / "samenspraak.toml").exists():
        admin = await initialise(data_dir, config)
    node = await open_node(data_dir, config, clock)
    app = create_app(node, run_workers=run_workers)
    runner = web.AppRunner(app, access_log=access_log, access_log_class=RedactingAccessLogger)
    await runner.setup()
    site: web.BaseSite = (
        web.TCPSite(runner, config.host, config.port, reuse_address=True)
        if sock is None
        else web.SockSite(runner, sock)
    )
    await site.start()
    assert runner.app[NODE] is node
    return RunningNode(node=node, runner=runner, admin=admin)
