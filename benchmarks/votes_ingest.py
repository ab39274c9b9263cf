"""Votes through the inbox: Mastodon-shaped poll votes per second, against plain Create(Note)s.

Run: /tmp/venv/bin/python benchmarks/votes_ingest.py

The node under test runs in its own process (``node.runner.start_node``,
run_workers=False), the load generator in this one. The node hosts an ``open``
process in its voting phase with one proposal put to the vote (``open_vote``:
its Question is published). The process has no followers, so a vote's
``Update`` of the Question goes only to the voters (see RESULTS.md).

Votes arrive as Mastodon sends them: ``Create{Note{name: option, inReplyTo:
Question, attributedTo: voter}}``, addressed only to the process and POSTed to
the process actor's personal inbox, signed (draft-cavage rsa-sha256). The
voters are Mastodon-shaped ``Person`` actors served by small loopback apps, one
per voter host; every voter casts one vote, then changes it several times (a
changed vote replaces the earlier one). In the same run, against the same node
and with the same generator, plain Create(Note)s are POSTed to the shared inbox
exactly as ``inbox_throughput.py`` does; the two kinds alternate in chunks.

Requests are pre-signed chunk by chunk before each timed chunk, so signing
does not slow the node; only the POSTs are timed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import random
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from inbox_throughput import (
    INBOX_ALLOWANCE,
    LoadResult,
    ServerUnderTest,
    SignedPost,
    fire,
    presign,
    report,
    sender_app,
)
from loopback import ACTIVITY_JSON, MASTODON_CONTEXT, machine_description, serve, stop_after

from activitypub.keys import KeyPair, generate_key_pair
from activitypub.signatures import sign_request
from node.clock import iso, utc_now
from node.config import CONFIG_FILE, NodeConfig
from node.node import Node
from node.participation.models import Phase, Question
from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.voting import open_vote
from node.runner import RunningNode, dev_config, free_port, start_node
from node.setup import initialise

TARGET_RATIO = 0.50
# Each script must end by itself within about three minutes, whatever happens.
HARD_LIMIT = 175.0
# Signing keys shared round-robin by the voters: generating one per voter would
# take longer than the benchmark; every voter still has its own actor and key id.
KEY_POOL = 32


async def open_question(node: Node, **process: Any) -> Question:
    """A process in its voting phase with one proposal put to the vote: an open advisory
    one, unless ``process`` says otherwise (``create_process``'s fields)."""
    now = utc_now()
    fields: dict[str, Any] = {
        "slug": "verkeersplan",
        "title": "Verkeersplan",
        "archetype": "advise",
        "eligibility": "open",
        "threshold_count": 1,
        "electorate_size": 100_000,
        "phases": (
            Phase("proposing", iso(now - timedelta(days=30)), iso(now - timedelta(days=20))),
            Phase("supporting", iso(now - timedelta(days=20)), iso(now - timedelta(days=10))),
            Phase("voting", iso(now - timedelta(days=10)), iso(now + timedelta(days=10))),
        ),
        "current_phase": "proposing",
    }
    created = await create_process(node.participation_services, **(fields | process))
    proposal = await create_proposal(
        node.participation_services,
        await node.organisation(),
        created,
        "Autoluwe binnenstad",
        "Voorstel: de binnenstad wordt autoluw.",
    )
    await set_phase(node.participation_services, created, "voting")
    return await open_vote(node.participation_services, proposal.uri, iso(now + timedelta(days=7)))


@dataclass(frozen=True)
class Poll:
    """What the generator needs to know of the node's vote."""

    question: str
    options: tuple[str, ...]
    process: str
    process_inbox: str
    shared_inbox: str

    @classmethod
    def of(cls, node: Node, question: Question) -> Poll:
        """The poll of a question the node hosts."""
        return cls(
            question=question.uri,
            options=question.options,
            process=question.process_uri,
            process_inbox=node.urls.inbox(question.process_uri.rsplit("/", 1)[1]),
            shared_inbox=node.urls.shared_inbox(),
        )


def run_node(port: int, data_dir: str, conn: Connection, profile: str | None) -> None:
    """Child process: serve the node until told to stop, then report what it stored.

    With ``profile`` the node runs under cProfile and writes its stats there.
    """
    run_profiled(_serve_node(port, Path(data_dir), conn), profile)


def run_profiled(serving: Coroutine[Any, Any, None], profile: str | None) -> None:
    """Run a child's node until it stops; with ``profile``, under cProfile, writing its
    stats there."""
    if profile is None:
        asyncio.run(serving)
        return
    with cProfile.Profile() as profiler:
        asyncio.run(serving)
    profiler.dump_stats(profile)


async def node_under_load(data_dir: Path, config: NodeConfig) -> RunningNode:
    """A new node serving without workers, its inbox allowance raised for the load."""
    await initialise(data_dir, config)
    # All load comes from a few sender hosts, far over the default allowance of a
    # host; the limiter still runs on every POST.
    with (data_dir / CONFIG_FILE).open("a", encoding="utf-8") as toml:
        toml.write(f'\n[moderation.rates]\ninbox = "{INBOX_ALLOWANCE}"\n')
    return await start_node(data_dir, config, run_workers=False)


async def _serve_node(port: int, data_dir: Path, conn: Connection) -> None:
    running = await node_under_load(data_dir, dev_config("stembus", "Stembus", port))
    node = running.node
    question = await open_question(node)
    conn.send(Poll.of(node, question))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    db = node.db
    rows = await db.fetch_all(
        "SELECT option, COUNT(*) AS n FROM votes WHERE question_uri = ? GROUP BY option",
        (question.uri,),
    )
    counts = {
        "stored_votes": {r["option"]: r["n"] for r in rows},
        "stored_remote_notes": await db.fetch_value(
            "SELECT COUNT(*) FROM objects WHERE local = 0 AND as_type = 'Note'"
        ),
        "inbox_log": await db.fetch_value("SELECT COUNT(*) FROM inbox_log"),
        "queued_deliveries": await db.fetch_value("SELECT COUNT(*) FROM deliveries"),
    }
    await running.stop()
    conn.send(counts)


@dataclass(frozen=True)
class Voter:
    """A voter actor on one of the loopback voter hosts."""

    actor: str
    keys: KeyPair


def mastodon_vote(
    voter: str, number: int, poll: Poll, option: str, credential: str | None = None
) -> dict[str, Any]:
    """A poll vote shaped as Mastodon sends it (ActivityPub::VoteSerializer); with a
    ``credential`` as a Samenspraak node sends a vote in a process under an agreement."""
    vote = f"{voter}#votes/{number}"
    note: dict[str, Any] = {
        "id": vote,
        "type": "Note",
        "name": option,
        "attributedTo": voter,
        "inReplyTo": poll.question,
        "to": [poll.process],
    }
    if credential is not None:
        note["credential"] = credential
    return {
        "@context": MASTODON_CONTEXT,
        "id": f"{vote}/activity",
        "type": "Create",
        "actor": voter,
        "to": [poll.process],
        "object": note,
    }


def presign_votes(
    poll: Poll,
    voters: list[Voter],
    numbers: range,
    choices: dict[int, str],
    credentials: dict[str, str] | None = None,
) -> list[SignedPost]:
    """Signed votes, round-robin over the voters: vote ``n`` is cast by voter ``n % len``,
    carrying the voter's credential when ``credentials`` are given."""
    posts = []
    for number in numbers:
        voter = voters[number % len(voters)]
        credential = credentials[voter.actor] if credentials is not None else None
        vote = mastodon_vote(voter.actor, number, poll, choices[number], credential)
        body = json.dumps(vote).encode()
        headers = sign_request(
            method="POST",
            url=poll.process_inbox,
            body=body,
            key_id=f"{voter.actor}#main-key",
            private_key_pem=voter.keys.private_pem,
            content_type=ACTIVITY_JSON,
        )
        posts.append(SignedPost(body, headers))
    return posts


async def voter_hosts(hosts: int, per_host: int) -> tuple[list[Voter], list[web.AppRunner]]:
    """Serve ``hosts`` loopback apps with ``per_host`` voter actors each."""
    pool = [generate_key_pair() for _ in range(KEY_POOL)]
    voters, runners = [], []
    for host in range(hosts):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        names = {
            f"kiezer{host}x{n}": pool[(host * per_host + n) % KEY_POOL] for n in range(per_host)
        }
        runners.append(await serve(sender_app(base, names), port))
        voters += [Voter(f"{base}/users/{name}", keys) for name, keys in names.items()]
    # Interleave the hosts, so consecutive votes come from different hosts.
    voters.sort(key=lambda v: (int(v.actor.rsplit("x", 1)[1]), v.actor))
    return voters, runners


@dataclass
class Measured:
    """The timed chunks of one kind of POST."""

    name: str
    results: list[LoadResult]

    @property
    def sent(self) -> int:
        """POSTs sent over all chunks."""
        return sum(r.sent for r in self.results)

    @property
    def accepted(self) -> int:
        """202 answers over all chunks."""
        return sum(r.statuses[202] for r in self.results)

    @property
    def elapsed(self) -> float:
        """Seconds of POSTing over all chunks."""
        return sum(r.elapsed for r in self.results)

    @property
    def cpu_per_post(self) -> float:
        """The node's CPU seconds (all threads) per POST."""
        return sum(r.server_cpu for r in self.results) / self.sent if self.sent else 0.0

    @property
    def rate(self) -> float:
        """Accepted POSTs per second of POSTing."""
        return self.accepted / self.elapsed if self.elapsed else 0.0

    def line(self) -> str:
        """What was sent, accepted, how fast and at what CPU cost, in one line."""
        return (
            f"{self.name}: {self.accepted:,} of {self.sent:,} accepted in "
            f"{self.elapsed:.1f} s = {self.rate:,.0f}/s; "
            f"node CPU {self.cpu_per_post * 1e3:,.2f} ms per POST"
        )

    def against(self, baseline: Measured, target: float) -> str:
        """This rate as a share of the baseline's in the same run, with the verdict."""
        ratio = self.rate / baseline.rate
        return (
            f"{self.name} {self.rate:,.0f}/s against {baseline.name} {baseline.rate:,.0f}/s in"
            f" the same run: ratio {ratio:.1%} (target at least {target:.0%}:"
            f" {'met' if ratio >= target else 'missed'})"
        )


class NodeUnderTest(ServerUnderTest):
    """The node in its own process, with the poll it hosts; stopped and measured (CPU
    time) as the inbox benchmark's servers are."""

    def __init__(
        self, data_dir: Path, profile: str | None, target: Callable[..., None] | None = None
    ) -> None:
        self.kind = "node"
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            daemon=True,
            target=target or run_node,
            args=(free_port(), str(data_dir), child, profile),
        )
        self.results = []

    async def open_poll(self) -> Poll:
        """Start the process and wait until it serves its open vote."""
        self._process.start()
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    async def post(
        self,
        session: aiohttp.ClientSession,
        inbox: str,
        posts: list[SignedPost],
        connections: int,
        time_limit: float,
    ) -> LoadResult:
        """``fire`` the posts, noting the node's CPU time they cost."""
        cpu_before = self.cpu_seconds()
        result = await fire(session, inbox, posts, connections, time_limit)
        result.server_cpu = self.cpu_seconds() - cpu_before
        return result


