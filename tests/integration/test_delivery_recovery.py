"""Delivery survives stopped peers and restarts, leaves dead peers aside, and is idempotent.

Workers are stepped by hand; "later" is reached by passing ``now`` into the
future instead of sleeping.
"""

from __future__ import annotations

import json
import time

from federation.delivery import PAUSE_AFTER_FAILURES
from federation.ports import DeliveryJob
from node import social_actions
from node.clock import epoch_now
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer, deliver

LATER = 3600.0


async def all_follow(followed: RunningNode, *followers: RunningNode) -> None:
    """Every node in ``followers`` follows the organisation of ``followed``."""
    target = await followed.node.organisation()
    for follower in followers:
        await social_actions.follow(
            follower.node.social_services, await follower.node.organisation(), target.uri
        )
    await deliver(followed, *followers)
    assert len(await followed.node.follows.followers_of(target.uri)) == len(followers)


async def restart(start: StartNode, stopped: RunningNode) -> RunningNode:
    """Start a stopped node again from its data directory, on the same port."""
    config = stopped.node.config
    return await start(config.handle, config.name, kind=config.kind, port=config.port)


async def has_post(running: RunningNode, uri: str) -> bool:
    """Whether a node stored a post, with its content."""
    record = await running.node.objects.record(uri)
    return record is not None and bool(record.content)


async def test_a_stopped_receiver_gets_the_post_after_both_nodes_restart(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await all_follow(gemeente, wijk)

    await wijk.stop()
    post = await social_actions.post_note(
        gemeente.node.social_services,
        await gemeente.node.organisation(),
        "<p>Raadsvergadering verplaatst.</p>",
    )
    report = await gemeente.node.worker.run_once()
    assert (report.delivered, report.retried, report.given_up) == (0, 1, 0)
    assert await gemeente.node.deliveries.counts() == {"delivered": 1, "pending": 1}

    await gemeente.stop()
    gemeente = await restart(start, gemeente)
    wijk = await restart(start, wijk)
    assert not await has_post(wijk, post["id"])

    report = await gemeente.node.worker.run_once(now=epoch_now() + LATER)

    assert report.delivered == 1
    assert await has_post(wijk, post["id"])
    assert await gemeente.node.deliveries.counts() == {"delivered": 2}


async def test_a_dead_peer_does_not_hold_up_delivery_to_the_others(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    dood = await start("wijert", "Wijkdeal De Wijert")
    await all_follow(gemeente, wijk, dood)
    await dood.stop()
    post = await social_actions.post_note(
        gemeente.node.social_services,
        await gemeente.node.organisation(),
        "<p>Nieuwe afvalkalender.</p>",
    )

    started = time.monotonic()
    report = await gemeente.node.worker.run_once()

    assert time.monotonic() - started < 5
    assert (report.delivered, report.retried) == (1, 1)
    assert await has_post(wijk, post["id"])


async def test_a_host_that_keeps_failing_is_paused_and_resumed_when_it_answers(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await all_follow(gemeente, wijk)
    wijk_host = wijk.node.urls.host
    await wijk.stop()
    org = await gemeente.node.organisation()
    first = await social_actions.post_note(
        gemeente.node.social_services, org, "<p>Eerste bericht.</p>"
    )

    for _ in range(PAUSE_AFTER_FAILURES):
        report = await gemeente.node.worker.run_once(now=epoch_now() + 10 * LATER)
        assert report.retried == 1
    host = await gemeente.node.db.fetch_one(
        "SELECT consecutive_failures, paused_until FROM delivery_hosts WHERE host = ?",
        (wijk_host,),
    )
    assert host["consecutive_failures"] == PAUSE_AFTER_FAILURES
    assert host["paused_until"] > epoch_now()

    second = await social_actions.post_note(
        gemeente.node.social_services, org, "<p>Tweede bericht.</p>"
    )
    report = await gemeente.node.worker.run_once()
    assert (report.delivered, report.retried, report.given_up) == (0, 0, 0), "host is paused"

    wijk = await restart(start, wijk)
    report = await gemeente.node.worker.run_once(now=epoch_now() + 10 * LATER)

    assert report.delivered == 2
    assert await has_post(wijk, first["id"]) and await has_post(wijk, second["id"])
    host = await gemeente.node.db.fetch_one(
        "SELECT consecutive_failures, paused_until FROM delivery_hosts WHERE host = ?",
        (wijk_host,),
    )
    assert (host["consecutive_failures"], host["paused_until"]) == (0, 0)


async def test_the_same_signed_post_twice_has_one_effect(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    post = await social_actions.post_note(
        wijk.node.social_services, org, "<p>Buurtfeest op zaterdag!</p>"
    )
    note = mastodon.note(alice, "<p>Ik neem taart mee.</p>", in_reply_to=post["id"])
    url = f"{wijk.base_url}/inbox"
    body = json.dumps(mastodon.create(note)).encode()
    headers = mastodon.signed_post_headers(alice, url, body)

    first = await mastodon.post_raw(url, body, headers)
    second = await mastodon.post_raw(url, body, headers)

    assert (first.status, first.body["status"]) == (202, "accepted")
    assert second.status == 202 and "duplicate" in second.body["status"]
    assert [r.uri for r in await wijk.node.objects.replies_to(post["id"])] == [note["id"]]
    logged = await wijk.node.db.fetch_value(
        "SELECT COUNT(*) FROM inbox_log WHERE activity_id = ?", (f"{note['id']}/activity",)
    )
    assert logged == 1


async def test_the_same_like_delivered_twice_counts_once(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    alice = mastodon.add_account("alice")
    org = await wijk.node.organisation()
    post = await social_actions.post_note(
        wijk.node.social_services, org, "<p>Buurtfeest op zaterdag!</p>"
    )
    url = f"{org.uri}/inbox"
    body = json.dumps(mastodon.like(alice, post["id"])).encode()
    headers = mastodon.signed_post_headers(alice, url, body)

    answers = [await mastodon.post_raw(url, body, headers) for _ in range(2)]

    assert [a.status for a in answers] == [202, 202]
    assert await wijk.node.reactions.likes_of(post["id"]) == [alice.uri]


async def test_a_delivered_job_is_final_and_a_late_failure_does_not_move_it(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await all_follow(gemeente, wijk)
    await social_actions.post_note(
        gemeente.node.social_services,
        await gemeente.node.organisation(),
        "<p>Inloopavond dinsdag.</p>",
    )
    await deliver(gemeente, wijk)
    delivered = await gemeente.node.deliveries.counts()
    row = await gemeente.node.db.fetch_one(
        "SELECT id, activity, inbox, host, signer, attempts, created_at FROM deliveries"
        " WHERE state = 'delivered' ORDER BY id DESC LIMIT 1"
    )
    job = DeliveryJob(**dict(row), body=b"")

    await gemeente.node.deliveries.give_up(job, "a late 500")
    await gemeente.node.deliveries.retry_later(job, "a late timeout", epoch_now() + LATER)

    assert await gemeente.node.deliveries.counts() == delivered
