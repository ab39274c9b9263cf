"""Federation policy between real nodes: allow-list, domain blocks and what blocking undoes."""

from __future__ import annotations

import json

import aiohttp

from federation.transport import PostOutcome
from node import social_actions
from node.moderator_actions import OPERATOR, allow_domain, block_domain, set_mode
from node.runner import RunningNode
from tests.integration.conftest import StartNode, deliver


async def _follow_post(sender: RunningNode, receiver: RunningNode) -> PostOutcome:
    """A signed Follow from the sender's organisation straight to the receiver's inbox."""
    organisation = await sender.node.organisation()
    target = await receiver.node.organisation()
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": sender.node.urls.new_activity(),
        "type": "Follow",
        "actor": organisation.uri,
        "object": target.uri,
    }
    signer = await sender.node.actors.signer_for(organisation.uri)
    assert signer is not None
    return await sender.node.transport.post_activity(
        receiver.node.urls.shared_inbox(), json.dumps(follow).encode(), signer
    )


async def _jobs_to(running: RunningNode, host: str) -> dict[str, int]:
    rows = await running.node.db.fetch_all(
        "SELECT state, COUNT(*) FROM deliveries WHERE host = ? GROUP BY state", (host,)
    )
    return {r[0]: r[1] for r in rows}


async def test_allowlist_refuses_an_unknown_node_with_403_and_accepts_an_approved_one(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await set_mode(gemeente.node.moderator_services, OPERATOR, "allowlist", "alleen bekende wijken")

    refused = await _follow_post(oosterpark, gemeente)
    assert refused.status == 403
    assert "not on this node's list of approved nodes" in refused.error
    assert await gemeente.node.follows.followers_of((await gemeente.node.organisation()).uri) == []

    await allow_domain(
        gemeente.node.moderator_services, OPERATOR, oosterpark.node.urls.host, "wijkraad"
    )
    accepted = await _follow_post(oosterpark, gemeente)
    assert accepted.status == 202
    organisation = await oosterpark.node.organisation()
    assert await gemeente.node.follows.followers_of((await gemeente.node.organisation()).uri) == [
        organisation.uri
    ]

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{gemeente.base_url}/moderation.json") as response:
            log = await response.json()
    assert log["federation_mode"] == "allowlist"
    assert [e["action"] for e in log["entries"]] == ["allow", "mode"]


async def test_blocking_a_domain_drops_its_followers_cancels_queued_jobs_and_sends_nothing_more(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    municipality = await gemeente.node.organisation()
    for follower in (oosterpark, wijert):
        await social_actions.follow(
            follower.node.social_services, await follower.node.organisation(), municipality.uri
        )
    await deliver(gemeente, oosterpark, wijert)
    blocked_host = oosterpark.node.urls.host
    await social_actions.post_note(
        gemeente.node.social_services, municipality, "<p>Raadsvergadering dinsdag.</p>"
    )
    await gemeente.node.worker.fan_out()
    assert await _jobs_to(gemeente, blocked_host) == {"delivered": 1, "pending": 1}

    outcome = await block_domain(
        gemeente.node.moderator_services,
        OPERATOR,
        blocked_host,
        "suspend",
        "Spamgolf vanaf dit knooppunt",
    )

    assert outcome.follows_removed == 1 and outcome.deliveries_cancelled == 1
    assert await _jobs_to(gemeente, blocked_host) == {"delivered": 1, "cancelled": 1}
    followers = await gemeente.node.follows.followers_of(municipality.uri)
    assert followers == [(await wijert.node.organisation()).uri]
    await social_actions.post_note(
        gemeente.node.social_services, municipality, "<p>Nog een bericht.</p>"
    )
    assert await _jobs_to(gemeente, blocked_host) == {"delivered": 1, "cancelled": 1}
    assert await deliver(gemeente) == 2  # both notes reach the node that is not blocked

    refused = await _follow_post(oosterpark, gemeente)
    assert refused.status == 403 and "blocked by this node" in refused.error
    block, mode = await gemeente.node.moderation_store.log_entries()
    assert block.action == "block" and block.subject == blocked_host
    assert block.reason == "suspend: Spamgolf vanaf dit knooppunt"
    assert mode.action == "mode" and mode.subject == "blocklist"
    assert await gemeente.node.moderation_store.federation_mode() == "blocklist"


async def test_a_silenced_node_is_still_heard_but_left_out_of_the_public_listing(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijkraad = await oosterpark.node.organisation()
    await social_actions.follow(
        gemeente.node.social_services, await gemeente.node.organisation(), wijkraad.uri
    )
    await deliver(gemeente, oosterpark)
    await social_actions.post_note(
        oosterpark.node.social_services, wijkraad, "<p>Snoeiwerk in het park.</p>"
    )
    await deliver(gemeente, oosterpark)
    assert "Snoeiwerk" in await _home(gemeente)

    await block_domain(
        gemeente.node.moderator_services, OPERATOR, oosterpark.node.urls.host, "silence", "Te luid"
    )
    late = await social_actions.post_note(
        oosterpark.node.social_services, wijkraad, "<p>Nog meer snoeiwerk.</p>"
    )
    await deliver(gemeente, oosterpark)

    assert await gemeente.node.objects.record(late["id"]) is not None
    home = await _home(gemeente)
    assert "Snoeiwerk" not in home and "snoeiwerk" not in home
    assert await gemeente.node.follows.followers_of(wijkraad.uri) != []


async def _home(running: RunningNode) -> str:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{running.base_url}/") as response:
            return await response.text()