@dataclass
class TimedChunks:
    """Chunks of POSTs to the node under test within one time budget, each measured,
    recorded with its kind and reported as it ends."""

    session: aiohttp.ClientSession
    node: NodeUnderTest
    connections: int
    deadline: float

    def left(self) -> float:
        """Seconds left of the budget."""
        return self.deadline - time.perf_counter()

    async def post(
        self, label: str, inbox: str, posts: list[SignedPost], into: Measured
    ) -> LoadResult:
        """POST one chunk in what is left of the budget (at least a second, so the second
        kind of a round is measured too), recorded in ``into``."""
        result = await self.node.post(
            self.session, inbox, posts, self.connections, max(self.left(), 1.0)
        )
        into.results.append(result)
        report(label, result)
        return result


async def measure(
    args: argparse.Namespace,
    session: aiohttp.ClientSession,
    node: NodeUnderTest,
    poll: Poll,
    voters: list[Voter],
    note_senders: tuple[str, dict[str, KeyPair]],
) -> tuple[Measured, Measured, Measured, dict[int, str]]:
    """Warm up with plain notes, then alternate vote chunks (one vote per voter) with
    plain-note chunks until every vote is sent or the time budget is spent.

    Returns the first votes, the changed votes, the plain notes and the option of every
    vote sent, by number.
    """
    base, senders = note_senders
    warmup = presign(poll.shared_inbox, base, senders, range(args.warmup), "warm-up")
    # One POST per sender first, so the node fetches each sender's key once.
    await fire(session, poll.shared_inbox, warmup[: len(senders)], 1, args.budget)
    await fire(session, poll.shared_inbox, warmup[len(senders) :], args.connections, args.budget)
    choose = random.Random(2026).choice
    choices = {number: choose(poll.options) for number in range(args.votes)}
    first, changed = Measured("first votes", []), Measured("changed votes", [])
    plain = Measured("plain notes", [])
    chunks = TimedChunks(session, node, args.connections, time.perf_counter() + args.budget)
    chunk = sent_until = 0
    for start in range(0, args.votes, len(voters)):
        if chunks.left() <= 0:
            break
        chunk += 1
        numbers = range(start, min(start + len(voters), args.votes))
        result = await chunks.post(
            f"chunk {chunk} votes {numbers.start:,}-{numbers.stop - 1:,}",
            poll.process_inbox,
            presign_votes(poll, voters, numbers, choices),
            first if start == 0 else changed,
        )
        sent_until = numbers.start + result.sent
        note_numbers = range(
            args.warmup + (chunk - 1) * args.notes, args.warmup + chunk * args.notes
        )
        notes = presign(poll.shared_inbox, base, senders, note_numbers, f"chunk {chunk}")
        await chunks.post(f"chunk {chunk} plain notes", poll.shared_inbox, notes, plain)
    return first, changed, plain, {n: c for n, c in choices.items() if n < sent_until}


