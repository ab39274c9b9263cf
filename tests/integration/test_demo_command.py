"""The README's first command: ``samenspraak demo`` brings up a federating network."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from node.demo import DEMO_PASSWORD
from node.runner import free_port
from tests.clients.mastodon_py_tour import tour


def _three_free_ports() -> int:
    for _ in range(50):
        base = free_port()
        if base < 65000 and all(free_port_is(base + i) for i in range(3)):
            return base
    raise RuntimeError("no three consecutive free ports")


def free_port_is(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _get_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/activity+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_demo_command_serves_three_federated_nodes_until_interrupted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _three_free_ports()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "node.cli",
            "demo",
            "--base-port",
            str(base),
            "--directory",
            str(tmp_path / "demo"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        text = "".join(output)
        assert "Press Ctrl-C to stop." in text, text
        # It opens with what it does, not with how its databases were migrated.
        assert output[0] == "Seeding the demo network (first run)...\n", text
        assert "migration" not in text
        assert f"@gemeente@127.0.0.1:{base}" in text

        # The demo's nodes run their delivery workers: each says it is healthy.
        for offset in range(3):
            assert _get_json(f"http://127.0.0.1:{base + offset}/healthz")["status"] == "ok"

        followers = _get_json(f"http://127.0.0.1:{base}/actors/gemeente/followers?page=1")
        assert f"http://127.0.0.1:{base + 1}/actors/oosterpark" in followers["orderedItems"]
        assert f"http://127.0.0.1:{base + 2}/actors/wijert" in followers["orderedItems"]
        with urllib.request.urlopen(f"http://127.0.0.1:{base + 1}/", timeout=10) as page:
            html = page.read().decode()
        # A post written on the municipal node shows on the neighbourhood's front page.
        assert "Groningen klimaatbestendig" in html

        # The Mastodon.py tour from the README logs in, comments, supports and votes.
        tour(f"http://127.0.0.1:{base + 1}", "anna", DEMO_PASSWORD, "schoolplein")
        said = capsys.readouterr().out
        assert "logged in as @anna" in said
        assert "commented: " in said
        assert "supported: " in said
        assert "voted 'voor'" in said
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
