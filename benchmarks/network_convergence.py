"""One network: how long until every node shows the process's counts, and deliveries per act.

Run (scaled size, under a minute on 2 cores):
    .venv/bin/python benchmarks/network_convergence.py --nodes 4 --residents 100 \
        --proposals 20 --supports 1000 --comments 500
Full size of issue 9 (the defaults): 10 nodes, 1,000 residents, 200 proposals,
10,000 supports, 5,000 comments.

N real nodes run in this process on 127.0.0.1 (``node.runner.start_node``,
run_workers=False) and talk HTTP with signatures to each other; their delivery
workers are stepped round-robin until idle, as ``tests/integration/conftest.py``
``deliver`` does, so nothing waits on a retry timer. Each step first runs the
node's periodic job for batched support counts on the real clock
(``publish_due_support_counts``: one Update per proposal whose count changed
at least ``SUPPORT_COUNT_DELAY`` seconds ago), and the run waits for that delay
when only batched counts are left, so convergence includes it. Node 0 hosts an open advise
process; every other node's organisation follows it. Residents are spread
evenly over the nodes. Proposals are set up before the timed part (half through
``create_proposal``, the web form's call, half as app posts mentioning the
process through ``post_note``), and every node knows all of them.

Timed part: every support and comment is made on its author's own node through
the calls the web forms and the client API make: supports alternately through
``node/participation/supports.py`` ``support`` (web form) and
``node/social_actions.py`` ``like`` (a Mastodon app's favourite); comments
alternately through ``node/participation/comments.py`` ``post_comment`` (web
form) and ``post_note`` replying to the proposal (an app reply). Then the
workers are stepped; after each round the script checks

(a) the process's node: every support counted and every comment stored there
    (the baseline: the time the process's node needs to ingest the acts), and
(b) every node: supports per proposal as the process's node counts them.

Both are measured from the first act; the ratio b/a is the figure (target at
most 2). Deliveries are the rows each node added to its ``deliveries`` table
(``node/storage/deliveries.py``) in the timed part, by activity type; the
target is at most one delivery per (act, interested node), where the
interested nodes of an act are the N-1 nodes other than its author's.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from loopback import machine_description

from federation.actors import host_of
from node.clock import utc_now
from node.config import CONFIG_FILE
from node.participation import processes
from node.participation.comments import comments_of, post_comment
from node.participation.models import Process, phases_around
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.trail import publish_due_support_counts
from node.participation.transparency import support_count
from node.runner import RunningNode, dev_config, free_port, start_node
from node.setup import create_account, initialise
from node.social_actions import follow, like, post_note
from node.storage.actors import LocalActor

SLUG = "inspraak"
# The acts of weeks happen here within seconds: each node takes every other node's
# POSTs (one sender host each) and each resident posts several comments at once, far
# over the per-host and per-account allowances. The limiters still run on every act.
ALLOWANCE = "1000000/60"
UNHURRIED = "".join(
    f"\n[moderation.{table}]\n" + "".join(f'{action} = "{ALLOWANCE}"\n' for action in actions)
    for table, actions in (
        ("rates", ("inbox", "post", "support")),
        ("new_account_rates", ("post", "support")),
    )
)
# Stepping rounds before giving up on convergence: far more than a healthy run needs.
MAX_ROUNDS = 500
# Seconds to wait, when every worker is idle, for batched counts to fall due.
IDLE_WAIT = 0.2


@dataclass
class Resident:
    """A local account and the node it lives on."""

    home: RunningNode
    actor: LocalActor


async def step_one(running: RunningNode) -> int:
    """One node's periodic count Updates (those due on the real clock) and one step of its
    delivery worker; return the jobs it handled."""
    sent = await publish_due_support_counts(running.node.participation_services)
    report = await running.node.worker.run_once()
    return sent + report.delivered + report.handled_here + report.given_up


async def step(nodes: list[RunningNode]) -> int:
    """Step every node once; return the jobs they handled."""
    return sum([await step_one(running) for running in nodes])


async def counts_waiting(nodes: list[RunningNode]) -> bool:
    """Whether a support count waits for its batching delay to pass on some node."""
    for running in nodes:
        if await running.node.participation_store.changed_counts.due(float("inf")):
            return True
    return False


async def settle(nodes: list[RunningNode]) -> None:
    """Step all workers until nothing is left to send, waiting out the count batching."""
    for _ in range(MAX_ROUNDS):
        if await step(nodes) == 0:
            if not await counts_waiting(nodes):
                return
            await asyncio.sleep(IDLE_WAIT)
    raise RuntimeError("deliveries did not settle")


async def start_network(root: Path, count: int) -> list[RunningNode]:
    """Node 0 is the municipality hosting the process, the others neighbourhood nodes."""
    nodes = []
    for index in range(count):
        handle = "gemeente" if index == 0 else f"wijk{index}"
        kind = "municipality" if index == 0 else "collective"
        config = dev_config(handle, handle.title(), free_port(), kind, False)
        await initialise(root / handle, config)
        with (root / handle / CONFIG_FILE).open("a", encoding="utf-8") as toml:
            toml.write(UNHURRIED)
        nodes.append(await start_node(root / handle, config, run_workers=False))
    return nodes


async def known_processes(nodes: list[RunningNode], process: Process) -> list[Process]:
    """The process as each node knows it, after every organisation followed it."""
    for running in nodes[1:]:
        node = running.node
        await follow(node.social_services, await node.organisation(), process.uri)
    await settle(nodes)
    known = [process]
    for running in nodes[1:]:
        remote = await processes.known_process(
            running.node.participation_services, process.uri, fetch=True
        )
        assert remote is not None
        known.append(remote)
    return known


async def make_residents(nodes: list[RunningNode], count: int) -> list[Resident]:
    """Residents spread round-robin over the nodes."""
    residents = []
    for index in range(count):
        home = nodes[index % len(nodes)]
        created = await create_account(
            home.node.db, home.node.urls, f"bewoner{index}", "resident", "wachtwoord-123"
        )
        residents.append(Resident(home, created.actor))
    return residents


async def make_proposals(
    nodes: list[RunningNode], known: list[Process], residents: list[Resident], count: int
) -> list[str]:
    """Proposals by residents of every node, half from the web form, half from an app."""
    handle = f"@{SLUG}@{nodes[0].node.urls.host}"
    uris = []
    for index in range(count):
        author = residents[index % len(residents)]
        process = known[nodes.index(author.home)]
        title = f"Voorstel {index}"
        if index % 2 == 0:
            services = author.home.node.participation_services
            proposal = await create_proposal(services, author.actor, process, title, "Tekst.")
            uris.append(proposal.uri)
        else:
            document = await post_note(
                author.home.node.social_services,
                author.actor,
                f"<p>{handle} {title}</p><p>Tekst.</p>",
                mentions=[process.uri],
            )
            uris.append(document["id"])
    await settle(nodes)
    return uris


async def counts_on(running: RunningNode, process: Process, uris: list[str]) -> list[int]:
    """Supports per proposal as ``running`` shows them."""
    services = running.node.participation_services
    shown = []
    for uri in uris:
        proposal = await services.store.get_proposal(uri)
        shown.append(-1 if proposal is None else await support_count(services, process, proposal))
    return shown


async def comment_total(running: RunningNode, uris: list[str]) -> int:
    """Comments under the proposals as ``running`` shows them."""
    services = running.node.participation_services
    return sum([len(await comments_of(services, uri)) for uri in uris])


async def delivery_rows(running: RunningNode, after: int) -> Counter[str]:
    """Deliveries to other servers a node queued after row ``after``, by activity type and
    sender: the process, or a resident or node actor (rows for the node's own inbox,
    ``deliver_locally``, are no network traffic)."""
    rows = await running.node.db.fetch_all(
        "SELECT o.type, o.actor FROM deliveries d JOIN outbox o ON o.uri = d.activity"
        " WHERE d.id > ? AND d.host != ?",
        (after, running.node.urls.host),
    )
    process_uri = running.node.urls.actor(SLUG)
    return Counter(
        f"{row[0]} by the process"
        if row[1] == process_uri
        else f"{row[0]} by a resident or the node"
        for row in rows
    )


async def last_delivery(running: RunningNode) -> int:
    """The highest delivery row id of a node so far."""
    return int(await running.node.db.fetch_value("SELECT coalesce(max(id), 0) FROM deliveries"))


async def act(index: int, resident: Resident, uri: str, app_counts: bool) -> None:
    """One support, alternately from the web form and as an app's favourite.

    Where an app's favourite is never counted (``app_counts`` false) the web form
    is used: a favourite is addressed to the proposal's author only, so one of
    one's own proposal goes nowhere, and one by a resident of the process's node
    of a proposal written on another node reaches neither its own node's handlers
    nor, being of the process's node, a forward (RESULTS.md, "Issue 9").
    """
    node = resident.home.node
    if index % 2 == 0 or not app_counts:
        await support(node.participation_services, resident.actor, uri)
    else:
        await like(node.social_services, resident.actor, uri)


async def comment(index: int, resident: Resident, uri: str, process: Process) -> None:
    """One comment, alternately from the web form and as an app reply.

    The app reply keeps the process's mention, as a Mastodon app fills a reply with
    the handles the replied-to post mentions: without it a reply to one's own
    proposal reaches no other node, and one by a resident of the process's node to
    a proposal from elsewhere is not shared with the followers (RESULTS.md, "Issue 9").
    """
    node = resident.home.node
    if index % 2 == 0:
        await post_comment(node.participation_services, resident.actor, uri, f"Reactie {index}.")
    else:
        handle = f"@{SLUG}@{host_of(process.uri)}"
        await post_note(
            node.social_services,
            resident.actor,
            f"<p>{handle} Reactie {index}.</p>",
            in_reply_to=uri,
            mentions=[process.uri],
        )


async def run(args: argparse.Namespace) -> None:
    """Set up the network, time the acts to the process's node and to every node."""
    for line in machine_description():
        print(line)
    print(
        f"size: {args.nodes} nodes, {args.residents} residents, {args.proposals} proposals,"
        f" {args.supports} supports, {args.comments} comments"
    )
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        nodes = await start_network(Path(tmp), args.nodes)
        try:
            began = time.perf_counter()
            process = await processes.create_process(
                nodes[0].node.participation_services,
                slug=SLUG,
                title="Inspraak",
                archetype="advise",
                threshold_count=args.threshold or max(1, args.supports // args.proposals),
                phases=phases_around(utc_now(), ("proposing", -34, 10)),
            )
            known = await known_processes(nodes, process)
            residents = await make_residents(nodes, args.residents)
            uris = await make_proposals(nodes, known, residents, args.proposals)
            for running, knows in zip(nodes, known, strict=True):
                shown = await counts_on(running, knows, uris)
                assert -1 not in shown, (running.node.config.handle, shown)
            print(f"setup: {time.perf_counter() - began:.1f} s")

            pairs = rng.sample(range(args.residents * args.proposals), args.supports)
            before = [await last_delivery(running) for running in nodes]
            started = time.perf_counter()
            for index, pair in enumerate(pairs):
                resident = residents[pair // args.proposals]
                proposal = pair % args.proposals
                author = residents[proposal % args.residents]
                app_counts = resident is not author and resident.home is not nodes[0]
                await act(index, resident, uris[proposal], app_counts)
            for index in range(args.comments):
                resident = rng.choice(residents)
                await comment(index, resident, rng.choice(uris), known[nodes.index(resident.home)])
            issued = time.perf_counter() - started

            ingested = converged = None
            steps = 0
            final: list[int] = []
            # Checked after each node's step: run_once sends everything due, and a
            # node ingests what others send during their step.
            while converged is None and steps < MAX_ROUNDS * len(nodes):
                running = nodes[steps % len(nodes)]
                handled = await step_one(running)
                steps += 1
                final = await counts_on(nodes[0], process, uris)
                if ingested is None and sum(final) == args.supports:
                    if await comment_total(nodes[0], uris) == args.comments:
                        ingested = time.perf_counter() - started
                if ingested is not None:
                    shown = [await counts_on(r, k, uris) for r, k in zip(nodes, known, strict=True)]
                    if all(counts == final for counts in shown):
                        converged = time.perf_counter() - started
                if handled == 0 and steps % len(nodes) == 0 and await step(nodes) == 0:
                    if not await counts_waiting(nodes):
                        break
                    # A real node's periodic job sends the batched counts once their
                    # delay has passed; the wait is part of the convergence time.
                    await asyncio.sleep(IDLE_WAIT)
            await settle(nodes)
            settled = time.perf_counter() - started
            comments_seen = [await comment_total(running, uris) for running in nodes]
            deliveries: Counter[str] = Counter()
            for running, after in zip(nodes, before, strict=True):
                deliveries.update(await delivery_rows(running, after))
        finally:
            for running in reversed(nodes):
                await running.stop()

    print(f"acts issued on their own nodes: {issued:.2f} s")
    print(f"worker steps (one node each): {steps}")
    if ingested is None or converged is None:
        print(f"did not converge: ingested={ingested}, converged={converged}")
        print(f"process's node counts {sum(final)} supports, comments shown {comments_seen}")
        return
    print(f"(a) process's node ingested every act: {ingested:.2f} s")
    print(f"(b) every node shows the final counts: {converged:.2f} s")
    ratio = converged / ingested
    print(f"ratio b/a: {ratio:.2f} (target at most 2: {'met' if ratio <= 2 else 'missed'})")
    print(f"all deliveries sent: {settled:.2f} s")
    print(f"comments shown per node: {comments_seen} of {args.comments}")
    acts = args.supports + args.comments
    pairs_due = acts * (args.nodes - 1)
    print(f"deliveries queued: {deliveries.total()} for {acts} acts x {args.nodes - 1} nodes")
    for kind, number in sorted(deliveries.items()):
        print(f"  {kind}: {number} ({number / pairs_due:.2f} per act and node)")
    per_pair = deliveries.total() / pairs_due
    verdict = "met" if per_pair <= 1 else "missed"
    print(f"deliveries per (act, interested node): {per_pair:.2f} (target at most 1: {verdict})")


def main() -> None:
    """Parse the sizes and run; the defaults are issue 9's full size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--residents", type=int, default=1_000)
    parser.add_argument("--proposals", type=int, default=200)
    parser.add_argument("--supports", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=5_000)
    parser.add_argument(
        "--threshold", type=int, default=0, help="supports a proposal needs (default: the mean)"
    )
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    if args.supports > args.residents * args.proposals:
        sys.exit("more supports than (resident, proposal) pairs")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
