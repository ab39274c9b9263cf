"""Inbox throughput of a node in several processes: ``samenspraak serve --workers 2`` on
PostgreSQL against one process on SQLite and on PostgreSQL, and a bare aiohttp handler in
two processes, measured in the same run.

Run (from benchmarks/): ../.venv/bin/python inbox_workers.py

Every node is served as a deployment serves it, by ``samenspraak serve`` in processes of
its own (with its access log), initialised here with an inbox allowance the load cannot
reach; PostgreSQL is a throwaway cluster this script starts (Debian's server, as the test
suite's). The bare handler reads each body and answers 202 in two processes that share the
port as the node's web processes do (SO_REUSEPORT). The load is inbox_throughput.py's:
pre-signed Mastodon-shaped Create(Note) POSTs over keep-alive connections, rounds taken in
turn by every server. CPU per POST counts every process of the server, the database
server's included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp
from aiohttp import web
from inbox_throughput import (
    INBOX_ALLOWANCE,
    LoadResult,
    bare_inbox,
    load_in_turns,
    sender_app,
)
from loopback import machine_description, process_cpu_seconds, serve, stop_after

from activitypub.keys import KeyPair, generate_key_pair
from federation.inbox import MAX_INBOX_BODY
from node.config import CONFIG_FILE, NodeConfig, load_config
from node.runner import dev_config, free_port
from node.setup import initialise
from node.storage.database import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import _new_cluster

KINDS = ("bare x2", "sqlite x1", "postgresql x1", "postgresql x2")
HARD_LIMIT = 600.0


def _bare_process(port: int) -> None:
    """Child process: the bare handler on a port it shares with its twin."""

    async def run() -> None:
        app = web.Application(client_max_size=MAX_INBOX_BODY + 1)
        app.router.add_post("/inbox", bare_inbox)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, reuse_port=True).start()
        await asyncio.Event().wait()

    asyncio.run(run())


def _tree(pid: int) -> Iterator[int]:
    """``pid`` and every process below it."""
    yield pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            yield from _tree(int(child))


def _cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes and all below them."""
    total = 0.0
    for root in pids:
        for pid in _tree(root):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                total += process_cpu_seconds(pid, reaped_children=True)
    return total


def _postgres_pids() -> list[int]:
    """The PostgreSQL server's postmaster (its backends are below it)."""
    found = subprocess.run(["pgrep", "-o", "-u", "postgres", "postgres"], capture_output=True)
    return [int(p) for p in found.stdout.split()]


@dataclass
class Server:
    """One server under load: where its inbox is, its processes, its rounds."""

    kind: str
    inbox: str
    pids: list[int]
    counts_database: bool = False
    results: list[LoadResult] = field(default_factory=list)

    def cpu_seconds(self) -> float:
        """CPU seconds of the server's processes (and of PostgreSQL where it uses it)."""
        return _cpu(self.pids + (_postgres_pids() if self.counts_database else []))

    def median_rate(self) -> float:
        return statistics.median(r.accepted_per_second for r in self.results)

    def median_cpu(self) -> float:
        return statistics.median(r.cpu_per_request for r in self.results)


async def _serve_node(
    kind: str, directory: Path, database: str, workers: int, logs: Path
) -> tuple[Server, asyncio.subprocess.Process]:
    port = free_port()
    await initialise_for_load(
        directory, replace(dev_config("benchmark", "Benchmark", port), database=database)
    )
    process = await serve_in_processes(directory, workers, logs / f"{kind.replace(' ', '-')}.log")
    server = Server(kind, f"http://127.0.0.1:{port}/inbox", [process.pid], bool(database))
    return server, process


async def initialise_for_load(
    directory: Path, config: NodeConfig, rates: dict[str, str] | None = None
) -> None:
    """A new node in ``directory`` whose inbox allowance the load cannot reach, with the
    other allowances of ``[moderation.rates]`` given in ``rates``."""
    await initialise(directory, config)
    allowances = {"inbox": INBOX_ALLOWANCE} | (rates or {})
    with (directory / CONFIG_FILE).open("a", encoding="utf-8") as toml:
        toml.write("\n[moderation.rates]\n")
        toml.writelines(f'{name} = "{allowance}"\n' for name, allowance in allowances.items())


