"""``samenspraak serve`` on a bad day, as real processes: a directory it cannot write
and a directory another process serves already are refused at start, with one line
and exit status 2, before anything listens; a lock left by ``kill -9`` locks nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.cli.errors import REFUSED
from node.runner import dev_config, free_port
from node.setup import initialise


def _node_directory(tmp_path: Path, port: int) -> Path:
    directory = tmp_path / "oosterpark"
    asyncio.run(initialise(directory, dev_config("oosterpark", "Wijkraad Oosterpark", port)))
    return directory


def _serve_command(directory: Path, port: int) -> list[str]:
    command = [sys.executable, "-m", "node.cli", "serve", str(directory), "--port", str(port)]
    if os.geteuid() == 0:
        # root writes anything; without these capabilities it obeys file modes as its owner.
        drop = "--bounding-set=-dac_override,-dac_read_search,-fowner"
        return ["setpriv", drop, "--", *command]
    return command


def _listening(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/nodeinfo", timeout=5):
            return True
    except OSError:
        return False


def _serving(directory: Path, port: int) -> subprocess.Popen[str]:
    """A ``serve`` process, returned once it says it serves."""
    process = subprocess.Popen(
        _serve_command(directory, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("Serving"):
            return process
        if not line:
            break
    process.kill()
    raise AssertionError(f"serve did not start: {process.stdout.read()}")


def _refused_at_start(directory: Path, port: int) -> str:
    """Run ``serve`` expecting a refusal; the one line it printed."""
    done = subprocess.run(
        _serve_command(directory, port), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == REFUSED, (done.stdout, done.stderr)
    assert "Serving" not in done.stdout and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert not _listening(port)
    return lines[0]


@pytest.fixture
def without_write(tmp_path: Path) -> Iterator[list[Path]]:
    """Paths to make read-only in a test; made writable again after it."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.mark.parametrize(
    "read_only",
    # An SQLite file that may not be written; PostgreSQL's have no file.
    ["directory", pytest.param("database", marks=pytest.mark.sqlite_only)],
)
def test_serve_on_a_read_only_node_refuses_with_one_line_and_exit_2(
    read_only: str, tmp_path: Path, without_write: list[Path]
) -> None:
    port = free_port()
    directory = _node_directory(tmp_path, port)
    targets = (
        [directory, *directory.iterdir()]
        if read_only == "directory"
        else [directory / "samenspraak.sqlite3"]
    )
    for path in targets:
        without_write.append(path)
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))

    line = _refused_at_start(directory, port)

    assert line.startswith(f"samenspraak: error: cannot serve {directory}: ")
    expected = "lock file" if read_only == "directory" else "readonly database"
    assert expected in line


def test_a_second_serve_of_one_directory_is_refused_and_kill_9_frees_it(tmp_path: Path) -> None:
    port = free_port()
    directory = _node_directory(tmp_path, port)
    first = _serving(directory, port)
    try:
        line = _refused_at_start(directory, free_port())
        assert line == (
            f"samenspraak: error: cannot serve {directory}: "
            f"another process (pid {first.pid}) serves it already"
        )
        assert _listening(port) and first.poll() is None
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    after = _serving(directory, port)
    try:
        assert _listening(port)
    finally:
        after.send_signal(signal.SIGTERM)
        assert after.wait(timeout=60) == 0
