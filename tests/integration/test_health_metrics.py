"""``/healthz`` says whether a node can do its work and names what fails; ``/metrics``
counts, per node, what came into the inboxes, what waits or fails in the delivery
queue, votes and supports per process, and how long requests took."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from node import social_actions
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.voting import cast_vote, open_vote
from node.runner import RunningNode, dev_config, free_port, start_node
from node.web.app import BACKGROUND
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import open_process, person
from tests.integration.voting_scenarios import in_a_week, process_with_proposals


async def _get(url: str) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as answer:
            text = await answer.text()
            body = await answer.json(content_type=None) if url.endswith("healthz") else None
            return answer.status, answer.headers["Content-Type"], body or text


async def _metrics(running: RunningNode) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, content_type, text = await _get(f"{running.base_url}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _follow(follower: RunningNode, followed: RunningNode) -> None:
    organisation = await followed.node.organisation()
    await social_actions.follow(
        follower.node.social_services, await follower.node.organisation(), organisation.uri
    )


async def test_healthz_is_200_while_the_node_can_work_and_503_naming_what_cannot(
    start: StartNode, tmp_path: Path
) -> None:
    port = free_port()
    config = replace(dev_config("gemeente", "Gemeente", port), health_max_queue_depth=1)
    gemeente = await start_node(tmp_path / "gemeente", config, run_workers=True)
    try:
        status, content_type, health = await _get(f"{gemeente.base_url}/healthz")
        assert (status, content_type) == (200, "application/json; charset=utf-8")
        assert health == {
            "status": "ok",
            "checks": {
                "database": {"ok": True},
                "delivery_worker": {"ok": True, "state": "running"},
                "delivery_queue": {"ok": True, "depth": 0, "max": 1},
            },
        }

        # A follower whose server then goes away: two posts wait for it, over the limit.
        wijk = await start("oosterpark", "Wijkraad Oosterpark")
        await _follow(wijk, gemeente)
        await deliver(wijk)
        await wijk.stop()
        organisation = await gemeente.node.organisation()
        for text in ("Raad verplaatst.", "Raad weer terug."):
            await social_actions.post_note(
                gemeente.node.social_services, organisation, f"<p>{text}</p>"
            )
        status, _, health = await _get(f"{gemeente.base_url}/healthz")
        assert status == 503
        assert health["status"] == "failing"
        assert health["checks"]["delivery_queue"]["ok"] is False
        assert health["checks"]["delivery_queue"]["depth"] >= 2
        assert health["checks"]["database"] == {"ok": True}

        background = gemeente.runner.app[BACKGROUND].task
        assert background is not None
        background.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await background
        status, _, health = await _get(f"{gemeente.base_url}/healthz")
        assert status == 503
        assert health["checks"]["delivery_worker"] == {"ok": False, "state": "stopped"}
    finally:
        await gemeente.stop()


async def test_healthz_refuses_a_node_whose_worker_never_started(start: StartNode) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")

    status, _, health = await _get(f"{wijk.base_url}/healthz")

    assert status == 503
    # On PostgreSQL the jobs may run in `samenspraak worker` processes; none said it runs.
    state = "no worker process seen" if wijk.node.db.shared else "not started"
    assert health["checks"]["delivery_worker"] == {"ok": False, "state": state}


async def test_metrics_count_inbox_results_queue_failures_votes_supports_and_latency(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    services = gemeente.node.participation_services
    agenda = await open_process(gemeente, "wijkagenda", "initiate", 100)
    proposal = await create_proposal(
        services, await gemeente.node.organisation(), agenda, "Bankjes", "Meer bankjes."
    )
    for number in range(3):
        await support(services, await person(gemeente, f"steun{number}"), proposal.uri)
    verkeer, [autoluw] = await process_with_proposals(gemeente, "verkeer", [("Autoluw", None)])
    question = await open_vote(services, autoluw.uri, in_a_week())
    for number, choice in enumerate(("voor", "tegen")):
        await cast_vote(services, await person(gemeente, f"kiezer{number}"), question.uri, choice)

    await _follow(wijk, gemeente)
    await deliver(wijk, gemeente)
    async with aiohttp.ClientSession() as http:
        unsigned = {"type": "Follow", "actor": "https://elders.example/a", "object": agenda.uri}
        async with http.post(f"{gemeente.base_url}/inbox", json=unsigned) as refused:
            assert refused.status == 401
    wijk_metrics = await _metrics(wijk)
    await wijk.stop()
    await social_actions.post_note(
        gemeente.node.social_services, await gemeente.node.organisation(), "<p>Raad.</p>"
    )
    await gemeente.node.worker.run_once()

    metrics = await _metrics(gemeente)

    def value(name: str, **labels: str) -> float | None:
        return metrics.get((name, frozenset(labels.items())))

    assert value("samenspraak_inbox_activities_total", result="accepted", status="202") == 1
    assert value("samenspraak_inbox_activities_total", result="refused", status="401") == 1
    assert value("samenspraak_supports", process=agenda.uri) == 3
    assert value("samenspraak_votes", process=verkeer.uri) == 2
    assert value("samenspraak_delivery_queue_depth") == 1
    wijk_host = wijk.base_url.split("://", 1)[1]
    assert value("samenspraak_delivery_host_failures_in_a_row", host=wijk_host) == 1
    assert value("samenspraak_delivery_failures", host=wijk_host) == 0
    inbox_posts = value(
        "samenspraak_request_duration_seconds_count", method="POST", route="/inbox"
    ) or value(
        "samenspraak_request_duration_seconds_count",
        method="POST",
        route="/actors/{username}/inbox",
    )
    assert inbox_posts is not None and inbox_posts >= 1
    # One registry per node: the neighbourhood node counted only its own traffic.
    assert ("samenspraak_votes", frozenset({("process", verkeer.uri)})) not in wijk_metrics
    assert (
        wijk_metrics[
            (
                "samenspraak_inbox_activities_total",
                frozenset({("result", "accepted"), ("status", "202")}),
            )
        ]
        >= 1
    )
