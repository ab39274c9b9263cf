"""Fan-out: one activity delivered to 1,000 personal inboxes on 50 loopback hosts.

Run: /tmp/venv/bin/python benchmarks/fanout.py

A real development node (``node.runner.start_node``, run_workers=False) runs in
this process. Its organisation actor has 1,000 accepted followers: 20 actors on
each of 50 small aiohttp servers (50 ports on 127.0.0.1), which run in a child
process so that their work does not share this event loop. Their actor documents
have a personal inbox and no shared inbox, so every follower costs one signed POST.

Before timing, every follower is resolved once (the node fetches and caches the
1,000 actor documents). One round is timed from ``social_actions.post_note`` (which stores
the note and its fan-out job through ``NodeOutbox.send``) until ``DeliveryWorker.run_once()``
returns with every job delivered (its fan-out step expands the followers collection and
writes the 1,000 jobs in one transaction first). The receiving servers verify every signature in
full (digest recomputed from the body, date window, RSA-SHA256 against the node's
key, which they were given at start) and answer 202 only when it verifies.

The baseline is 1,000 calls of ``activitypub.signatures.sign_request`` on the
same body and the same 1,000 inbox URLs with the same key, in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from aiohttp import web
from loopback import (
    ACTIVITY_JSON,
    activity_json,
    machine_description,
    person_document,
    serve,
    stop_after,
)

from activitypub.keys import generate_key_pair
from activitypub.signatures import PublicKey, sign_request, verify_request
from federation.ports import Follow
from node import social_actions
from node.node import Node
from node.runner import dev_config, free_port, start_node
from node.storage.actors import LocalActor

TARGET_FACTOR = 2.0
# Each script must end by itself within two minutes, whatever happens.
HARD_LIMIT = 115.0


def run_peers(hosts: int, actors_per_host: int, signer: PublicKey, conn: Connection) -> None:
    """Child process: serve the receiving hosts until told to stop."""
    asyncio.run(_serve_peers(hosts, actors_per_host, signer, conn))


async def _serve_peers(
    hosts: int, actors_per_host: int, signer: PublicKey, conn: Connection
) -> None:
    # One key pair for every remote actor: only its public half is published,
    # and nothing in this benchmark is signed by the remote actors.
    public_pem = generate_key_pair().public_pem
    counts = {"verified": 0, "refused": 0}

    async def lookup_key(key_id: str, refresh: bool) -> PublicKey | None:
        return signer if key_id == signer.key_id else None

    def peer_app(base: str) -> web.Application:
        async def actor(request: web.Request) -> web.Response:
            name = request.match_info["username"]
            return activity_json(person_document(base, name, public_pem, shared_inbox=False))

        async def inbox(request: web.Request) -> web.Response:
            body = await request.read()
            result = await verify_request(
                method=request.method,
                target=request.raw_path,
                headers=request.headers,
                body=body,
                lookup_key=lookup_key,
            )
            if not result.ok:
                counts["refused"] += 1
                return web.json_response({"error": result.detail}, status=401)
            counts["verified"] += 1
            return web.Response(status=202)

        app = web.Application()
        app.router.add_get("/users/{username}", actor)
        app.router.add_post("/users/{username}/inbox", inbox)
        return app

    runners = []
    bases = []
    for _ in range(hosts):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        runners.append(await serve(peer_app(base), port))
        bases.append(base)
    conn.send([f"{base}/users/u{i:02d}" for base in bases for i in range(actors_per_host)])
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, conn.recv) == "counts":
        conn.send(dict(counts))
    for runner in runners:
        await runner.cleanup()


@dataclass(frozen=True)
class Timing:
    """Wall time and this process's CPU time (all its threads) of one measured step."""

    wall: float
    cpu: float


