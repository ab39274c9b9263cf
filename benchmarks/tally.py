"""Tally of 1,000,000 stored votes: the node's tally path against a bare SQLite GROUP BY.

Run: /tmp/venv/bin/python benchmarks/tally.py

A real development node hosts an ``open`` process in its voting phase with one
proposal put to the vote (``open_vote``). Its ``votes`` table is then filled
directly with SQL (one ``executemany`` in one transaction) with 1,000,000 votes
of distinct voters for that question. Timed, in alternating repetitions:

* ``node``: ``current_tally``, the code path that computes the tallies the node
  publishes (the Question's ``oneOf``/``votersCount``, the result, the pages);
* ``bare``: ``SELECT option, COUNT(*) FROM votes WHERE question_uri = ? GROUP BY
  option`` on a plain ``sqlite3`` connection to the same database file.

The figure is the median of the repetitions; both must give the same counts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from loopback import machine_description, stop_after
from votes_ingest import open_question

from node.clock import iso_now
from node.node import Node
from node.participation.models import Question
from node.participation.voting import current_tally
from node.runner import dev_config, free_port, start_node

TARGET_RATIO = 2.0
HARD_LIMIT = 170.0
BARE_TALLY = "SELECT option, COUNT(*) FROM votes WHERE question_uri = ? GROUP BY option"


async def fill_votes(node: Node, question: Question, count: int) -> dict[str, int]:
    """Store ``count`` votes of distinct voters in one transaction; return the expected counts."""
    choose = random.Random(2026).choice
    cast_at = iso_now()
    expected = dict.fromkeys(question.options, 0)
    rows = []
    for number in range(count):
        option = choose(question.options)
        expected[option] += 1
        voter = f"http://127.0.0.{1 + number % 200}:8000/users/kiezer{number}"
        rows.append((question.uri, voter, option, f"{voter}#votes/{number}", cast_at))
    async with node.db.transaction():
        await node.db.executemany(
            "INSERT INTO votes (question_uri, voter, option, vote_id, cast_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return expected


def query_plan(database: Path, question_uri: str) -> str:
    """How SQLite runs the bare GROUP BY, in one line."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(f"EXPLAIN QUERY PLAN {BARE_TALLY}", (question_uri,)).fetchall()
    return "; ".join(row[-1] for row in rows)


def bare_tally(database: Path, question_uri: str) -> tuple[float, dict[str, int]]:
    """One bare GROUP BY on its own sqlite3 connection: seconds and counts."""
    with sqlite3.connect(database) as connection:
        start = time.perf_counter()
        counts = dict(connection.execute(BARE_TALLY, (question_uri,)).fetchall())
        return time.perf_counter() - start, counts


async def node_tally(node: Node, question: Question) -> tuple[float, dict[str, int]]:
    """One run of the node's tally path: seconds and counts."""
    start = time.perf_counter()
    tally = await current_tally(node.participation_services, question)
    elapsed = time.perf_counter() - start
    return elapsed, {t.option: t.count for t in tally.tallies if t.count}


async def main(args: argparse.Namespace) -> int:
    """Fill the votes table, time both tallies, print the ratio."""
    stop_after(HARD_LIMIT)
    for line in machine_description():
        print(line)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="samenspraak-tally-bench-") as data_dir:
        running = await start_node(
            Path(data_dir), dev_config("tally", "Tally", port), run_workers=False
        )
        try:
            node = running.node
            question = await open_question(node)
            start = time.perf_counter()
            expected = await fill_votes(node, question, args.votes)
            print(
                f"stored {args.votes:,} votes of {args.votes:,} distinct voters for "
                f"{len(question.options)} options in {time.perf_counter() - start:.1f} s"
            )
            print(f"query plan of the bare GROUP BY: {query_plan(node.db.path, question.uri)}")
            node_times, bare_times = [], []
            same = True
            for repetition in range(1, args.repetitions + 1):
                node_seconds, node_counts = await node_tally(node, question)
                bare_seconds, bare_counts = bare_tally(node.db.path, question.uri)
                same = same and node_counts == bare_counts == expected
                node_times.append(node_seconds)
                bare_times.append(bare_seconds)
                print(
                    f"repetition {repetition}: node {node_seconds * 1000:,.1f} ms, "
                    f"bare {bare_seconds * 1000:,.1f} ms, "
                    f"ratio {node_seconds / bare_seconds:.2f}x"
                )
        finally:
            await running.stop()
    node_median, bare_median = statistics.median(node_times), statistics.median(bare_times)
    ratio = node_median / bare_median
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    print(f"counts: {expected} ({'equal in every repetition' if same else 'DIFFERENT'})")
    print(
        f"median: node {node_median * 1000:,.1f} ms, bare GROUP BY {bare_median * 1000:,.1f} ms; "
        f"ratio node/bare {ratio:.2f}x (target at most {TARGET_RATIO:.0f}x: {verdict})"
    )
    return 0 if same else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; the defaults are the recorded configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--repetitions", type=int, default=7)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
