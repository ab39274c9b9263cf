"""A city-scale run (issue 14): a municipality node on PostgreSQL in two web processes,
votes arriving from 20 voter hosts while residents read the process page.

Run (from benchmarks/): ../.venv/bin/python city_scale.py

The issue's figures are 200,000 residents, 50 processes, 5,000 proposals and
1,000,000 votes from 20 nodes. The register, the processes and the proposals are
seeded at that size; the votes are ``--votes`` of them (default 40,000, so a run fits
ten minutes of a shared two-core machine), and what 1,000,000 would take is
extrapolated from the measured rate, and said to be.

The **node** is a municipality node on a throwaway PostgreSQL cluster (Debian's server,
started as the test suite starts it), served as a deployment serves it, by
``samenspraak serve DIR --workers 2`` (the first process also runs the jobs: deliveries,
tally Updates). Before it serves, this script seeds it through the domain code in the
node's own directory: the address register (``AddressRegister.replace_all``, one
transaction of parsed rows: ``--residents`` residents, two per address), the processes
(``create_process``; every process is ``open``, so votes from any host count) and
their proposals (``create_proposal``, by the organisation, whose ``post`` allowance is
raised for it). One process moves to its voting phase and every one of its proposals
is put to the vote (``open_vote``).

The **voters** are ``votes_ingest.py``'s Mastodon-shaped actors on 20 loopback hosts
(``voter_hosts``), standing in for the residents' 20 nodes; the hosts also take the
node's deliveries back (its tally Updates). Each voter casts ``--per-voter`` votes,
each on another question, as Mastodon sends a poll vote: ``Create{Note{name,
inReplyTo: Question}}`` to the process's inbox, signed. All votes are pre-signed
before the window (untimed), then POSTed in ``--chunks`` timed chunks back to back,
so the rate of each chunk is a rate of the window.

Meanwhile a **reader** in a process of its own GETs the voting process's page
(``/processes/<slug>``, HTML, every proposal listed) at ``--page-rate`` per second;
the same reader measured the page before the votes began, with the node idle, so the
two latencies compare within one run. After the window: the stored votes against the
accepted ones, the database's size, and ``samenspraak backup`` timed while the node
still serves.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from inbox_throughput import LoadResult, SignedPost, fire, report
from inbox_workers import Server, initialise_for_load, serve_in_processes
from loopback import machine_description, stop_after
from votes_ingest import Poll, Voter, presign_votes, voter_hosts

from node.clock import iso, utc_now
from node.config import load_config
from node.node import Node, open_node
from node.participation.models import Address, HouseNumber, Phase
from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.voting import open_vote
from node.runner import dev_config, free_port
from node.storage.addresses import AddressRegister
from node.storage.database import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import _new_cluster

# The issue's city, for the record; the run seeds all but the votes at this size.
ISSUE_VOTES = 1_000_000
HARD_LIMIT = 900.0
RESIDENTS_PER_ADDRESS = 2
VOTING_SLUG = "stadsplan-00"
WARM_GETS = 6


def city_register(residents: int) -> Iterator[Address]:
    """Addresses for ``residents`` residents, two per address: 2,000 addresses per
    postcode area from 9700 up, 50 house numbers per postcode."""
    for i in range(residents // RESIDENTS_PER_ADDRESS):
        area, within = divmod(i, 2_000)
        street, number = divmod(within, 50)
        yield Address(
            postcode=f"{9700 + area}{chr(65 + street // 26)}{chr(65 + street % 26)}",
            house=HouseNumber(number + 1),
            street=f"Straat {area}-{street}",
            city="Stad",
            wijk=f"Wijk {area}",
            residents=RESIDENTS_PER_ADDRESS,
        )


def _phases(voting: bool) -> tuple[Phase, ...]:
    """The voting process's phases put it in its vote now; the others take proposals for
    ten more days (so the scheduler leaves them be during the run)."""
    now = utc_now()
    days = (-30, -20, -10, 10) if voting else (-10, 10, 20, 30)
    moments = [iso(now + timedelta(days=d)) for d in days]
    names = ("proposing", "supporting", "voting")
    return tuple(
        Phase(name, start, end)
        for name, start, end in zip(names, moments, moments[1:], strict=False)
    )


async def seed_city(node: Node, args: argparse.Namespace) -> list[Poll]:
    """The register, the processes with their proposals, and the vote on every proposal
    of the first process; print how long each took. Returns the polls."""
    started = time.perf_counter()
    stored = await AddressRegister(node.db).replace_all(list(city_register(args.residents)))
    print(
        f"seeded {stored:,} addresses ({stored * RESIDENTS_PER_ADDRESS:,} residents) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    services, organisation = node.participation_services, await node.organisation()
    per_process = args.proposals // args.processes
    polls = []
    for number in range(args.processes):
        voting = number == 0
        process = await create_process(
            services,
            slug=f"stadsplan-{number:02d}",
            title=f"Stadsplan {number}",
            archetype="advise",
            eligibility="open",
            threshold_count=100,
            electorate_size=args.residents,
            phases=_phases(voting),
            current_phase="proposing",
        )
        proposals = [
            await create_proposal(
                services,
                organisation,
                process,
                f"Voorstel {number}.{p}",
                f"Voorstel {p} voor stadsplan {number}: meer bomen in straat {p}.",
            )
            for p in range(per_process)
        ]
        if voting:
            await set_phase(services, process, "voting")
            end = iso(utc_now() + timedelta(days=7))
            for proposal in proposals:
                polls.append(Poll.of(node, await open_vote(services, proposal.uri, end)))
    print(
        f"seeded {args.processes} processes with {per_process * args.processes:,} proposals "
        f"through create_process and create_proposal, and opened {len(polls)} votes, in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return polls


def presign_window(
    polls: list[Poll], voters: list[Voter], per_voter: int
) -> tuple[list[SignedPost], int]:
    """Every vote of the window, signed, in the order they are sent; and how many.

    Vote ``n`` of round ``r`` is cast by voter ``n - r * len(voters)`` on question
    ``(voter + r) % len(polls)``, so a voter's votes go to ``per_voter`` distinct
    questions and consecutive votes to different questions and hosts.
    """
    count, questions = len(voters), len(polls)
    choose = random.Random(2026).choice
    numbered: list[tuple[int, SignedPost]] = []
    for round_number in range(per_voter):
        first = round_number * count
        for question, poll in enumerate(polls):
            numbers = range(first + (question - round_number) % questions, first + count, questions)
            choices = {n: choose(poll.options) for n in numbers}
            numbered += zip(numbers, presign_votes(poll, voters, numbers, choices), strict=True)
    numbered.sort(key=lambda pair: pair[0])
    return [post for _, post in numbered], len(numbered)


def read_page(url: str, interval: float, conn: Connection) -> None:
    """Child process: GET ``url`` every ``interval`` seconds (or right after the last
    answer, when it took longer) until told to stop; send back the latencies. The
    first few GETs are not timed."""

    async def run() -> list[float]:
        latencies: list[float] = []
        async with aiohttp.ClientSession() as session:
            # Untimed first GETs: each web process compiles its templates once.
            for _ in range(WARM_GETS):
                async with session.get(url) as resp:
                    await resp.read()
            conn.send("ready")
            while not conn.poll():
                started = time.perf_counter()
                async with session.get(url, headers={"Accept": "text/html"}) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"{url} answered {resp.status}")
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(max(0.0, interval - latencies[-1]))
        return latencies

    conn.send(asyncio.run(run()))


@dataclass
class Reader:
    """The page reader in a process of its own, started and stopped around a phase."""

    url: str
    interval: float

    async def start(self) -> None:
        """Start reading; return once the reader has started (imports take a while)."""
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=read_page, args=(self.url, self.interval, child), daemon=True
        )
        self._process.start()
        await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    async def stop(self) -> list[float]:
        """Stop reading; the latencies of every GET, in seconds."""
        self._conn.send("stop")
        latencies: list[float] = await asyncio.get_running_loop().run_in_executor(
            None, self._conn.recv
        )
        self._process.join(timeout=30)
        return latencies


def p95(latencies: list[float]) -> float:
    """The 95th percentile, within the measured range however few the samples."""
    return statistics.quantiles(latencies, n=20, method="inclusive")[-1]


def latency_line(label: str, latencies: list[float]) -> str:
    """Count, p50, p95 and max of page latencies, in ms."""
    return (
        f"{label}: {len(latencies)} GETs, p50 {statistics.median(latencies) * 1e3:,.0f} ms, "
        f"p95 {p95(latencies) * 1e3:,.0f} ms, max {max(latencies) * 1e3:,.0f} ms"
    )


async def vote_window(
    args: argparse.Namespace, server: Server, posts: list[SignedPost], inbox: str
) -> None:
    """POST the votes in ``args.chunks`` timed chunks back to back, each recorded in
    ``server.results`` with the CPU it cost the node and PostgreSQL."""
    size = -(-len(posts) // args.chunks)
    deadline = time.perf_counter() + args.budget
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        for start in range(0, len(posts), size):
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            cpu_before = server.cpu_seconds()
            result = await fire(session, inbox, posts[start : start + size], args.connections, left)
            result.server_cpu = server.cpu_seconds() - cpu_before
            server.results.append(result)
            report(f"votes {start:,}-{start + result.sent - 1:,}", result)


async def stored_counts(url: str, question_uris: list[str]) -> dict[str, Any]:
    """What the database holds after the window (the deliveries back to the voters'
    hosts by state), and its size."""
    db = await Database.open(url)
    try:
        marks = ", ".join("?" for _ in question_uris)
        return {
            "votes": await db.fetch_value(
                f"SELECT COUNT(*) FROM votes WHERE question_uri IN ({marks})", tuple(question_uris)
            ),
            "voter_question_pairs": await db.fetch_value(
                "SELECT COUNT(*) FROM (SELECT DISTINCT question_uri, voter FROM votes) AS pairs"
            ),
            "addresses": await db.fetch_value("SELECT COUNT(*) FROM addresses"),
            "deliveries": {
                row["state"]: row["n"]
                for row in await db.fetch_all(
                    "SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state"
                )
            },
            "database_bytes": await db.fetch_value("SELECT pg_database_size(current_database())"),
            "votes_table_bytes": await db.fetch_value("SELECT pg_total_relation_size('votes')"),
        }
    finally:
        await db.close()


def timed_backup(directory: Path, archive: Path) -> float:
    """Seconds ``samenspraak backup DIR FILE`` took."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "node.cli", "backup", str(directory), str(archive)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def window_summary(results: list[LoadResult], sent: int) -> list[str]:
    """The window's rates, the node's CPU per vote and the labelled extrapolation."""
    rates = [r.accepted_per_second for r in results]
    accepted = sum(r.statuses[202] for r in results)
    elapsed = sum(r.elapsed for r in results)
    cpu = sum(r.server_cpu for r in results)
    overall = accepted / elapsed if elapsed else 0.0
    hours = ISSUE_VOTES / overall / 3600 if overall else float("inf")
    return [
        f"window: {accepted:,} of {sent:,} votes accepted in {elapsed:.1f} s = {overall:,.0f}/s;"
        f" per chunk min {min(rates):,.0f}/s, median {statistics.median(rates):,.0f}/s;"
        f" node and PostgreSQL CPU {cpu / max(accepted, 1) * 1e3:.2f} ms per vote",
        f"extrapolated, not measured: {ISSUE_VOTES:,} votes at {overall:,.0f}/s take "
        f"{hours:.1f} h of sustained ingest",
    ]


