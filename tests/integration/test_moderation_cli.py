"""The operator's federation and moderation commands, run as the ``samenspraak`` CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.cli import main


def test_federation_commands_change_the_policy_at_once_and_refuse_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = str(tmp_path / "wijk")
    assert (
        main(
            [
                "init",
                node,
                "--domain",
                "127.0.0.1:8799",
                "--name",
                "Wijk",
                "--handle",
                "wijk",
                "--dev",
            ]
        )
        == 0
    )
    assert main(["federation", "block", node, "spam.example", "--reason", "Spamgolf"]) == 0
    assert main(["federation", "allow", node, "gemeente.example.nl"]) == 0
    capsys.readouterr()

    assert main(["federation", "list", node]) == 0
    listing = capsys.readouterr().out
    assert "mode: blocklist" in listing and "spam.example\tsuspend\tSpamgolf" in listing

    assert main(["federation", "block", node, "127.0.0.1:8799", "--reason", "x"]) == 2
    assert "cannot block or allow itself" in capsys.readouterr().err
    assert main(["federation", "unblock", node, "nergens.example"]) == 2
    assert "there is no rule for nergens.example" in capsys.readouterr().err
    assert (
        main(["moderation", "hide", node, "http://127.0.0.1:8799/objects/x", "--reason", "x"]) == 2
    )
    assert "no post" in capsys.readouterr().err

    assert main(["moderation", "queue", node]) == 0
    assert "0 open reports" in capsys.readouterr().out
