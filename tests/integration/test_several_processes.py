"""One node in several processes on one PostgreSQL database: ``samenspraak serve --workers 2
--no-jobs`` and two ``samenspraak worker``s, real processes on loopback. Every post
reaches a receiving node exactly once, also when a worker is killed with -9 in the
middle of delivering; a phase move due when both workers start is made once. On
SQLite, more than one process is refused with the reason."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from node.cli.errors import REFUSED
from node.clock import iso, utc_now
from node.node import Node, open_node
from node.participation.models import Phase
from node.participation.processes import create_process
from node.runner import RunningNode, dev_config, free_port
from node.setup import create_account, initialise
from node.social_actions import create_object, follow
from tests.conftest import PostgresCluster
from tests.integration.conftest import StartNode

POSTS = 40
# A worker killed with -9 holds its claims this long; the other takes them after.
LEASE = 8.0
# Long enough for any step here on a loaded machine; only a hang reaches it.
PATIENCE = 240.0


@dataclass
class Processes:
    """The processes of the sending node; all are stopped after the test."""

    directory: Path
    logs: Path
    started: list[asyncio.subprocess.Process] = field(default_factory=list)

    async def start(self, *arguments: str, ready: str) -> asyncio.subprocess.Process:
        """``samenspraak ARGUMENTS``, returned once its output has a line starting ``ready``."""
        log = self.logs / f"process-{len(self.started)}.log"
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "node.cli",
                *arguments,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.started.append(process)
        await until(
            lambda: (
                any(line.startswith(ready) for line in log.read_text().splitlines())
                or process.returncode is not None
            ),
            f"{arguments[0]} to start",
        )
        assert process.returncode is None, log.read_text()
        return process

    async def worker(self) -> asyncio.subprocess.Process:
        """A ``samenspraak worker`` with a short lease."""
        return await self.start(
            "worker", str(self.directory), "--lease", str(LEASE), ready="Working for"
        )

    async def stop(self) -> None:
        for process in self.started:
            if process.returncode is None:
                process.terminate()
        for process in self.started:
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


async def until(condition: Callable[[], object], what: str) -> None:
    """Wait until ``condition()`` holds (checked by polling; async ones are awaited)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = condition()
        if asyncio.iscoroutine(found):
            found = await found
        if found:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"waited {PATIENCE:.0f}s for {what}")


@pytest.fixture
async def sender(
    tmp_path: Path, postgres_cluster: PostgresCluster
) -> AsyncIterator[tuple[Node, Processes]]:
    """A node on a PostgreSQL database of its own, opened here too (to post and look),
    and the processes that will serve it."""
    port = free_port()
    directory = tmp_path / "gemeente"
    url = postgres_cluster.fresh_database(template="template0")
    config = replace(dev_config("gemeente", "Gemeente", port, "municipality"), database=url)
    await initialise(directory, config)
    node = await open_node(directory)
    processes = Processes(directory, tmp_path)
    try:
        yield node, processes
    finally:
        await processes.stop()
        await node.close()
        postgres_cluster.drop(url)


async def serve_two_web_processes(processes: Processes) -> None:
    await processes.start(
        "serve", str(processes.directory), "--workers", "2", "--no-jobs", ready="Serving"
    )


async def post_to(node: Node, receiver: RunningNode, count: int) -> list[str]:
    """``count`` posts by a resident of ``node`` addressed to the receiving node's
    organisation; their activities' ids."""
    author = (
        await create_account(node.db, node.urls, "schrijver", "resident", "wachtwoord-123")
    ).actor
    organisation = (await receiver.node.organisation()).uri
    sent = []
    for number in range(count):
        note = {
            "id": node.urls.new_object(),
            "type": "Note",
            "attributedTo": author.uri,
            "content": f"<p>Bericht {number}</p>",
            "published": iso(utc_now()),
            "to": [organisation],
        }
        await create_object(node.social_services, author, note, [organisation])
        sent.append(f"{note['id']}/activity")
    return sent


async def taken(receiver: RunningNode, activities: list[str]) -> dict[str, int]:
    """How often the receiving node's inbox took each activity (its effects: log entries)."""
    rows = await receiver.node.db.fetch_all(
        "SELECT activity_id, COUNT(*) FROM inbox_log GROUP BY activity_id"
    )
    counts = {r[0]: r[1] for r in rows}
    return {activity: counts.get(activity, 0) for activity in activities}


async def delivery_states(node: Node) -> dict[str, int]:
    return await node.deliveries.counts()