def time_signing(inboxes: list[str], body: bytes, signer: LocalActor, private_pem: str) -> Timing:
    """Time signing one POST of ``body`` to each inbox, as the delivery worker does."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for inbox in inboxes:
        sign_request(
            method="POST",
            url=inbox,
            body=body,
            key_id=signer.key_id,
            private_key_pem=private_pem,
            content_type=ACTIVITY_JSON,
        )
    return Timing(time.perf_counter() - start, time.process_time() - start_cpu)


async def main(args: argparse.Namespace) -> int:
    """Set up the node and the hosts, then time signing and fan-out rounds; print the ratio."""
    stop_after(HARD_LIMIT)
    for line in machine_description():
        print(line)
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory(prefix="samenspraak-fanout-bench-") as data_dir:
        port = free_port()
        running = await start_node(
            Path(data_dir) / "node",
            dev_config("gemeente", "Gemeente Benchmark", port, "municipality"),
            run_workers=False,
        )
        node = running.node
        org = await node.organisation()
        signer = await node.actors.signer_for(org.uri)
        assert signer is not None
        parent, child = multiprocessing.Pipe()
        peers = multiprocessing.get_context("spawn").Process(
            daemon=True,
            target=run_peers,
            args=(
                args.hosts,
                args.actors_per_host,
                PublicKey(key_id=org.key_id, owner=org.uri, pem=org.public_key_pem),
                child,
            ),
        )
        peers.start()
        try:
            followers: list[str] = await loop.run_in_executor(None, parent.recv)
            status = await run_rounds(args, node, org, followers, signer.private_key_pem)
            parent.send("counts")
            counts = await loop.run_in_executor(None, parent.recv)
        finally:
            parent.send("stop")
            await running.stop()
            peers.join(timeout=30)
    expected = args.rounds * len(followers)
    print(
        f"receivers: {counts['verified']} signatures verified and accepted, "
        f"{counts['refused']} refused (expected {expected} accepted)"
    )
    return status if counts["verified"] == expected and counts["refused"] == 0 else 1


async def run_rounds(
    args: argparse.Namespace,
    node: Node,
    org: LocalActor,
    followers: list[str],
    private_pem: str,
) -> int:
    """Cache the followers, then alternate signing baselines and timed fan-out rounds."""
    semaphore = asyncio.Semaphore(32)

    async def resolve(uri: str) -> str:
        async with semaphore:
            return (await node.resolver.get(uri)).delivery_inbox

    start = time.perf_counter()
    inboxes = await asyncio.gather(*(resolve(uri) for uri in followers))
    async with node.db.transaction():
        for uri in followers:
            await node.follows.save_follow(Follow(uri, org.uri, f"{uri}#follow", "accepted"))
    print(
        f"setup: {len(followers)} followers on {args.hosts} hosts "
        f"({len(set(inboxes))} distinct personal inboxes, no shared inbox) resolved and cached "
        f"in {time.perf_counter() - start:.2f} s (not timed below)"
    )
    profiler = cProfile.Profile() if args.profile else None
    signing_times, fanout_times = [], []
    for round_number in range(1, args.rounds + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        note = await social_actions.post_note(
            node.social_services,
            org,
            f"<p>Bekendmaking {round_number}: de raadsvergadering is verplaatst.</p>",
        )
        queued = time.perf_counter()
        report = await node.worker.run_once()
        if profiler is not None:
            profiler.disable()
        fanout = Timing(time.perf_counter() - start, time.process_time() - start_cpu)
        entry = await node.outbox_store.get(f"{note['id']}/activity")
        assert entry is not None
        body = json.dumps(entry.document, ensure_ascii=False).encode("utf-8")
        signing = time_signing(inboxes, body, org, private_pem)
        signing_times.append(signing)
        fanout_times.append(fanout)
        print(
            f"round {round_number}: fan-out {fanout.wall:.3f} s (send {queued - start:.3f} s, "
            f"run_once {start + fanout.wall - queued:.3f} s; cpu {fanout.cpu:.3f} s; "
            f"{report.delivered} delivered, {report.retried} retried, "
            f"{report.given_up} given up); {len(inboxes)} signatures alone {signing.wall:.3f} s "
            f"(cpu {signing.cpu:.3f} s); ratio {fanout.wall / signing.wall:.2f}x"
        )
        if report.delivered != len(followers):
            print("not every inbox was delivered to")
            return 1
    if profiler is not None:
        profiler.dump_stats(args.profile)
    fanout = statistics.median(t.wall for t in fanout_times)
    signing = statistics.median(t.wall for t in signing_times)
    cpu_ratio = statistics.median(t.cpu for t in fanout_times) / statistics.median(
        t.cpu for t in signing_times
    )
    verdict = "met" if fanout <= TARGET_FACTOR * signing else "missed"
    print(
        f"median: fan-out {fanout:.3f} s = {len(followers) / fanout:,.0f} deliveries/s; "
        f"signing alone {signing:.3f} s; fan-out/signing {fanout / signing:.2f}x "
        f"(target at most {TARGET_FACTOR:.0f}x: {verdict}); in CPU time {cpu_ratio:.2f}x"
    )
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; the defaults are the recorded configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--actors-per-host", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="timed fan-outs, one note each")
    parser.add_argument(
        "--profile", metavar="FILE", help="write a cProfile of the timed fan-outs to FILE"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
