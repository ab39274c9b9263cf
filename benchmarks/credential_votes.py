"""Votes with a registrar's credential through the inbox, against plain poll votes.

Run: /tmp/venv/bin/python benchmarks/credential_votes.py

Issue 11 asks that counting one vote per credential pseudonym costs little:
votes in a process under an agreement, each carrying a credential that the
node checks (the registrar the agreement names for the area, the signature by
the registrar's key, the process, the expiry, withdrawal) and counts under its
pseudonym, at no less than 90 % of the rate of the plain vote ingest of
``votes_ingest.py``, measured in the same run against the same node.

The **registrar** is a real municipality node in this process
(``start_node``): it imports a register of ``--slots`` register slots
(addresses with two registered residents each), binds ``--verified`` of them
to actors (the voters and others), and issues each voter a credential for the
delegated process with ``issue_credential``, its real code path (untimed
set-up). Its organisation actor, with its key, is served on loopback.

The **counting node** runs in its own process, as in ``votes_ingest.py``: an
``open`` process with a vote (the plain ingest), and a ``decide`` process
under an accepted agreement that names the registrar for postcode area 9722,
with a vote. Both agreement copies are written through the agreement store
(the Offer/Accept exchange itself is tested in tests/integration/test_agreements.py).

The **voters** are ``votes_ingest.py``'s Mastodon-shaped actors on loopback
hosts. Every voter first casts one plain vote (untimed: the node fetches every
actor once); then chunks alternate, each one vote per voter: credential votes
to the delegated question, plain votes to the open one. Requests are
pre-signed before each timed chunk.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from inbox_throughput import fire
from loopback import machine_description, stop_after
from votes_ingest import (
    Measured,
    NodeUnderTest,
    Poll,
    TimedChunks,
    Voter,
    node_under_load,
    open_question,
    presign_votes,
    run_profiled,
    voter_hosts,
)

from node.clock import iso, iso_now, utc_now
from node.node import Node
from node.participation.agreements import agreement_document
from node.participation.credentials import issue_credential
from node.participation.models import (
    Address,
    Agreement,
    AgreementArea,
    Budget,
    HouseNumber,
    Money,
    Phase,
    address_key,
)
from node.runner import RunningNode, dev_config, free_port, start_node
from node.setup import initialise

TARGET_RATIO = 0.90
HARD_LIMIT = 175.0
AREA = "9722"


def register(slots: int) -> list[Address]:
    """Synthetic homes in postcode area 9722 with two registered residents each."""
    homes = []
    letters = [f"{a}{b}" for a in "ABCDEFGHJKLMNPRSTVWXZ" for b in "ABCDEFGHJKLMNPRSTVWXZ"]
    for n in range((slots + 1) // 2):
        postcode = f"{AREA}{letters[n // 200 % len(letters)]}"
        homes.append(
            Address(
                postcode,
                HouseNumber(n % 200 + 1, "", str(n // 200 // len(letters) or "")),
                "Benchmarkstraat",
                "Groningen",
                "De Wijert",
                2,
            )
        )
    return homes


def agreement_between(registrar: str, neighbourhood: str, uri: str) -> Agreement:
    """The accepted agreement that delegates the wijkbudget, the registrar named for 9722."""
    now = utc_now()
    return Agreement(
        uri=uri,
        municipality=registrar,
        neighbourhood=neighbourhood,
        theme="Wijkbudget benchmark",
        delegates=("decide",),
        budget=Money(50000, "EUR"),
        areas=(AgreementArea(AREA, "De Wijert", registrar),),
        start=iso(now - timedelta(days=30)),
        end=iso(now + timedelta(days=300)),
        state="offered",
        offered_at=iso_now(),
    )


async def keep_agreement(node: Node, agreement: Agreement) -> None:
    """Store the agreement on a party's node, accepted."""
    store = node.participation_services.agreements
    await store.add(agreement, agreement_document(agreement), agreement.municipality)
    await store.move(agreement.uri, "offered", "accepted", agreement.neighbourhood, iso_now(), "")


