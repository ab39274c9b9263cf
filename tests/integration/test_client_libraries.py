"""masto.js (Elk, Phanpy) and megalodon (Whalebird), the npm libraries, driving a real
node's client API: every call those apps make at start-up and on common actions
answers as the library expects (``tests/clients/library_calls.mjs``).

The libraries come from ``tests/clients/package-lock.json`` (``npm ci --prefix
tests/clients``, which ``tests/run.sh`` runs when Node.js is installed)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from node.mastodon_api.instance import solid_png
from node.participation.voting import open_vote
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import neighbours
from tests.integration.voting_scenarios import in_a_week, process_with_proposals

CLIENTS = Path(__file__).parent.parent / "clients"
SCRIPT = CLIENTS / "library_calls.mjs"
# A guard against a hung script, not a measure of speed.
SCRIPT_GUARD_SECONDS = 600


async def status_id(running: RunningNode, uri: str) -> str:
    record = await running.node.objects.record(uri)
    assert record is not None
    return str(record.row_id)


async def run_library_calls(environment: dict[str, str]) -> list[dict[str, object]]:
    """Run the script with Node.js; one result per call it made."""
    node = shutil.which("node")
    assert node is not None
    script = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        cwd=CLIENTS,
        env={**os.environ, **environment},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(script.communicate(), SCRIPT_GUARD_SECONDS)
    assert script.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (node v20+)")
async def test_masto_js_and_megalodon_calls_all_answer_as_the_libraries_expect(
    start: StartNode, tmp_path: Path
) -> None:
    assert (CLIENTS / "node_modules" / "masto").is_dir(), (
        "the npm client libraries are not installed: run npm ci --prefix tests/clients"
    )
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    anna, bert = await neighbours(oosterpark)
    await asyncio.to_thread(bert.status_post, "@anna zaterdag knappen we de bloembakken op.")
    _, [speeltuin] = await process_with_proposals(oosterpark, "stemming", [("Speeltuin", None)])
    question = await open_vote(oosterpark.node.participation_services, speeltuin.uri, in_a_week())
    image = tmp_path / "bloembak.png"
    image.write_bytes(solid_png(64, 48, (45, 106, 79)))

    results = await run_library_calls(
        {
            "SAMENSPRAAK_URL": oosterpark.base_url,
            "ANNA_TOKEN": anna.access_token,
            "BERT_TOKEN": bert.access_token,
            "POLL_ID": await status_id(oosterpark, question.uri),
            "IMAGE_PATH": str(image),
        }
    )

    failed = [f"{r['library']} {r['call']}: {r['detail']}" for r in results if not r["ok"]]
    assert not failed, "\n".join(failed)
    calls = {(r["library"], r["call"]) for r in results}
    assert ("masto", "PUT /api/v1/statuses/:id") in calls
    assert ("masto", "POST /api/v2/media") in calls
    assert ("megalodon", "detector (NodeInfo)") in calls
    assert ("megalodon", "votePoll") in calls
    assert len(results) >= 120
