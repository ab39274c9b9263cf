"""Inbox throughput: signed Create(Note) POSTs per second a node accepts, against a bare handler.

Run: /tmp/venv/bin/python benchmarks/inbox_throughput.py

The server under test runs in its own process, the load generator in this one,
so they do not share an event loop. Two servers are measured in the same run
with the same generator and the same kind of request:

* ``bare``: an aiohttp app whose inbox handler only reads the body and answers 202;
* ``node``: a real development node (``node.runner.start_node``, run_workers=False)
  whose shared inbox runs the whole pipeline: JSON, federation policy and rate
  limit, the HTTP signature (verified for every request; the sender's key is
  fetched once, then cached), JSON-LD normalising, the inbox log and the Create
  handler sanitising and storing the note.

Requests are pre-signed (draft-cavage rsa-sha256, as Mastodon signs) before the
timed phase, so the generator's own signing cost does not slow either server;
each activity and note has a fresh id, so no request is a duplicate. The
senders are Mastodon-shaped actors served by a small aiohttp app in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from loopback import (
    ACTIVITY_JSON,
    activity_json,
    machine_description,
    mastodon_create_note,
    person_document,
    process_cpu_seconds,
    serve,
    stop_after,
)

from activitypub.keys import KeyPair, generate_key_pair
from activitypub.signatures import sign_request
from federation.inbox import MAX_INBOX_BODY
from node.config import CONFIG_FILE
from node.runner import dev_config, free_port, start_node
from node.setup import initialise

TARGET_RATIO = 0.40
INBOX_ALLOWANCE = "1000000/60"
KINDS = ("bare", "node")
# Each script must end by itself within two minutes, whatever happens.
HARD_LIMIT = 115.0


@dataclass(frozen=True)
class SignedPost:
    """One inbox POST, body and headers ready to send."""

    body: bytes
    headers: dict[str, str]


@dataclass
class LoadResult:
    """What one timed phase of the generator saw."""

    sent: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def accepted_per_second(self) -> float:
        """202 answers per second of wall time."""
        return self.statuses[202] / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_per_request(self) -> float:
        """Seconds of the server process's CPU (all threads) per POST."""
        return self.server_cpu / self.sent if self.sent else 0.0


async def bare_inbox(request: web.Request) -> web.Response:
    """The baseline: read the body, answer 202."""
    await request.read()
    return web.json_response({"status": "accepted"}, status=202)


def run_server(
    kind: str, port: int, data_dir: str, conn: Connection, profile: str | None, access_log: bool
) -> None:
    """Child process: serve ``kind`` on ``port`` until told to stop, then report counts.

    With ``profile`` the server runs under cProfile and writes its stats there. With
    ``access_log`` the node logs every request as ``samenspraak serve`` does (INFO,
    one line per request), to a file in its data directory.
    """
    serving = _serve_until_stopped(kind, port, Path(data_dir), conn, access_log)
    if profile is None:
        asyncio.run(serving)
        return
    with cProfile.Profile() as profiler:
        asyncio.run(serving)
    profiler.dump_stats(profile)


async def _serve_until_stopped(
    kind: str, port: int, data_dir: Path, conn: Connection, access_log: bool
) -> None:
    loop = asyncio.get_running_loop()
    if kind == "bare":
        app = web.Application(client_max_size=MAX_INBOX_BODY + 1)
        app.router.add_post("/inbox", bare_inbox)
        runner = await serve(app, port)
        conn.send("ready")
        await loop.run_in_executor(None, conn.recv)
        await runner.cleanup()
        conn.send({})
        return
    config = dev_config("benchmark", "Benchmark", port)
    await initialise(data_dir, config)
    # All load comes from one sender host, far over the default allowance of a host;
    # the limiter still runs on every POST, with an allowance the load cannot reach.
    with (data_dir / CONFIG_FILE).open("a", encoding="utf-8") as toml:
        toml.write(f'\n[moderation.rates]\ninbox = "{INBOX_ALLOWANCE}"\n')
    logger = None
    if access_log:
        logging.basicConfig(level=logging.INFO, filename=data_dir / "node.log")
        logger = aiohttp.log.access_logger
    running = await start_node(data_dir, config, run_workers=False, access_log=logger)
    conn.send("ready")
    await loop.run_in_executor(None, conn.recv)
    db = running.node.db
    counts = {
        "stored_remote_notes": await db.fetch_value(
            "SELECT COUNT(*) FROM objects WHERE local = 0 AND as_type = 'Note'"
        ),
        "inbox_log": await db.fetch_value("SELECT COUNT(*) FROM inbox_log"),
    }
    await running.stop()
    conn.send(counts)


