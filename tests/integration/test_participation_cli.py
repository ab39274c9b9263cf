"""The organiser's commands, run as ``samenspraak`` runs them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from node.cli import main
from node.clock import utc_now
from node.config import load_config
from node.node import open_node
from node.participation.proposals import create_proposal
from node.setup import create_account


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "wijert"
    assert (
        main(
            [
                "init",
                str(directory),
                "--domain",
                "127.0.0.1:8799",
                "--name",
                "Wijkdeal De Wijert",
                "--handle",
                "wijert",
                "--dev",
            ]
        )
        == 0
    )
    return directory


def phases_from_today(*days: int) -> str:
    """A ``--phases`` argument: proposing, supporting, voting between these days from today
    on the node's clock."""
    today = utc_now().date()
    bounds = [today + timedelta(days=d) for d in days]
    names = ("proposing", "supporting", "voting")
    return ",".join(f"{n}={a}..{b}" for n, a, b in zip(names, bounds, bounds[1:], strict=False))


def create(node_dir: Path, *extra: str) -> int:
    return main(
        [
            "process",
            "create",
            str(node_dir),
            "--slug",
            "wijkbudget",
            "--title",
            "Wijkbudget De Wijert",
            "--archetype",
            "decide",
            "--eligibility",
            "verified-local",
            *extra,
        ]
    )


async def _read(node_dir: Path):
    node = await open_node(node_dir, load_config(node_dir))
    try:
        return await node.participation_store.local_process_by_slug("wijkbudget")
    finally:
        await node.close()


def test_process_create_phase_and_close(node_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert (
        create(
            node_dir,
            "--threshold",
            "0.5%",
            "--electorate",
            "6200",
            "--budget",
            "50000",
            "--min-picks",
            "1",
            "--max-picks",
            "3",
            "--phases",
            phases_from_today(0, 45, 75, 92),
        )
        == 0
    )
    assert "/processes/wijkbudget" in capsys.readouterr().out
    process = asyncio.run(_read(node_dir))
    assert process is not None
    assert (process.threshold_share, process.support_threshold) == (0.005, 31)
    assert process.budget is not None and process.budget.amount == 50000
    assert [p.name for p in process.phases] == ["proposing", "supporting", "voting"]

    assert main(["process", "phase", str(node_dir), "wijkbudget", "supporting"]) == 0
    assert asyncio.run(_read(node_dir)).current_phase == "supporting"
    assert main(["process", "close", str(node_dir), "wijkbudget"]) == 0
    assert asyncio.run(_read(node_dir)).current_phase == "closed"
    assert main(["process", "list", str(node_dir)]) == 0
    assert "wijkbudget\tdecide\tclosed" in capsys.readouterr().out


def test_moving_a_process_back_from_voting_to_proposing_is_refused_in_one_line(
    node_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    assert create(node_dir, "--threshold", "5") == 0
    assert main(["process", "phase", str(node_dir), "wijkbudget", "voting"]) == 0
    capsys.readouterr()
    assert main(["process", "phase", str(node_dir), "wijkbudget", "proposing"]) == 2
    assert capsys.readouterr().err == (
        "samenspraak: error: a process in its voting phase cannot move to proposing: phases"
        " only move forward and closing is final (possible now: closed)\n"
    )
    assert asyncio.run(_read(node_dir)).current_phase == "voting"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--threshold", "many"], "--threshold must be a whole number, not 'many'"),
        (["--threshold", "0"], "--threshold must be at least 1 support"),
        (["--threshold", "5%"], "a share threshold needs the size of the electorate"),
        (["--threshold", "5", "--budget", "lots"], "--budget must be a number, not 'lots'"),
        (
            ["--threshold", "5", "--budget", "100", "--min-picks", "4", "--max-picks", "2"],
            "min-picks",
        ),
        (["--threshold", "5", "--phases", "proposing=2026-11-01"], "is not NAME=START..END"),
        (["--threshold", "5", "--phases", "dreaming=2026-11-01..2026-12-01"], "--phases must"),
        (
            ["--threshold", "5", "--phases", "proposing=2026-12-01..2026-11-01"],
            "must end after it starts",
        ),
        (["--threshold", "5", "--phases", "proposing=1 nov..2026-12-01"], "is not a date"),
    ],
)
def test_wrong_arguments_give_one_clear_line_and_exit_2(
    node_dir: Path, capsys: pytest.CaptureFixture, extra: list[str], message: str
) -> None:
    capsys.readouterr()
    assert create(node_dir, *extra) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("samenspraak: error:") and message in error
    assert "\n" not in error
    assert asyncio.run(_read(node_dir)) is None


def test_wrong_archetype_phase_and_status_are_refused(
    node_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    assert (
        main(
            [
                "process",
                "create",
                str(node_dir),
                "--slug",
                "x",
                "--title",
                "X",
                "--archetype",
                "vote",
                "--threshold",
                "5",
            ]
        )
        == 2
    )
    assert "--archetype must be one of advise, initiate, decide" in capsys.readouterr().err
    assert create(node_dir, "--threshold", "5") == 0
    assert main(["process", "phase", str(node_dir), "wijkbudget", "dreaming"]) == 2
    assert "unknown phase 'dreaming'" in capsys.readouterr().err
    assert main(["process", "phase", str(node_dir), "onbekend", "voting"]) == 2
    assert "there is no process 'onbekend'" in capsys.readouterr().err

    async def propose() -> str:
        node = await open_node(node_dir, load_config(node_dir))
        try:
            process = await node.participation_store.local_process_by_slug("wijkbudget")
            author = (await create_account(node.db, node.urls, "lotte")).actor
            proposal = await create_proposal(
                node.participation_services,
                author,
                process,
                "Speeltuin opknappen",
                "Nieuwe schommels.",
                cost=12000,
            )
            return proposal.uri
        finally:
            await node.close()

    uri = asyncio.run(propose())
    capsys.readouterr()
    assert main(["proposal", "list", str(node_dir), "wijkbudget"]) == 0
    assert capsys.readouterr().out == f"{uri}\tsubmitted\t0\tSpeeltuin opknappen\n"
    assert main(["proposal", "status", str(node_dir), uri, "done", "--reason", "Klaar"]) == 2
    assert "cannot become done" in capsys.readouterr().err
    assert (
        main(
            ["proposal", "status", str(node_dir), uri, "under_review", "--reason", "Wordt bekeken"]
        )
        == 0
    )
    assert (
        main(
            [
                "proposal",
                "status",
                str(node_dir),
                uri,
                "accepted",
                "--reason",
                "Ja",
                "--by",
                "nobody",
            ]
        )
        == 2
    )
    assert "--by: no account 'nobody'" in capsys.readouterr().err
    assert main(["proposal", "status", str(node_dir), "http://x/1", "done", "--reason", "x"]) == 2
