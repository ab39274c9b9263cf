"""The ``toot`` command-line client logs in through the browser flow and posts a reply."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import code_from_browser, resident

pytest.importorskip("toot")


async def spawn_toot(config_home: Path, *args: str) -> asyncio.subprocess.Process:
    """``toot`` with its own configuration directory, talking through pipes."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "toot", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "XDG_CONFIG_HOME": str(config_home), "NO_COLOR": "1"},
    )  # fmt: skip


async def toot(config_home: Path, *args: str) -> tuple[int, str]:
    """Run one toot command to its end; return its exit status and output."""
    process = await spawn_toot(config_home, *args)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    return process.returncode or 0, output.decode()


async def toot_login(config_home: Path, running: RunningNode, username: str) -> str:
    """Run ``toot login``: read the URL it prints, log in as the browser would, paste the code."""
    process = await spawn_toot(config_home, "login", "--instance", running.base_url)
    assert process.stdout is not None and process.stdin is not None
    printed = []
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
        assert line, "toot ended before printing the login URL:\n" + "".join(printed)
        printed.append(line)
        if line.startswith(running.base_url):
            break
    code = await code_from_browser(line.strip(), username)
    process.stdin.write(f"n\n{code}\n".encode())
    await process.stdin.drain()
    rest, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, "".join(printed) + rest.decode()
    return rest.decode()


async def test_toot_logs_in_through_the_browser_and_replies(
    start: StartNode, tmp_path: Path
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")

    assert "Successfully logged in" in await toot_login(tmp_path, oosterpark, "anna")

    status, output = await toot(tmp_path, "post", "--json", "Wie heeft er een ladder?")
    assert status == 0, output
    question = json.loads(output)
    status, output = await toot(
        tmp_path, "post", "--json", "--reply-to", question["id"], "Ik heb er een."
    )
    assert status == 0, output
    reply = json.loads(output)
    assert reply["in_reply_to_id"] == question["id"]
    stored = await oosterpark.node.objects.record(reply["uri"])
    assert stored is not None and stored.in_reply_to == question["uri"]
    assert stored.content == "<p>Ik heb er een.</p>"