async def main(args: argparse.Namespace) -> int:
    """Seed the city, serve it, let the votes come while reading the page, then count,
    size and back up."""
    stop_after(HARD_LIMIT)
    for line in machine_description():
        print(line)
    cluster = _new_cluster()
    cluster.start()
    process: asyncio.subprocess.Process | None = None
    voters, runners = await voter_hosts(args.hosts, args.votes // args.per_voter // args.hosts)
    try:
        with tempfile.TemporaryDirectory(prefix="samenspraak-city-bench-") as scratch:
            root = Path(scratch)
            directory, port = root / "gemeente", free_port()
            url = cluster.fresh_database(template="template0")
            config = dev_config("gemeente", "Gemeente Stad", port, kind="municipality")
            await initialise_for_load(
                directory, replace(config, database=url), {"post": "1000000/60"}
            )
            node = await open_node(directory, load_config(directory))
            try:
                polls = await seed_city(node, args)
            finally:
                await node.close()
            process = await serve_in_processes(directory, args.workers, root / "serve.log")
            # CPU of the node's processes and of this cluster only (the machine may run
            # other clusters): its postmaster's first line is its pid.
            postmaster = int((cluster.directory / "data" / "postmaster.pid").read_text().split()[0])
            server = Server("postgresql x2", polls[0].process_inbox, [process.pid, postmaster])
            reader = Reader(f"http://127.0.0.1:{port}/processes/{VOTING_SLUG}", 1 / args.page_rate)
            await reader.start()
            await asyncio.sleep(args.quiet)
            idle = await reader.stop()
            started = time.perf_counter()
            posts, sent = presign_window(polls, voters, args.per_voter)
            print(
                f"load: {sent:,} votes by {len(voters):,} voters on {args.hosts} hosts "
                f"({args.per_voter} each, on distinct questions of {len(polls)}), pre-signed in "
                f"{time.perf_counter() - started:.1f} s, POSTed in {args.chunks} chunks over "
                f"{args.connections} keep-alive connections; the page read "
                f"{args.page_rate:g}/s meanwhile"
            )
            await reader.start()
            await vote_window(args, server, posts, polls[0].process_inbox)
            loaded = await reader.stop()
            counts = await stored_counts(url, [poll.question for poll in polls])
            archive = root / "city.tar.gz"
            backup_seconds = timed_backup(directory, archive)
            backup_bytes = archive.stat().st_size
    finally:
        if process is not None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
        for runner in runners:
            await runner.cleanup()
        cluster.stop()
    for line in window_summary(server.results, sent):
        print(line)
    print(latency_line("process page, node idle", idle))
    print(latency_line("process page, during the votes", loaded))
    print(f"p95 during the votes / idle: {p95(loaded) / p95(idle):.1f}x")
    print(f"stored: {counts}")
    print(
        f"database {counts['database_bytes'] / 2**20:,.0f} MiB (votes table "
        f"{counts['votes_table_bytes'] / 2**20:,.0f} MiB); backup {backup_seconds:.1f} s, "
        f"archive {backup_bytes / 2**20:,.1f} MiB"
    )
    return _verdict(counts, sum(r.statuses[202] for r in server.results))


def _verdict(counts: dict[str, Any], accepted: int) -> int:
    """0 when every accepted vote is stored, once per voter and question; else 1, said."""
    if counts["votes"] == accepted == counts["voter_question_pairs"]:
        return 0
    print(f"stored votes do not match: {counts['votes']:,} stored, {accepted:,} accepted")
    return 1


# The options: name, default (whose type the option takes) and meaning; the defaults
# are the recorded configuration.
OPTIONS: tuple[tuple[str, float, str], ...] = (
    ("--votes", 40_000, f"votes in the window (the issue's city casts {ISSUE_VOTES:,})"),
    ("--residents", 200_000, "residents in the address register, two per address"),
    ("--processes", 50, "processes; the first is voting"),
    ("--proposals", 5_000, "proposals over all processes"),
    ("--per-voter", 5, "votes per voter, each on another question"),
    ("--hosts", 20, "loopback voter hosts (the residents' nodes)"),
    ("--workers", 2, "web processes of the node (serve --workers)"),
    ("--connections", 16, "concurrent keep-alive connections of the votes"),
    ("--chunks", 10, "timed chunks of the window"),
    ("--page-rate", 2.0, "page GETs per second"),
    ("--quiet", 20.0, "seconds of reading the page before the votes"),
    ("--budget", 420.0, "seconds for the vote window at most"),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options (``OPTIONS``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default, meaning in OPTIONS:
        parser.add_argument(name, type=type(default), default=default, help=meaning)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
