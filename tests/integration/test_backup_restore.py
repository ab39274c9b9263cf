"""``samenspraak backup`` of a node that takes votes meanwhile, restored and served again:
the copy is one moment of the node (its stored tallies equal a recount of its votes,
and its votes are exactly those cast up to some point), and a database newer than the
code is refused at start in one line, exit status 2.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from node.cli.errors import REFUSED
from node.config import DATABASE_FILE, load_config
from node.participation.voting import close_vote, current_tally, open_vote, record_vote
from node.runner import free_port, start_node
from tests.integration.commands import samenspraak
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import in_a_week, process_with_proposals

OPTIONS = ("voor", "tegen", "onthouding")
VOTERS = 12
# Bounds the writer should the backup take long; it stops when the backup ends.
MOST_VOTES = 20_000


async def test_a_backup_taken_while_votes_arrive_restores_to_one_moment_that_recounts(
    start: StartNode, tmp_path: Path, database_url: str
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    services = gemeente.node.participation_services
    _, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Autoluwe binnenstad", None)]
    )
    question = await open_vote(services, proposal.uri, in_a_week())
    voters = [(await person(gemeente, f"inwoner{n}")).uri for n in range(VOTERS)]
    accounts = len(await gemeente.node.accounts.all())

    # Every vote cast, in order: voters change their minds round after round.
    cast: list[tuple[str, str]] = []
    backup_done = asyncio.Event()

    async def keep_voting() -> None:
        while not backup_done.is_set() and len(cast) < MOST_VOTES:
            voter = voters[len(cast) % VOTERS]
            option = OPTIONS[(len(cast) // VOTERS + len(cast)) % len(OPTIONS)]
            await record_vote(services, question.uri, voter, option, f"{voter}/votes/{len(cast)}")
            cast.append((voter, option))
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_voting())
    archive = tmp_path / "backups" / "gemeente.tar.gz"
    status, out, err = await samenspraak("backup", str(gemeente.node.data_dir), str(archive))
    backup_done.set()
    await writer
    assert status == 0, err
    assert out.startswith(f"Backed up {gemeente.node.data_dir} to {archive}")

    restored_dir = tmp_path / "restored"
    # On PostgreSQL, into an empty database of its own.
    into = ["--database", database_url] if database_url else []
    status, out, err = await samenspraak("restore", str(archive), str(restored_dir), *into)
    assert status == 0, err
    assert "Restored Gemeente Groningen" in out
    config = load_config(restored_dir).with_server(None, free_port())
    restored = await start_node(restored_dir, config, run_workers=False)
    try:
        again = restored.node.participation_services
        rows = await restored.node.db.fetch_all(
            "SELECT voter, option FROM votes WHERE question_uri = ?", (question.uri,)
        )
        votes = {row["voter"]: row["option"] for row in rows}
        # The votes are those after some number of the writer's casts, no more, no less.
        moments = [{}]
        for voter, option in cast:
            moments.append({**moments[-1], voter: option})
        assert votes in moments
        recount = Counter(votes.values())

        tally = await current_tally(again, question)
        assert {t.option: t.count for t in tally.tallies if t.count} == recount
        # The question document was saved in the same transaction as each vote: it
        # shows the same tallies as the recount, or the copy was torn.
        stored = await restored.node.objects.record(question.uri)
        assert stored is not None
        assert {
            o["name"]: o["replies"]["totalItems"]
            for o in stored.document["oneOf"]
            if o["replies"]["totalItems"]
        } == recount
        assert len(await restored.node.accounts.all()) == accounts

        result = await close_vote(again, question.uri)
        published = {t["option"]: t["count"] for t in result["voteResult"]["tallies"] if t["count"]}
        assert published == recount
        assert result["votersCount"] == len(votes)
    finally:
        await restored.stop()


@pytest.mark.sqlite_only
async def test_a_database_newer_than_the_code_is_refused_at_start_in_one_line(
    start: StartNode, tmp_path: Path
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    status, out, _ = await samenspraak("migrate", str(gemeente.node.data_dir))
    assert (status, out) == (0, f"The database of {gemeente.node.data_dir} is up to date\n")
    archive = tmp_path / "gemeente.tar.gz"
    status, _, err = await samenspraak("backup", str(gemeente.node.data_dir), str(archive))
    assert status == 0, err
    restored_dir = tmp_path / "restored"
    assert (await samenspraak("restore", str(archive), str(restored_dir)))[0] == 0
    with sqlite3.connect(restored_dir / DATABASE_FILE) as db:
        db.execute("INSERT INTO schema_migrations (version) VALUES (9999)")

    status, out, err = await samenspraak("serve", str(restored_dir), "--port", str(free_port()))

    assert status == REFUSED
    [line] = err.splitlines()
    assert line.startswith("samenspraak: error: ")
    assert "newer Samenspraak" in line and "9999" in line
    assert "Serving" not in out
    status, _, err = await samenspraak("migrate", str(restored_dir))
    assert status == REFUSED
    assert "newer Samenspraak" in err and "9999" in err
    # Restoring a backup of it is refused the same way, before anything is unpacked.
    newer = tmp_path / "newer.tar.gz"
    assert (await samenspraak("backup", str(restored_dir), str(newer)))[0] == 0
    status, _, err = await samenspraak("restore", str(newer), str(tmp_path / "again"))
    assert status == REFUSED
    [line] = err.splitlines()
    assert "newer Samenspraak" in line and "9999" in line


def test_restore_refuses_a_directory_that_holds_anything(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("van iemand anders\n")
    archive = tmp_path / "none.tar.gz"
    archive.write_bytes(b"not an archive")

    done = subprocess.run(
        [sys.executable, "-m", "node.cli", "restore", str(archive), str(tmp_path / "taken")],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == REFUSED
    [line] = done.stderr.splitlines()
    assert "not empty" in line
    assert (tmp_path / "taken" / "notes.txt").read_text() == "van iemand anders\n"