def sender_app(base: str, senders: dict[str, KeyPair]) -> web.Application:
    """The remote server of the senders: serves their actor documents."""

    async def actor(request: web.Request) -> web.Response:
        name = request.match_info["username"]
        keys = senders.get(name)
        if keys is None:
            raise web.HTTPNotFound()
        return activity_json(person_document(base, name, keys.public_pem, shared_inbox=True))

    app = web.Application()
    app.router.add_get("/users/{username}", actor)
    # What a node under test delivers back (a vote's tally Update, say) is taken as a
    # remote server takes it, so its delivery queue does not fill with retries.
    app.router.add_post("/inbox", bare_inbox)
    app.router.add_post("/users/{username}/inbox", bare_inbox)
    return app


def presign(
    inbox: str, base: str, senders: dict[str, KeyPair], numbers: range, run: str
) -> list[SignedPost]:
    """Signed Create(Note) POSTs to ``inbox``, one per status number, round-robin over senders."""
    names = list(senders)
    posts = []
    for number in numbers:
        name = names[number % len(names)]
        actor = f"{base}/users/{name}"
        activity = mastodon_create_note(
            actor, number, f"Bericht {number} van {name} ({run}): de stoep is weer heel."
        )
        body = json.dumps(activity).encode("utf-8")
        headers = sign_request(
            method="POST",
            url=inbox,
            body=body,
            key_id=f"{actor}#main-key",
            private_key_pem=senders[name].private_pem,
            content_type=ACTIVITY_JSON,
        )
        posts.append(SignedPost(body, headers))
    return posts


async def fire(
    session: aiohttp.ClientSession,
    inbox: str,
    posts: list[SignedPost],
    connections: int,
    time_limit: float,
) -> LoadResult:
    """POST ``posts`` over ``connections`` concurrent connections; stop at ``time_limit``."""
    result = LoadResult()
    pending = iter(posts)
    start = time.perf_counter()
    deadline = start + time_limit

    async def connection() -> None:
        for post in pending:
            if time.perf_counter() > deadline:
                return
            result.sent += 1
            try:
                async with session.post(inbox, data=post.body, headers=post.headers) as resp:
                    text = await resp.text()
                    result.statuses[resp.status] += 1
                    if resp.status != 202 and len(result.errors) < 5:
                        result.errors.append(f"{resp.status}: {text[:200]}")
            except aiohttp.ClientError as exc:
                result.statuses[0] += 1
                if len(result.errors) < 5:
                    result.errors.append(repr(exc))

    await asyncio.gather(*(connection() for _ in range(connections)))
    result.elapsed = time.perf_counter() - start
    return result


class ServerUnderTest:
    """A server running in its own process, with the inbox the generator posts to."""

    def __init__(self, kind: str, data_dir: Path, profile: str | None, access_log: bool) -> None:
        self.kind = kind
        port = free_port()
        self.inbox = f"http://127.0.0.1:{port}/inbox"
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            daemon=True,
            target=run_server,
            args=(kind, port, str(data_dir / kind), child, profile, access_log),
        )
        self.results: list[LoadResult] = []

    async def start(self) -> None:
        """Start the process and wait until it serves."""
        self._process.start()
        ready = await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)
        if ready != "ready":
            raise RuntimeError(f"the {self.kind} server did not start")

    async def stop(self) -> dict[str, Any]:
        """Stop the process; return what it stored."""
        self._conn.send("stop")
        counts = await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)
        self._process.join(timeout=30)
        return counts

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far, all threads (Linux /proc)."""
        return process_cpu_seconds(self._process.pid or 0)

    def median_cpu_per_request(self) -> float:
        """The median of the server's CPU seconds per POST over the rounds."""
        return statistics.median(r.cpu_per_request for r in self.results)

    def median_rate(self) -> float:
        """The median of the accepted-per-second figures of the rounds."""
        return statistics.median(r.accepted_per_second for r in self.results)


async def measure(
    args: argparse.Namespace,
    base: str,
    senders: dict[str, KeyPair],
    session: aiohttp.ClientSession,
    data_dir: Path,
) -> tuple[list[ServerUnderTest], dict[str, Any]]:
    """Start both servers, warm them up, then time them in alternating rounds."""
    servers = [
        ServerUnderTest(kind, data_dir, _profile_path(args, kind), args.access_log)
        for kind in KINDS
    ]
    for server in servers:
        await server.start()
    await load_in_turns(args, servers, session, base, senders)
    counts = {}
    for server in servers:
        counts |= await server.stop()
    return servers, counts


