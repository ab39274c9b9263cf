"""``/healthz`` and ``/metrics``: whether the node can do its work, and what it did.

``/healthz`` answers 200 when the database answers, the delivery worker runs and
no more deliveries wait than ``[health] max_queue_depth``; otherwise 503, with
every check and its finding in the JSON either way, for a load balancer or a
container's health check.

``/metrics`` is Prometheus' text format from ``prometheus-client``, with one
registry per node (several nodes share one process in the demo and the tests):
inbox activities by result and requests' latency are counted as they happen (the
``measure`` middleware); the delivery queue, failures per host and votes and
supports per process are read from the database when scraped
(``node/storage/node_stats.py``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from node.node import PERIODIC_INTERVAL, Node
from node.storage.database import database_error
from node.storage.job_runners import JobRunners
from node.storage.node_stats import NodeStats
from node.web.app import BACKGROUND, NODE, RUN_WORKERS, Handler

# Set by the inbox route for an accepted POST: "accepted", or "duplicate" when the
# activity had been processed before.
INBOX_OUTCOME = web.RequestKey("inbox_outcome", str)
INBOX_ROUTES = frozenset({"/inbox", "/actors/{username}/inbox"})
# A database that takes longer than this to answer SELECT 1 is not healthy.
DATABASE_CHECK_SECONDS = 5.0
# A worker process says it is alive every periodic round (node/node.py); three rounds
# of silence mean none runs.
WORKER_SILENT_SECONDS = 3 * PERIODIC_INTERVAL


@dataclass
class NodeMetrics:
    """The metrics of one node, in a registry of its own."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.inbox_activities = Counter(
            "samenspraak_inbox_activities",
            "Activities POSTed to the inboxes, by result (accepted, duplicate, refused) "
            "and HTTP status",
            ["result", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "samenspraak_request_duration_seconds",
            "Time to answer a request, by method and route",
            ["method", "route"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "samenspraak_delivery_queue_depth",
            "Deliveries waiting to go out",
            registry=self.registry,
        )
        self.delivery_failures = Gauge(
            "samenspraak_delivery_failures",
            "Deliveries given up on, per receiving host",
            ["host"],
            registry=self.registry,
        )
        self.failing_in_a_row = Gauge(
            "samenspraak_delivery_host_failures_in_a_row",
            "Failed delivery attempts in a row to a host right now",
            ["host"],
            registry=self.registry,
        )
        self.votes = Gauge(
            "samenspraak_votes",
            "Votes counted on this node's questions, per process",
            ["process"],
            registry=self.registry,
        )
        self.supports = Gauge(
            "samenspraak_supports",
            "Supports of proposals, per process",
            ["process"],
            registry=self.registry,
        )

    async def read(self, node: Node) -> None:
        """Set the figures read from the database to their values now."""
        stats = NodeStats(node.db)
        self.queue_depth.set(await queue_depth(node))
        failures = await stats.failures_by_host()
        for gauge in (self.delivery_failures, self.failing_in_a_row):
            gauge.clear()
        for host, (given_up, in_a_row) in failures.items():
            self.delivery_failures.labels(host).set(given_up)
            self.failing_in_a_row.labels(host).set(in_a_row)
        for gauge, counts in (
            (self.votes, await stats.votes_by_process()),
            (self.supports, await stats.supports_by_process()),
        ):
            gauge.clear()
            for process, count in counts.items():
                gauge.labels(process).set(count)


METRICS = web.AppKey("metrics", NodeMetrics)


async def queue_depth(node: Node) -> int:
    """Deliveries waiting, and sent activities whose deliveries are not queued yet."""
    pending = (await node.deliveries.counts()).get("pending", 0)
    return pending + await node.deliveries.fanouts_waiting()


@web.middleware
async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time every request, and count what became of every inbox POST."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics = request.app[METRICS]
        resource = request.match_info.route.resource
        # The route's pattern, not the path: one series per route, whatever ids come in.
        route = resource.canonical if resource is not None else "unmatched"
        metrics.request_seconds.labels(request.method, route).observe(time.perf_counter() - started)
        if request.method == "POST" and route in INBOX_ROUTES:
            outcome = request.get(INBOX_OUTCOME, "refused")
            metrics.inbox_activities.labels(outcome, str(status)).inc()


async def healthz(request: web.Request) -> web.Response:
    """200 when every check passes, 503 otherwise; each check's finding in the JSON."""
    node = request.app[NODE]
    stats = NodeStats(node.db)
    checks: dict[str, dict[str, object]] = {}
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS):
            reachable = await stats.reachable()
        checks["database"] = {"ok": reachable}
    except Exception as exc:
        if not (isinstance(exc, TimeoutError) or database_error(exc)):
            raise
        checks["database"] = {"ok": False, "error": str(exc) or type(exc).__name__}
    checks["delivery_worker"] = await _worker_check(request, checks["database"]["ok"] is True)
    if checks["database"]["ok"]:
        depth = await queue_depth(node)
        limit = node.config.health_max_queue_depth
        checks["delivery_queue"] = {"ok": depth <= limit, "depth": depth, "max": limit}
    else:
        checks["delivery_queue"] = {"ok": False, "error": "the database does not answer"}
    healthy = all(check["ok"] for check in checks.values())
    return web.json_response(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )


async def _worker_check(request: web.Request, database_ok: bool) -> dict[str, object]:
    """Whether the jobs run: in this process, or, for a web process that leaves them to
    ``samenspraak worker`` processes, in one that said so lately."""
    task = request.app[BACKGROUND].task
    if task is not None:
        state = "stopped" if task.done() else "running"
        return {"ok": state == "running", "state": state}
    node = request.app[NODE]
    if request.app[RUN_WORKERS] or not node.db.shared:
        return {"ok": False, "state": "not started"}
    seen = await JobRunners(node.db).last_seen() if database_ok else None
    if seen is None:
        return {"ok": False, "state": "no worker process seen"}
    ago = max(time.time() - seen, 0.0)
    return {"ok": ago <= WORKER_SILENT_SECONDS, "state": "in worker processes", "seen_ago": ago}


async def metrics(request: web.Request) -> web.Response:
    """The node's metrics in Prometheus' text format."""
    node_metrics = request.app[METRICS]
    await node_metrics.read(request.app[NODE])
    response = web.Response(body=generate_latest(node_metrics.registry))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def register(app: web.Application) -> None:
    """Add ``/healthz`` and ``/metrics`` and the registry they report from."""
    app[METRICS] = NodeMetrics()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
