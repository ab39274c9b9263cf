"""No network while a write transaction is open: sending writes rows only, the delivery
worker resolves recipients afterwards, and the transport refuses a request made while
the calling task holds the write lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from federation.ports import Follow
from federation.transport import NetworkInsideTransaction
from node import social_actions
from node.participation.proposals import create_proposal
from node.runner import free_port
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import open_process, person


class HangingHost:
    """A loopback server that takes every request and answers only when released."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requested = asyncio.Event()
        self.release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """Where the host is reached."""
        return f"http://127.0.0.1:{self.port}"

    async def _hang(self, request: web.Request) -> web.Response:
        self.requested.set()
        await self.release.wait()
        return web.Response(status=404)

    async def start(self) -> None:
        """Listen on the port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._hang)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Answer what still hangs and stop listening."""
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def hanging_host() -> AsyncIterator[HangingHost]:
    host = HangingHost()
    await host.start()
    yield host
    await host.stop()


async def test_a_hanging_follower_fetch_does_not_hold_back_another_nodes_inbox_post(
    start: StartNode, hanging_host: HangingHost
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    process = await open_process(gemeente, "wijkbudget", "initiate", threshold=5)
    fatima = await person(gemeente, "fatima")
    # A follower whose actor document is not cached: fan-out has to fetch it, and its host hangs.
    slow_follower = f"{hanging_host.base_url}/users/traag"
    await gemeente.node.follows.save_follow(
        Follow(slow_follower, fatima.uri, f"{hanging_host.base_url}/follows/1", "accepted")
    )

    proposal = await create_proposal(
        gemeente.node.participation_services,
        fatima,
        process,
        "Meer bankjes",
        "Bankjes langs het Winschoterdiep.",
    )
    assert not hanging_host.requested.is_set(), "sending must not touch the network"
    # The proposal's Create, and the process's Announce of it.
    assert await gemeente.node.deliveries.fanouts_waiting() == 2

    fanning_out = asyncio.create_task(gemeente.node.worker.run_once())
    await asyncio.wait_for(hanging_host.requested.wait(), timeout=10)
    municipality = await gemeente.node.organisation()
    await social_actions.follow(
        wijk.node.social_services, await wijk.node.organisation(), municipality.uri
    )
    report = await wijk.node.worker.run_once()

    assert report.delivered == 1, "the Follow was answered 2xx"
    assert not fanning_out.done() and not hanging_host.release.is_set(), "fetch still pending"
    assert await gemeente.node.follows.followers_of(municipality.uri) == [
        (await wijk.node.organisation()).uri
    ]

    hanging_host.release.set()
    report = await fanning_out
    assert report.fanned_out == 2
    # Only the Accept of the Follow, queued while the fetch hung, is left to fan out.
    assert await gemeente.node.deliveries.fanouts_waiting() == 1
    await deliver(gemeente, wijk)
    assert await gemeente.node.deliveries.fanouts_waiting() == 0
    assert await wijk.node.follows.followed_by((await wijk.node.organisation()).uri) == [
        municipality.uri
    ]
    assert await gemeente.node.objects.record(proposal.uri) is not None


async def test_a_request_inside_a_write_transaction_raises(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    node = gemeente.node
    other = (await wijk.node.organisation()).uri
    signer = await node.actors.instance_signer()

    async with node.db.transaction():
        with pytest.raises(NetworkInsideTransaction):
            await node.transport.get_json(other, None)
        with pytest.raises(NetworkInsideTransaction):
            await node.transport.post_activity(f"{wijk.base_url}/inbox", b"{}", signer)

    assert (await node.transport.get_json(other, None))["id"] == other


async def test_a_deferred_transaction_allows_requests_until_its_first_write(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    node = gemeente.node
    other = (await wijk.node.organisation()).uri

    await node.resolver.get(other)

    with pytest.raises(NetworkInsideTransaction):
        async with node.db.deferred_transaction():
            assert (await node.transport.get_json(other, None))["id"] == other
            await node.db.execute("DELETE FROM remote_actors WHERE uri = ?", (other,))
            await node.transport.get_json(other, None)

    assert await node.actors.remote_actor(other) is not None, "rolled back"