async def delegated_question(node: Node, agreement: Agreement) -> Poll:
    """A decide process under the agreement, in its voting phase, with one vote open."""
    now = utc_now()
    question = await open_question(
        node,
        slug="wijkbudget",
        title="Wijkbudget",
        archetype="decide",
        eligibility="verified-local",
        budget=Budget(20000, "EUR", 1, 3),
        phases=(
            Phase("proposing", iso(now - timedelta(days=20)), iso(now - timedelta(days=10))),
            Phase("voting", iso(now - timedelta(days=10)), iso(now + timedelta(days=10))),
        ),
        agreement=agreement.uri,
    )
    return Poll.of(node, question)


def run_counting_node(port: int, data_dir: str, conn: Connection, profile: str | None) -> None:
    """Child process: the node that counts, under cProfile with ``profile``."""
    run_profiled(_serve_counting_node(port, Path(data_dir), conn), profile)


async def _serve_counting_node(port: int, data_dir: Path, conn: Connection) -> None:
    running = await node_under_load(data_dir, dev_config("wijert", "Wijkdeal", port))
    node = running.node
    conn.send((Poll.of(node, await open_question(node)), (await node.organisation()).uri))
    agreement = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    await keep_agreement(node, agreement)
    conn.send(await delegated_question(node, agreement))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    conn.send(await stored(node))
    await running.stop()


async def stored(node: Node) -> dict[str, Any]:
    """What the counting node stored per question: votes per option, and pseudonyms."""
    rows = await node.db.fetch_all(
        "SELECT question_uri, option, COUNT(*) AS n, COUNT(DISTINCT pseudonym) AS p"
        " FROM votes GROUP BY question_uri, option"
    )
    counts: dict[str, Any] = {}
    for r in rows:
        counts.setdefault(r["question_uri"], {})[r["option"]] = (r["n"], r["p"])
    return counts


class CountingNode(NodeUnderTest):
    """The counting node in its own process, with its two votes."""

    def __init__(self, data_dir: Path, profile: str | None) -> None:
        super().__init__(data_dir, profile, run_counting_node)

    async def exchange(self, message: object) -> Any:
        """Send the child a message and wait for its answer."""
        self._conn.send(message)
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)


async def registrar_node(directory: Path, args: argparse.Namespace) -> RunningNode:
    """The municipality as registrar, with its register imported."""
    config = dev_config("gemeente", "Gemeente", free_port(), "municipality")
    await initialise(directory, config)
    running = await start_node(directory, config, run_workers=False)
    await running.node.addresses.replace_all(register(args.slots))
    return running