async def inbox_results(receiver: RunningNode) -> dict[str, float]:
    """The receiving node's count of inbox POSTs by result, from its /metrics."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{receiver.base_url}/metrics") as response:
            text = await response.text()
    results: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("samenspraak_inbox_activities_total{"):
            labels, value = line.rsplit(" ", 1)
            result = labels.split('result="', 1)[1].split('"', 1)[0]
            results[result] = results.get(result, 0) + float(value)
    return results


async def all_delivered(node: Node, count: int) -> bool:
    states = await delivery_states(node)
    return states.get("delivered", 0) == count and await node.deliveries.fanouts_waiting() == 0


async def posts_waiting(
    sender: tuple[Node, Processes], start: StartNode
) -> tuple[RunningNode, list[str]]:
    """A receiving node, the sending node served by two web processes, and POSTS posts
    waiting there for a worker: the receiver and the posts' activities."""
    node, processes = sender
    receiver = await start("oosterpark", "Wijkraad Oosterpark")
    await serve_two_web_processes(processes)
    return receiver, await post_to(node, receiver, POSTS)


async def each_taken_once(node: Node, receiver: RunningNode, activities: list[str]) -> float:
    """Check that every post was delivered and taken once; how many POSTs came twice."""
    await until(lambda: all_delivered(node, POSTS), "every delivery")
    assert set((await taken(receiver, activities)).values()) == {1}
    assert await delivery_states(node) == {"delivered": POSTS}
    results = await inbox_results(receiver)
    assert results.get("accepted") == POSTS
    return results.get("duplicate", 0)


@pytest.mark.needs_postgresql
async def test_two_workers_deliver_every_post_exactly_once_through_two_web_processes(
    sender: tuple[Node, Processes], start: StartNode
) -> None:
    node, processes = sender
    receiver, activities = await posts_waiting(sender, start)

    await processes.worker()
    await processes.worker()

    # Sent once each, too: the receiving inbox saw no second POST of any.
    assert await each_taken_once(node, receiver, activities) == 0
    # The web processes leave the jobs to the workers, and say that they run.
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{node.urls.base}/healthz") as response:
            health = await response.json()
    assert response.status == 200, health
    assert health["checks"]["delivery_worker"]["state"] == "in worker processes"


@pytest.mark.needs_postgresql
async def test_a_worker_killed_mid_delivery_loses_and_doubles_nothing(
    sender: tuple[Node, Processes], start: StartNode
) -> None:
    node, processes = sender
    receiver, activities = await posts_waiting(sender, start)
    first = await processes.worker()

    async def mid_delivery() -> bool:
        # The worker marks a host's deliveries done together, after its batch: mid-way,
        # the receiver has some while all are still pending here.
        arrived = sum((await taken(receiver, activities)).values())
        return 0 < arrived < POSTS

    await until(mid_delivery, "the first deliveries")
    first.send_signal(signal.SIGKILL)
    await first.wait()
    held = await node.db.fetch_value(
        "SELECT COUNT(*) FROM deliveries WHERE state = 'pending' AND claimed_by = ?",
        (f"{os.uname().nodename}:{first.pid}",),
    )
    assert held > 0, "the killed worker held no deliveries: nothing was in its hands"
    await processes.worker()

    # What the killed worker had sent went out again; the receiving inbox took it once.
    again = await each_taken_once(node, receiver, activities)
    print(f"POSTed again after the kill: {again:.0f}")
    objects = await receiver.node.db.fetch_value(
        "SELECT COUNT(*) FROM objects WHERE as_type = 'Note' AND attributed_to LIKE ?",
        (f"{node.urls.base}/%",),
    )
    assert objects == POSTS


@pytest.mark.needs_postgresql
async def test_a_worker_takes_new_posts_when_the_database_announces_them_not_at_its_next_poll(
    sender: tuple[Node, Processes], start: StartNode
) -> None:
    node, processes = sender
    receiver = await start("oosterpark", "Wijkraad Oosterpark")
    await serve_two_web_processes(processes)
    # Polling once an hour, the worker can only have taken them from the announcement
    # (LISTEN/NOTIFY) that the web process's commit sends: PATIENCE is far below an hour.
    await processes.start("worker", str(processes.directory), "--poll", "3600", ready="Working for")
    await asyncio.sleep(1)  # past its first look at the queue
    activities = await post_to(node, receiver, POSTS)
    assert await each_taken_once(node, receiver, activities) == 0


LOGIN_ALLOWANCE = 10  # moderation/spam.py: "login" per address and account name
CSRF = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')


