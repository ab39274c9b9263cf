"""Independent ActivityPub servers that the interoperability tests run on loopback.

Each peer is a separate process built on another project's code (Fedify under
``fedify/``, bovine under ``bovine/``), installed by ``tests/run.sh``. Both answer
the same small control API, so one driver (``PeerProcess``) steers either:
``POST /control/<action>`` makes the peer's one account act (look up, follow,
post, like, announce, undo, update, delete, vote), ``GET /control/state`` lists
what its inbox received after verifying the signature, and what failed.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from node.runner import free_port

PEERS = Path(__file__).parent
FEDIFY = PEERS / "fedify"
BOVINE = PEERS / "bovine"
NOT_INSTALLED = "{peer} is not installed: tests/run.sh sets it up ({how})"


class PeerFailed(Exception):
    """The peer refused a control action or crashed; the message is its own."""


@dataclass
class PeerProcess:
    """A peer server running as a child process on ``127.0.0.1:port``."""

    name: str
    command: list[str]
    port: int = field(default_factory=free_port)
    actor: str = ""
    username: str = ""
    _process: asyncio.subprocess.Process | None = None
    _workdir: tempfile.TemporaryDirectory[str] | None = None
    _session: aiohttp.ClientSession | None = None

    @property
    def host(self) -> str:
        """Host and port, as in the peer's ids and handles."""
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The peer's origin."""
        return f"http://{self.host}"

    async def start(self) -> None:
        """Start the process in a fresh working directory and wait for its ``ready ACTOR
        USERNAME`` line."""
        self._workdir = tempfile.TemporaryDirectory(prefix=f"{self.name.lower()}-peer-")
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            str(self.port),
            cwd=self._workdir.name,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        line = (await self._process.stdout.readline()).decode()
        if not line.startswith("ready "):
            await self._process.wait()
            assert self._process.stderr is not None
            error = (await self._process.stderr.read()).decode()
            raise PeerFailed(f"{self.name} did not start: {line}{error}")
        _, self.actor, self.username = line.split()
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Stop the process and close the client."""
        if self._session is not None:
            await self._session.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        if self._workdir is not None:
            self._workdir.cleanup()

    async def act(self, action: str, **body: Any) -> dict[str, Any]:
        """Make the peer's account do ``action``; its answer, or ``PeerFailed``."""
        assert self._session is not None, "start() was not called"
        async with self._session.post(f"{self.base_url}/control/{action}", json=body) as answer:
            result: dict[str, Any] = await answer.json()
        if answer.status != 200:
            raise PeerFailed(f"{self.name} could not {action}: {result.get('error')}")
        return result

    async def state(self) -> dict[str, Any]:
        """What the peer's inbox received (verified), its inbox errors, its follow lists."""
        assert self._session is not None, "start() was not called"
        async with self._session.get(f"{self.base_url}/control/state") as answer:
            result: dict[str, Any] = await answer.json()
        return result

    async def received(self, kind: str) -> list[dict[str, Any]]:
        """The verified activities of type ``kind`` the peer's inbox received, in order."""
        return [a for a in (await self.state())["received"] if a.get("type") == kind]


def fedify_peer() -> PeerProcess:
    """The Fedify peer (``fedify/peer.mjs`` on the machine's Node)."""
    if not (FEDIFY / "node_modules" / "@fedify" / "fedify").is_dir():
        how = "cd tests/peers/fedify && npm ci"
        raise PeerFailed(NOT_INSTALLED.format(peer="Fedify", how=how))
    return PeerProcess("Fedify", ["node", str(FEDIFY / "peer.mjs")])


def bovine_peer() -> PeerProcess:
    """The bovine peer (``bovine/peer.py`` in its own virtual environment)."""
    python = BOVINE / ".venv" / "bin" / "python"
    if not python.exists():
        venv, needs = "tests/peers/bovine/.venv", "tests/peers/bovine/requirements.txt"
        how = f"python3 -m venv {venv} && {venv}/bin/pip install -r {needs}"
        raise PeerFailed(NOT_INSTALLED.format(peer="bovine", how=how))
    return PeerProcess("bovine", [str(python), str(BOVINE / "peer.py")])
