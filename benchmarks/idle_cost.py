"""Idle cost of a small node, as a wijkraad's Raspberry Pi would see it: memory (RSS) and
CPU of ``samenspraak serve`` on SQLite over ten idle minutes, against a bare aiohttp server
idle beside it in the same run.

Run (from benchmarks/): ../.venv/bin/python idle_cost.py [--minutes 10]

The node is a real one, served as a deployment serves it, with what a neighbourhood has
after a year: accounts, a process with proposals, supports and comments, a closed vote
(seeded through the domain code before it starts). Idle means no request arrives; the
node still runs its periodic jobs (the process schedule, tally and support-count
updates, mail, the delivery queue) every 15 seconds. Both servers are sampled every
``--every`` seconds: RSS from /proc and CPU time since the start of the idle window.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from loopback import machine_description, process_cpu_seconds, stop_after

from node.clock import iso, utc_now
from node.node import open_node
from node.participation.comments import post_comment
from node.participation.models import phases_around
from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.voting import close_vote, open_vote
from node.runner import dev_config, free_port
from node.setup import create_account, initialise

RESIDENTS = 40
PROPOSALS = 25


@dataclass
class Sampled:
    """One idle server's samples: RSS in MiB and CPU seconds since the window opened."""

    name: str
    pid: int
    cpu_at_start: float = 0.0
    rss: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def sample(self) -> None:
        self.rss.append(_rss_mib(self.pid))
        self.cpu.append(process_cpu_seconds(self.pid) - self.cpu_at_start)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# The baseline, started with nothing of the node imported (the node's modules alone
# take memory): an aiohttp server with one route, waiting for requests.
BARE_SERVER = """
import sys
from aiohttp import web
app = web.Application()
app.router.add_get("/", lambda request: web.Response(text="idle"))
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


async def _seeded_node(directory: Path, port: int) -> None:
    """A node with a neighbourhood's year of participation, closed again."""
    await initialise(directory, dev_config("wijkraad", "Wijkraad", port))
    node = await open_node(directory)
    try:
        services = node.participation_services
        people = [
            (await create_account(node.db, node.urls, f"bewoner{n}", "resident", "x" * 12)).actor
            for n in range(RESIDENTS)
        ]
        process = await create_process(
            services,
            slug="wijkagenda",
            title="Wijkagenda",
            archetype="initiate",
            threshold_count=5,
            phases=phases_around(utc_now(), ("proposing", -30, 10), ("voting", 10, 300)),
        )
        for n in range(PROPOSALS):
            author = people[n % RESIDENTS]
            proposal = await create_proposal(
                services, author, process, f"Voorstel {n}", "Graag meer groen in de straat."
            )
            for supporter in people[n % 7 : n % 7 + 6]:
                if supporter != author:
                    await support(services, supporter, proposal.uri)
            await post_comment(services, people[(n + 3) % RESIDENTS], proposal.uri, "Goed idee.")
        process = await set_phase(services, process, "voting")
        question = await open_vote(services, proposal.uri, iso(utc_now() + timedelta(days=7)))
        await close_vote(services, question.uri)
    finally:
        await node.close()


async def main(args: argparse.Namespace) -> int:
    """Seed and serve the node, start the bare server, sample both while idle."""
    stop_after(args.minutes * 60 + 120)
    for line in machine_description():
        print(line)
    with tempfile.TemporaryDirectory(prefix="samenspraak-idle-") as scratch:
        directory = Path(scratch) / "wijkraad"
        port, bare_port = free_port(), free_port()
        await _seeded_node(directory, port)
        log = Path(scratch) / "serve.log"
        with log.open("wb") as output:
            node = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "node.cli", "serve", str(directory)),
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        bare = await asyncio.create_subprocess_exec(
            sys.executable, "-c", BARE_SERVER, str(bare_port)
        )
        try:
            while "Serving" not in log.read_text():
                if node.returncode is not None:
                    print(log.read_text())
                    return 1
                await asyncio.sleep(0.1)
            # Start-up work (migrations check, the first periodic round) is not idling.
            await asyncio.sleep(20)
            servers = [Sampled("node", node.pid), Sampled("bare aiohttp", bare.pid)]
            for server in servers:
                server.cpu_at_start = process_cpu_seconds(server.pid)
            began = time.monotonic()
            window = args.minutes * 60
            while time.monotonic() - began < window:
                await asyncio.sleep(args.every)
                for server in servers:
                    server.sample()
            elapsed = time.monotonic() - began
        finally:
            node.terminate()
            await node.wait()
            bare.terminate()
            await bare.wait()
    print(
        f"node: {RESIDENTS} accounts, {PROPOSALS} proposals with supports and comments, "
        f"a closed vote; idle for {elapsed / 60:.1f} minutes, sampled every {args.every:.0f} s"
    )
    node_sampled, bare_sampled = servers
    for server in servers:
        print(
            f"{server.name}: RSS {server.rss[0]:.1f} MiB at first, {max(server.rss):.1f} MiB "
            f"at most, {server.rss[-1]:.1f} MiB at the end; CPU {server.cpu[-1]:.2f} s = "
            f"{server.cpu[-1] / elapsed:.3%} of one core"
        )
    tick = 1 / os.sysconf("SC_CLK_TCK")
    bare_cpu = bare_sampled.cpu[-1]
    cpu_ratio = (
        f"{node_sampled.cpu[-1] / bare_cpu:.1f}x"
        if bare_cpu >= tick
        else f"no ratio (the bare server used less than one clock tick, {tick * 1000:.0f} ms)"
    )
    print(
        f"node against the bare server: RSS {max(node_sampled.rss) / max(bare_sampled.rss):.1f}x,"
        f" CPU {cpu_ratio}"
    )
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; the defaults are the recorded configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the idle window")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