@pytest.mark.needs_postgresql
async def test_two_web_processes_give_a_login_its_allowance_once_not_twice(
    sender: tuple[Node, Processes],
) -> None:
    node, processes = sender
    await create_account(node.db, node.urls, "anouk", "resident", "wachtwoord-123")
    await serve_two_web_processes(processes)
    answers: list[int] = []
    # A new connection for every attempt, so the kernel spreads them over both processes
    # (SO_REUSEPORT); each process alone would let LOGIN_ALLOWANCE through.
    connector = aiohttp.TCPConnector(force_close=True)
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
        async with session.get(f"{node.urls.base}/login") as page:
            [token] = CSRF.findall(await page.text())
        for _ in range(3 * LOGIN_ALLOWANCE):
            form = {"csrf": token, "username": "anouk", "password": "niet-het-wachtwoord"}
            async with session.post(f"{node.urls.base}/login", data=form) as answer:
                answers.append(answer.status)
    assert answers.count(429) == 2 * LOGIN_ALLOWANCE, answers
    assert answers[:LOGIN_ALLOWANCE] == [401] * LOGIN_ALLOWANCE
    # The right password is refused too while the allowance is spent, in either process.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as fresh:
        async with fresh.get(f"{node.urls.base}/login") as page:
            token = CSRF.findall(await page.text())[0]
            cookies = page.cookies
        form = {"csrf": token, "username": "anouk", "password": "wachtwoord-123"}
        async with fresh.post(
            f"{node.urls.base}/login", data=form, cookies=cookies, allow_redirects=False
        ) as answer:
            assert answer.status == 429
    held = await node.db.fetch_all("SELECT action FROM rate_buckets ORDER BY action")
    assert [r[0] for r in held] == ["login", "login_address"]


@pytest.mark.needs_postgresql
async def test_a_phase_move_due_when_two_workers_start_is_made_once(
    sender: tuple[Node, Processes], start: StartNode
) -> None:
    node, processes = sender
    receiver = await start("oosterpark", "Wijkraad Oosterpark")
    await serve_two_web_processes(processes)
    now = utc_now()
    process = await create_process(
        node.participation_services,
        slug="speeltuin",
        title="Speeltuin",
        archetype="initiate",
        threshold_count=3,
        phases=(
            Phase("proposing", iso(now - timedelta(days=10)), iso(now - timedelta(days=1))),
            Phase("supporting", iso(now - timedelta(days=1)), iso(now + timedelta(days=10))),
        ),
    )
    reader = (
        await create_account(
            receiver.node.db, receiver.node.urls, "lezer", "resident", "wachtwoord-123"
        )
    ).actor
    await follow(receiver.node.social_services, reader, process.uri)
    await receiver.node.worker.run_once()

    async def followed() -> bool:
        return bool(await node.follows.followers_of(process.uri))

    await until(followed, "the follow")
    workers = [await processes.worker(), await processes.worker()]

    async def moved() -> bool:
        found = await node.participation_store.get_process(process.uri)
        return found is not None and found.current_phase == "supporting"

    await until(moved, "the phase move")
    moved_at = time.time()

    async def updates() -> int:
        return int(
            await receiver.node.db.fetch_value(
                "SELECT COUNT(*) FROM inbox_log WHERE actor = ? AND type = 'Update'",
                (process.uri,),
            )
        )

    async def both_went_round_again() -> bool:
        # Each says it is alive once a periodic round: seen after the move, each has
        # had its turn at the schedule since.
        rows = await node.db.fetch_all("SELECT name, seen_at FROM job_runners")
        seen = {name.rsplit(":", 1)[1]: at for name, at in rows}
        return all(seen.get(str(w.pid), 0) > moved_at for w in workers)

    await until(both_went_round_again, "another round of both workers")

    async def all_sent() -> bool:
        waiting = (await delivery_states(node)).get("pending", 0)
        return waiting == 0 and await node.deliveries.fanouts_waiting() == 0

    await until(all_sent, "the deliveries of both workers' rounds")

    moves = await node.db.fetch_value(
        "SELECT COUNT(*) FROM process_moves WHERE process_uri = ? AND kind = 'phase'",
        (process.uri,),
    )
    assert moves == 1
    assert await updates() == 1


# On a --db=postgresql run every node directory gets a PostgreSQL database.
@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "arguments",
    [["serve", "--workers", "2"], ["serve", "--no-jobs"], ["worker"]],
    ids=["serve-workers", "serve-no-jobs", "worker"],
)
def test_more_than_one_process_is_refused_on_sqlite_with_the_reason(
    tmp_path: Path, arguments: list[str]
) -> None:
    directory = tmp_path / "oosterpark"
    asyncio.run(initialise(directory, dev_config("oosterpark", "Oosterpark", free_port())))
    command, *options = arguments

    done = subprocess.run(
        [sys.executable, "-m", "node.cli", command, str(directory), *options],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == REFUSED, done
    [line] = done.stderr.splitlines()
    assert "needs a PostgreSQL database" in line and "SQLite, which one process serves" in line
