"""An incoming activity's effects and its inbox-log entry commit together: a node killed
(SIGKILL) between two of a proposal's effects keeps none of them, and the sender's retry,
after a normal restart, produces the whole effect exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from node.clock import epoch_now
from node.config import DATABASE_FILE
from node.participation.processes import known_process
from node.participation.proposals import create_proposal
from node.runner import RunningNode, free_port
from node.storage.database import Database
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person

ROOT = Path(__file__).resolve().parents[2]
LATER = 3600.0
# Each effect of an incoming proposal, counted by the proposal's id.
QUERIES = (
    ("note", "SELECT COUNT(*) FROM objects WHERE uri = ?"),
    ("proposal", "SELECT COUNT(*) FROM proposals WHERE uri = ?"),
    ("status_changes", "SELECT COUNT(*) FROM status_changes WHERE proposal_uri = ?"),
    ("announce", "SELECT COUNT(*) FROM outbox WHERE type = 'Announce' AND object = ?"),
    ("inbox_log", "SELECT COUNT(*) FROM inbox_log WHERE activity_id = ? || '/activity'"),
)


def launch(*args: str) -> subprocess.Popen[str]:
    """A node process started from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def wait_until_serving(process: subprocess.Popen[str], base_url: str) -> None:
    """Wait until the node answers HTTP; fail with its output when it exits first."""
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"node exited with {process.returncode}: {output}")
            try:
                async with http.get(f"{base_url}/.well-known/nodeinfo") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("node did not start serving")


async def effects(data_dir: Path, proposal_uri: str) -> dict[str, int]:
    """How often each effect of the incoming proposal is stored, read from the database."""
    db = await Database.open(data_dir / DATABASE_FILE)
    try:
        return {name: await db.fetch_value(sql, (proposal_uri,)) for name, sql in QUERIES}
    finally:
        await db.close()


async def test_a_node_killed_between_a_proposals_effects_redoes_all_of_them_on_the_retry(
    start: StartNode,
) -> None:
    port = free_port()
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality", port=port)
    data_dir = gemeente.node.data_dir
    base_url = gemeente.base_url
    process = await open_process(gemeente, "wijkbudget", "initiate", threshold=5)
    await gemeente.stop()
    wijk: RunningNode = await start("oosterpark", "Wijkraad Oosterpark")
    anna = await person(wijk, "anna")

    crashing = launch("tests.integration.crash_launcher", str(data_dir))
    try:
        await wait_until_serving(crashing, base_url)
        remote_process = await known_process(
            wijk.node.participation_services, process.uri, fetch=True
        )
        assert remote_process is not None
        proposal = await create_proposal(
            wijk.node.participation_services,
            anna,
            remote_process,
            "Meer bankjes",
            "Bankjes langs het Winschoterdiep.",
        )
        report = await wijk.node.worker.run_once()
        returncode = await asyncio.to_thread(crashing.wait, 30)
    finally:
        if crashing.poll() is None:
            crashing.kill()
        crashing.wait()
        if crashing.stdout is not None:
            crashing.stdout.close()

    assert returncode == -signal.SIGKILL
    assert (report.delivered, report.retried) == (0, 1), "no 2xx: the sender retries"
    assert await effects(data_dir, proposal.uri) == dict.fromkeys(
        ("note", "proposal", "status_changes", "announce", "inbox_log"), 0
    )

    restarted = launch("node.cli", "serve", str(data_dir))
    try:
        await wait_until_serving(restarted, base_url)
        report = await wijk.node.worker.run_once(now=epoch_now() + LATER)
        assert report.delivered == 1
    finally:
        # The sender's kept-alive connections would hold up the graceful shutdown.
        await wijk.node.transport.close()
        restarted.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(restarted.wait, 10)
        except subprocess.TimeoutExpired:
            # What the test reads is committed already; a slow graceful stop is not its subject.
            restarted.kill()
            restarted.wait()
        if restarted.stdout is not None:
            restarted.stdout.close()

    assert await effects(data_dir, proposal.uri) == {
        "note": 1,
        "proposal": 1,
        "status_changes": 1,
        "announce": 1,
        "inbox_log": 1,
    }
