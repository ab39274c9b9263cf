"""Bad input to the ``samenspraak`` command, as a real process: a refusal on standard
error and exit status 2, never a traceback, and nothing imported."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from node.cli.errors import REFUSED
from node.config import CONFIG_FILE, load_config
from node.participation.addresses import COLUMNS
from node.runner import dev_config, free_port
from node.setup import initialise
from tests.integration.commands import rows_in

HEADER = ";".join(COLUMNS)


def _node_directory(tmp_path: Path) -> Path:
    directory = tmp_path / "oosterpark"
    config = dev_config("oosterpark", "Wijkraad Oosterpark", free_port())
    asyncio.run(initialise(directory, config))
    return directory


def _refused(*arguments: str) -> list[str]:
    """Run the command expecting a refusal; the lines it wrote on standard error."""
    done = subprocess.run(
        [sys.executable, "-m", "node.cli", *arguments], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == REFUSED, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("samenspraak: error: "), done.stderr
    return lines


def _addresses(directory: Path, table: str = "addresses") -> int:
    """Rows in a table of the node (its addresses unless another is named)."""
    return rows_in(directory, table)


def test_a_config_file_that_is_not_utf8_is_refused_in_one_line(tmp_path: Path) -> None:
    directory = _node_directory(tmp_path)
    config = directory / CONFIG_FILE
    config.write_bytes(config.read_bytes().replace(b"Wijkraad", "Wijkråd".encode("latin-1")))

    [line] = _refused("account", "list", str(directory))

    assert "not UTF-8 text" in line and CONFIG_FILE in line


def test_a_register_field_over_the_csv_limit_is_refused_naming_its_line(tmp_path: Path) -> None:
    directory = _node_directory(tmp_path)
    extract = tmp_path / "register.csv"
    long_street = "Korreweg" * 20_000
    extract.write_text(f"{HEADER}\n9713XT;12;;;{long_street};Groningen;Oosterpark\n", "utf-8")

    lines = _refused("addresses", "import", str(directory), str(extract))

    assert "line 2: field larger than field limit" in "\n".join(lines)
    assert _addresses(directory) == 0


def test_a_house_number_of_twenty_digits_is_refused_naming_its_line(tmp_path: Path) -> None:
    directory = _node_directory(tmp_path)
    extract = tmp_path / "register.csv"
    extract.write_text(
        f"{HEADER}\n9713XT;{'9' * 20};;;Korreweg;Groningen;Oosterpark\n", encoding="utf-8"
    )

    lines = _refused("addresses", "import", str(directory), str(extract))

    assert "line 2: huisnummer '99999999999999999999' is not a whole number from 1 to 99999" in (
        "\n".join(lines)
    )
    assert _addresses(directory) == 0


def test_a_draw_without_a_party_on_another_node_is_refused_and_nothing_stored(
    tmp_path: Path,
) -> None:
    directory = _node_directory(tmp_path)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "node.cli",
            "process",
            "create",
            str(directory),
            "--slug",
            "wijkpanel",
            "--title",
            "Wijkpanel",
            "--archetype",
            "advise",
            "--threshold",
            "1",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    own = load_config(directory).base_url

    draw = ("panel", "create", str(directory), "wijkpanel", "--title", "Wijkpanel 2027")
    draw += ("--seats", "3", "--areas", "9713")
    # The process is under no agreement, so no party follows from one.
    for parties in ((), ("--party", f"{own}/actors/oosterpark")):
        [line] = _refused(*draw, *parties)
        assert "at least one party on another node" in line
        assert "Wijkpanel is under no agreement" in line
    assert _addresses(directory, "panel_draws") == 0
