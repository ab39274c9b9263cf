"""``samenspraak migrate-to-postgres DIR URL``: an SQLite node with votes, supports and
budget ballots copied into PostgreSQL with nothing lost (every table's rows, every tally
recounted), then served from PostgreSQL; a second copy, or one into a database that is
not empty, is refused and changes nothing."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from node.cli.errors import REFUSED
from node.clock import utc_now
from node.config import DATABASE_FILE, load_config
from node.participation.ballots import cast_ballot, open_budget_ballot
from node.participation.models import Budget, phases_around
from node.participation.processes import set_phase
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.voting import cast_vote, current_tally, open_vote
from node.runner import free_port, start_node
from tests.conftest import PostgresCluster
from tests.integration.commands import samenspraak
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person
from tests.integration.test_serve_command import _node_directory, _serving
from tests.integration.voting_scenarios import in_a_week, process_with_proposals

# The source is an SQLite node; on a --db=postgresql run the nodes are PostgreSQL's.
pytestmark = [pytest.mark.sqlite_only, pytest.mark.needs_postgresql]

CHOICES = ["voor", "tegen", "voor", "onthouding", "voor"]
IDEA_PHASES = (("proposing", -20, -10), ("supporting", -10, 10))
PROJECTS = [("Groen schoolplein", 30_000.0), ("Buurtkrant", 4_000.0), ("Bankjes", 7_800.0)]


def _sqlite_counts(directory: Path) -> dict[str, int]:
    with sqlite3.connect(directory / DATABASE_FILE) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations'"
            )
        ]
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


async def test_an_sqlite_node_is_copied_into_postgresql_whole_and_serves_from_it(
    start: StartNode, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    services = gemeente.node.participation_services
    _, [plan] = await process_with_proposals(gemeente, "verkeersplan", [("Autoluwe stad", None)])
    question = await open_vote(services, plan.uri, in_a_week())
    budget, projects = await process_with_proposals(
        gemeente,
        "wijkbudget",
        PROJECTS,
        budget=Budget(amount=50_000, currency="EUR", min_picks=1, max_picks=2),
    )
    await open_budget_ballot(services, budget.uri, in_a_week())
    ideas = await open_process(
        gemeente, "ideeen", "initiate", 100, phases_around(utc_now(), *IDEA_PHASES)
    )
    author = await person(gemeente, "indiener")
    idea = await create_proposal(services, author, ideas, "Meer bomen", "Op elk plein.")
    await set_phase(services, ideas, "supporting")
    for number, choice in enumerate(CHOICES):
        resident = await person(gemeente, f"inwoner{number}")
        await cast_vote(services, resident, question.uri, "tegen")
        # A changed mind: only the last choice counts, in the kept counts too.
        await cast_vote(services, resident, question.uri, choice)
        await cast_ballot(services, resident, budget.uri, [projects[number % 3].uri])
        await support(services, resident, idea.uri)
    before = await current_tally(services, question)
    directory = gemeente.node.data_dir
    counts = _sqlite_counts(directory)
    url = postgres_cluster.fresh_database()

    status, out, err = await samenspraak("migrate-to-postgres", str(directory), url)

    assert status == 0, err
    assert f"  votes: {len(CHOICES)} rows" in out and f"  supports: {len(CHOICES)} rows" in out
    assert "recounted equal: 3 votes per question and option, 1 supports per proposal" in out
    assert load_config(directory).database == url
    copied = await start_node(
        directory, load_config(directory).with_server(None, free_port()), run_workers=False
    )
    try:
        db = copied.node.db
        assert type(db).__name__ == "PostgresDatabase"
        for table, count in counts.items():
            assert await db.fetch_value(f"SELECT COUNT(*) FROM {table}") == count, table
        again = copied.node.participation_services
        after = await current_tally(again, question)
        assert [(t.option, t.count) for t in after.tallies] == [
            (t.option, t.count) for t in before.tallies
        ]
        assert {t.option: t.count for t in after.tallies if t.count} == {
            "voor": 3,
            "tegen": 1,
            "onthouding": 1,
        }
        # New rows take new ids after the copied ones.
        newcomer = await person(copied, "nieuwkomer")
        assert newcomer.id > max(
            r[0]
            for r in await db.fetch_all("SELECT id FROM local_actors WHERE id <> ?", (newcomer.id,))
        )
    finally:
        await copied.stop()

    status, _, err = await samenspraak("migrate-to-postgres", str(directory), url)
    assert status == REFUSED
    assert "already, not SQLite" in err


async def test_a_copy_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    start: StartNode, postgres_cluster: PostgresCluster
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    url = postgres_cluster.fresh_database()
    assert (await samenspraak("migrate-to-postgres", str(wijert.node.data_dir), url))[0] == 0

    status, out, err = await samenspraak("migrate-to-postgres", str(oosterpark.node.data_dir), url)

    assert status == REFUSED, out
    [line] = err.splitlines()
    assert line.startswith("samenspraak: error: nothing was changed: ")
    assert "is not empty" in line and "postgres@" in line
    assert load_config(oosterpark.node.data_dir).database == ""


def test_a_node_that_serves_is_not_copied_for_its_writes_meanwhile_would_be_lost(
    tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    port = free_port()
    directory = _node_directory(tmp_path, port)
    url = postgres_cluster.fresh_database()
    serving = _serving(directory, port)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "node.cli", "migrate-to-postgres", str(directory), url],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        serving.send_signal(signal.SIGINT)
        serving.wait(30)
        if serving.stdout is not None:
            serving.stdout.close()

    assert done.returncode == REFUSED, done.stdout
    assert done.stderr == (
        f"samenspraak: error: cannot copy {directory}: another process "
        f"(pid {serving.pid}) serves it already\n"
    )
    assert load_config(directory).database == ""