class Loaded(Protocol):
    """A server the generator loads: its inbox, its CPU so far, its timed rounds."""

    kind: str
    inbox: str
    results: list[LoadResult]

    def cpu_seconds(self) -> float: ...


async def load_in_turns(
    args: argparse.Namespace,
    servers: Sequence[Loaded],
    session: aiohttp.ClientSession,
    base: str,
    senders: dict[str, KeyPair],
) -> None:
    """Warm every server up, then time them in alternating rounds (``args.rounds`` of
    ``args.requests`` POSTs over ``args.connections``), so noise hits them alike."""
    for server in servers:
        warmup = presign(server.inbox, base, senders, range(args.warmup), "warm-up")
        # One POST per sender first, so the node fetches each sender's key once.
        await fire(session, server.inbox, warmup[: len(senders)], 1, args.time_limit)
        await fire(session, server.inbox, warmup[len(senders) :], args.connections, args.time_limit)
    for round_number in range(args.rounds):
        first = args.warmup + round_number * args.requests
        numbers = range(first, first + args.requests)
        for server in servers:
            posts = presign(server.inbox, base, senders, numbers, f"round {round_number + 1}")
            cpu_before = server.cpu_seconds()
            result = await fire(session, server.inbox, posts, args.connections, args.time_limit)
            result.server_cpu = server.cpu_seconds() - cpu_before
            server.results.append(result)
            report(f"round {round_number + 1} {server.kind}", result)


def _profile_path(args: argparse.Namespace, kind: str) -> str | None:
    return f"{args.profile}.{kind}.prof" if args.profile else None


def report(label: str, result: LoadResult) -> None:
    """Print one timed phase."""
    print(
        f"{label}: {result.statuses[202]} of {result.sent} accepted (202) in "
        f"{result.elapsed:.2f} s = {result.accepted_per_second:,.0f} activities/s; "
        f"server CPU {result.cpu_per_request * 1e6:,.0f} µs per POST"
    )
    others = {status: n for status, n in result.statuses.items() if status != 202}
    if others:
        print(f"    other answers: {others}; first: {result.errors}")


async def main(args: argparse.Namespace) -> int:
    """Measure the bare handler and the node with the same generator; print the ratio."""
    stop_after(HARD_LIMIT)
    for line in machine_description():
        print(line)
    sender_port = free_port()
    base = f"http://127.0.0.1:{sender_port}"
    senders = {f"sender{i}": generate_key_pair() for i in range(args.senders)}
    sender_runner = await serve(sender_app(base, senders), sender_port)
    print(
        f"load: {args.rounds} rounds of {args.requests} pre-signed Mastodon-shaped Create(Note) "
        f"POSTs to /inbox per server, {args.connections} concurrent keep-alive connections, "
        f"{args.senders} senders, after {args.warmup} warm-up POSTs per server"
    )
    connector = aiohttp.TCPConnector(limit=args.connections)
    try:
        with tempfile.TemporaryDirectory(prefix="samenspraak-inbox-bench-") as data_dir:
            async with aiohttp.ClientSession(connector=connector) as session:
                (bare, node), counts = await measure(args, base, senders, session, Path(data_dir))
    finally:
        await sender_runner.cleanup()
    ratio = node.median_rate() / bare.median_rate()
    verdict = "met" if ratio >= TARGET_RATIO else "missed"
    print(f"node stored: {counts}")
    print(
        f"median: bare {bare.median_rate():,.0f}/s, node {node.median_rate():,.0f}/s; "
        f"ratio node/bare {ratio:.1%} (target at least {TARGET_RATIO:.0%}: {verdict})"
    )
    print(
        f"median server CPU per POST: bare {bare.median_cpu_per_request() * 1e6:,.0f} µs, "
        f"node {node.median_cpu_per_request() * 1e6:,.0f} µs"
    )
    accepted = sum(r.statuses[202] for r in node.results)
    complete = accepted == sum(r.sent for r in node.results) and counts["stored_remote_notes"] == (
        args.warmup + accepted
    )
    if not complete:
        print("not every POST was accepted and stored: see the answers above")
    return 0 if complete else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; the defaults are the recorded configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per server")
    parser.add_argument("--requests", type=int, default=3000, help="timed POSTs per round")
    parser.add_argument("--warmup", type=int, default=200, help="untimed POSTs per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument(
        "--time-limit", type=float, default=15.0, help="seconds per timed phase at most"
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="the node logs every request as `samenspraak serve` does (the bare handler does not)",
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="run each server under cProfile, writing PREFIX.bare.prof and PREFIX.node.prof",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
