"""Activities to one inbox arrive in the order they were sent, even when the peer is slow."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from node import social_actions
from tests.integration.conftest import StartNode, deliver
from tests.integration.fake_peer import FakeMastodon


@dataclass
class SlowToAnswerFirst(FakeMastodon):
    """A Mastodon stand-in that takes a moment over its first POST, as a busy server does:
    a later POST sent alongside it would be received before it."""

    posts_started: int = 0

    async def _receive(self, request: web.Request) -> web.Response:
        self.posts_started += 1
        if self.posts_started == 1:
            await asyncio.sleep(0.2)
        return await super()._receive(request)


async def test_follow_undo_and_follow_again_reach_a_slow_peer_in_the_order_sent(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    peer = SlowToAnswerFirst()
    await peer.start()
    try:
        account = peer.add_account("anne")
        resident = await wijert.node.organisation()
        await social_actions.follow(wijert.node.social_services, resident, account.uri)
        await social_actions.unfollow(wijert.node.social_services, resident, account.uri)
        await social_actions.follow(wijert.node.social_services, resident, account.uri)

        assert await deliver(wijert) == 3
        received = [r.activity for r in peer.received_by(account)]
    finally:
        await peer.stop()
    assert [(a["type"], a["object"]["type"] if a["type"] == "Undo" else "") for a in received] == [
        ("Follow", ""),
        ("Undo", "Follow"),
        ("Follow", ""),
    ]