async def verify_residents(registrar: RunningNode, voters: list[Voter], verified: int) -> None:
    """Bind ``verified`` register slots: the voters first, then other residents."""
    node = registrar.node
    store = node.participation_services.register
    homes = await node.db.fetch_all(
        "SELECT postcode, house_number, addition FROM addresses ORDER BY rowid LIMIT ?",
        ((verified + 1) // 2,),
    )
    actors = [v.actor for v in voters] + [
        f"http://elders.invalid/users/bewoner{n}" for n in range(verified - len(voters))
    ]
    async with node.db.transaction():
        for n, actor in enumerate(actors):
            home = homes[n // 2]
            key = address_key(
                home["postcode"], HouseNumber(home["house_number"], "", home["addition"])
            )
            await store.bind(key, n % 2 + 1, AREA, actor, "address-register", iso_now())


async def main(args: argparse.Namespace) -> int:
    """Measure credential votes and plain votes against the same node; print the ratio."""
    stop_after(HARD_LIMIT)
    for line in machine_description():
        print(line)
    voters, runners = await voter_hosts(args.hosts, args.voters // args.hosts)
    with tempfile.TemporaryDirectory(prefix="samenspraak-credential-bench-") as data_dir:
        registrar = await registrar_node(Path(data_dir) / "gemeente", args)
        node = CountingNode(Path(data_dir) / "wijert", args.profile)
        try:
            plain_poll, neighbourhood = await node.open_poll()
            registrar_actor = (await registrar.node.organisation()).uri
            agreement = agreement_between(
                registrar_actor, neighbourhood, f"{registrar.base_url}/agreements/bench"
            )
            await keep_agreement(registrar.node, agreement)
            poll = await node.exchange(agreement)
            started = time.perf_counter()
            await verify_residents(registrar, voters, args.verified)
            # One transaction for the set-up's many issuances, as a batch job would.
            async with registrar.node.db.transaction():
                credentials = {
                    v.actor: await issue_credential(
                        registrar.node.participation_services, v.actor, poll.process
                    )
                    for v in voters
                }
            print(
                f"registrar: {args.slots:,} register slots, {args.verified:,} bound, "
                f"{len(credentials):,} credentials issued in {time.perf_counter() - started:.1f} s"
            )
            connector = aiohttp.TCPConnector(limit=args.connections)
            async with aiohttp.ClientSession(connector=connector) as session:
                credential, plain, choices = await measure(
                    args, session, node, (poll, plain_poll), voters, credentials
                )
            counts = await node.stop()
        finally:
            await registrar.stop()
            for runner in runners:
                await runner.cleanup()
    for measured in (credential, plain):
        print(measured.line())
    print(f"node stored (votes, pseudonyms) per option: {counts.get(poll.question)}")
    # On a shared machine the rates swing with the other load; the node's own CPU time
    # per POST is the steadier measure of what the credential check costs.
    print(
        f"node CPU per POST: credential votes {credential.cpu_per_post * 1e3:.2f} ms against"
        f" plain votes {plain.cpu_per_post * 1e3:.2f} ms: ratio"
        f" {plain.cpu_per_post / credential.cpu_per_post:.1%}"
    )
    print(credential.against(plain, TARGET_RATIO))
    # The last vote of each voter counts, once, under the voter's pseudonym.
    last = {n % len(voters): option for n, option in sorted(choices.items())}
    expected: dict[str, tuple[int, int]] = {}
    for option in last.values():
        votes, _ = expected.get(option, (0, 0))
        expected[option] = (votes + 1, votes + 1)
    complete = credential.accepted == credential.sent and counts.get(poll.question) == expected
    if not complete:
        print(f"not every credential vote was accepted and counted once: expected {expected}")
    return 0 if complete else 1


async def measure(
    args: argparse.Namespace,
    session: aiohttp.ClientSession,
    node: CountingNode,
    polls: tuple[Poll, Poll],
    voters: list[Voter],
    credentials: dict[str, str],
) -> tuple[Measured, Measured, dict[int, str]]:
    """Every voter's first plain vote (untimed), then alternating chunks of credential
    votes and plain votes, one vote per voter each, until done or out of time."""
    poll, plain_poll = polls
    choose = random.Random(2026).choice
    first = range(len(voters))
    warmup = presign_votes(plain_poll, voters, first, {n: "voor" for n in first})
    await fire(session, plain_poll.process_inbox, warmup, args.connections, args.budget)
    # Credential votes are numbered after every plain vote, so no two share an id.
    offset = len(voters) * (args.votes // len(voters) + 2)
    choices = {offset + n: choose(poll.options) for n in range(args.votes)}
    credential, plain = Measured("credential votes", []), Measured("plain votes", [])
    chunks = TimedChunks(session, node, args.connections, time.perf_counter() + args.budget)
    for chunk, start in enumerate(range(offset, offset + args.votes, len(voters)), 1):
        if chunks.left() <= 0:
            break
        numbers = range(start, min(start + len(voters), offset + args.votes))
        posts = presign_votes(poll, voters, numbers, choices, credentials)
        result = await chunks.post(
            f"chunk {chunk} credential votes", poll.process_inbox, posts, credential
        )
        if result.sent < len(numbers):
            choices = {n: c for n, c in choices.items() if n < start + result.sent}
            break
        plain_numbers = range(len(voters) * chunk, len(voters) * (chunk + 1))
        posts = presign_votes(
            plain_poll,
            voters,
            plain_numbers,
            {n: choose(plain_poll.options) for n in plain_numbers},
        )
        await chunks.post(f"chunk {chunk} plain votes", plain_poll.process_inbox, posts, plain)
    sent = offset + sum(r.sent for r in credential.results)
    return credential, plain, {n: c for n, c in choices.items() if n < sent}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; the defaults are the recorded configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=100_000, help="register slots")
    parser.add_argument("--verified", type=int, default=20_000, help="slots bound to actors")
    parser.add_argument("--votes", type=int, default=100_000, help="credential votes planned")
    parser.add_argument("--voters", type=int, default=2_000, help="distinct voter actors")
    parser.add_argument("--hosts", type=int, default=4, help="loopback hosts serving voters")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds for the chunks")
    parser.add_argument(
        "--profile", metavar="PATH", help="run the node under cProfile, writing its stats to PATH"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