def expected_tally(voters: int, choices: dict[int, str]) -> dict[str, int]:
    """The tally after the votes sent: the last vote of each voter counts."""
    last = {number % voters: option for number, option in sorted(choices.items())}
    counted: dict[str, int] = {}
    for option in last.values():
        counted[option] = counted.get(option, 0) + 1
    return counted


async def main(args: argparse.Namespace) -> int:
    """Measure votes and plain notes against the same node; print the ratio."""
    stop_after(HARD_LIMIT)
    for line in machine_description():
        print(line)
    sender_port = free_port()
    base = f"http://127.0.0.1:{sender_port}"
    senders = {f"sender{i}": generate_key_pair() for i in range(args.senders)}
    runners = [await serve(sender_app(base, senders), sender_port)]
    voters, voter_runners = await voter_hosts(args.hosts, args.voters // args.hosts)
    runners += voter_runners
    print(
        f"load: {args.votes:,} pre-signed Mastodon-shaped votes from {len(voters):,} distinct "
        f"voters on {args.hosts} hosts ({args.votes // len(voters)} votes each: one, then "
        f"changes) to the process inbox, in chunks of one vote per voter, each chunk followed "
        f"by {args.notes:,} plain Create(Note)s to /inbox from {args.senders} senders; "
        f"{args.connections} concurrent keep-alive connections; time budget {args.budget:.0f} s"
    )
    connector = aiohttp.TCPConnector(limit=args.connections)
    try:
        with tempfile.TemporaryDirectory(prefix="samenspraak-votes-bench-") as data_dir:
            node = NodeUnderTest(Path(data_dir) / "node", args.profile)
            poll = await node.open_poll()
            try:
                async with aiohttp.ClientSession(connector=connector) as session:
                    first, changed, plain, choices = await measure(
                        args, session, node, poll, voters, (base, senders)
                    )
            finally:
                counts = await node.stop()
    finally:
        for runner in runners:
            await runner.cleanup()
    votes = Measured("votes", first.results + changed.results)
    for measured in (first, changed, votes, plain):
        print(measured.line())
    if votes.sent < args.votes:
        print(f"time budget spent: {votes.sent:,} of {args.votes:,} votes sent")
    print(f"node stored: {counts}")
    print(votes.against(plain, TARGET_RATIO))
    expected = expected_tally(len(voters), choices)
    complete = (
        votes.accepted == votes.sent
        and plain.accepted == plain.sent
        and counts["stored_votes"] == expected
    )
    if not complete:
        print(f"not every POST was accepted and counted: expected tally {expected}")
    return 0 if complete else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; the defaults are the recorded configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--voters", type=int, default=2_000, help="distinct voter actors")
    parser.add_argument("--hosts", type=int, default=4, help="loopback hosts serving voters")
    parser.add_argument("--notes", type=int, default=1_000, help="plain notes after each chunk")
    parser.add_argument("--warmup", type=int, default=200, help="untimed plain notes")
    parser.add_argument("--senders", type=int, default=4, help="plain-note sender actors")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--budget", type=float, default=200.0, help="seconds for the chunks at most"
    )
    parser.add_argument(
        "--profile", metavar="PATH", help="run the node under cProfile, writing its stats to PATH"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