async def serve_in_processes(
    directory: Path, workers: int, log: Path
) -> asyncio.subprocess.Process:
    """``samenspraak serve DIR --workers N`` started, its output in ``log``, once it says
    it serves."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "node.cli", "serve", str(directory)),
            *("--workers", str(workers)),
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    while "Serving" not in (said := await asyncio.to_thread(log.read_text)):
        if process.returncode is not None:
            raise RuntimeError(f"{directory} did not start: {said}")
        await asyncio.sleep(0.1)
    return process


async def _stored(directory: Path) -> int:
    """How many remote notes the node in ``directory`` stored."""
    db = await Database.open(load_config(directory).database_location(directory))
    try:
        query = "SELECT COUNT(*) FROM objects WHERE local = 0 AND as_type = 'Note'"
        return int(await db.fetch_value(query))
    finally:
        await db.close()


async def main(args: argparse.Namespace) -> int:
    """Start the four servers, load them in turn, print rates and ratios."""
    stop_after(HARD_LIMIT)
    for line in machine_description():
        print(line)
    cluster = _new_cluster()
    cluster.start()
    started: list[asyncio.subprocess.Process] = []
    bare: list[multiprocessing.process.BaseProcess] = []
    sender_port = free_port()
    base = f"http://127.0.0.1:{sender_port}"
    senders: dict[str, KeyPair] = {f"sender{i}": generate_key_pair() for i in range(4)}
    sender_runner = await serve(sender_app(base, senders), sender_port)
    try:
        with tempfile.TemporaryDirectory(prefix="samenspraak-workers-bench-") as scratch:
            root = Path(scratch)
            port = free_port()
            spawn = multiprocessing.get_context("spawn")
            bare = [spawn.Process(target=_bare_process, args=(port,), daemon=True) for _ in "ab"]
            for process in bare:
                process.start()
            await _until_listening(port)
            servers = [Server("bare x2", f"http://127.0.0.1:{port}/inbox", [p.pid for p in bare])]
            places: dict[str, Path] = {}
            for kind, database, workers in (
                ("sqlite x1", "", 1),
                ("postgresql x1", cluster.fresh_database(template="template0"), 1),
                ("postgresql x2", cluster.fresh_database(template="template0"), 2),
            ):
                directory = root / kind.replace(" ", "-")
                server, process = await _serve_node(kind, directory, database, workers, root)
                servers.append(server)
                started.append(process)
                places[kind] = directory
            print(
                f"load: {args.rounds} rounds of {args.requests} pre-signed Create(Note) POSTs "
                f"per server, {args.connections} keep-alive connections, 4 senders, after "
                f"{args.warmup} warm-up POSTs per server"
            )
            connector = aiohttp.TCPConnector(limit=args.connections)
            async with aiohttp.ClientSession(connector=connector) as session:
                await load_in_turns(args, servers, session, base, senders)
            for server in servers[1:]:
                stored = await _stored(places[server.kind])
                sent = args.warmup + sum(r.statuses[202] for r in server.results)
                print(f"{server.kind}: {stored} notes stored of {sent} accepted")
    finally:
        for process in started:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
        for bare_process in bare:
            bare_process.terminate()
        await sender_runner.cleanup()
        cluster.stop()
    _summary(servers)
    return 0


async def _until_listening(port: int) -> None:
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        await asyncio.sleep(0.05)


def _summary(servers: list[Server]) -> None:
    by_kind = {s.kind: s for s in servers}
    for server in servers:
        print(
            f"median {server.kind}: {server.median_rate():,.0f} activities/s, "
            f"CPU {server.median_cpu() * 1e6:,.0f} µs per POST"
        )
    bare, one, pg_one, pg_two = (by_kind[kind] for kind in KINDS)
    print(
        f"ratios: postgresql x2 / sqlite x1 {pg_two.median_rate() / one.median_rate():.1%}; "
        f"postgresql x2 / postgresql x1 {pg_two.median_rate() / pg_one.median_rate():.1%}; "
        f"postgresql x2 / bare x2 {pg_two.median_rate() / bare.median_rate():.1%}; "
        f"sqlite x1 / bare x2 {one.median_rate() / bare.median_rate():.1%}"
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; the defaults are the recorded configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per server")
    parser.add_argument("--requests", type=int, default=2000, help="timed POSTs per round")
    parser.add_argument("--warmup", type=int, default=200, help="untimed POSTs per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--time-limit", type=float, default=20.0, help="seconds per timed phase at most"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
