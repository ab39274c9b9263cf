"""Reports across nodes: a Flag as Mastodon sends it, both moderator queues, the threshold."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from federation.errors import Refused
from moderation.spam import SpamRules
from node import social_actions
from node.moderator_actions import file_report
from node.participation.comments import post_comment
from node.participation.proposals import create_proposal
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.fake_peer import PeerAccount
from tests.integration.participation_helpers import open_process, person
from tests.integration.web_login import logged_in, web_browser


async def _comment_from_b_in_process_on_a(
    start: StartNode,
) -> tuple[RunningNode, RunningNode, str, str]:
    """A process on the municipality's node, a proposal in it, and a rude comment from a
    neighbourhood node; returns (a, b, comment id, comment author)."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    await social_actions.follow(
        oosterpark.node.social_services, await oosterpark.node.organisation(), process.uri
    )
    await deliver(gemeente, oosterpark)
    fatima = await person(gemeente, "fatima")
    proposal = await create_proposal(
        gemeente.node.participation_services,
        fatima,
        process,
        "Meer bomen in de Korreweg",
        "Twintig bomen erbij.",
    )
    await deliver(gemeente, oosterpark)
    anouk = await person(oosterpark, "anouk")
    comment = await post_comment(
        oosterpark.node.participation_services, anouk, proposal.uri, "Wie dit steunt is een idioot."
    )
    await deliver(gemeente, oosterpark)
    assert await gemeente.node.objects.record(comment["id"]) is not None
    return gemeente, oosterpark, comment["id"], anouk.uri


async def test_report_of_a_remote_comment_reaches_both_moderator_queues_as_a_flag(
    start: StartNode,
) -> None:
    gemeente, oosterpark, comment, author = await _comment_from_b_in_process_on_a(start)
    henk = await person(gemeente, "henk")

    filed = await file_report(
        gemeente.node.moderator_services, henk, author, [comment], "Scheldpartij in de wijk"
    )
    await deliver(gemeente, oosterpark)

    [own] = await gemeente.node.moderation_store.open_reports()
    assert own.reporter == henk.uri and own.object_ids == (comment,)
    [received] = await oosterpark.node.moderation_store.open_reports()
    instance = await gemeente.node.instance_actor()
    assert received.reporter == instance.uri
    assert received.target_account == author and received.object_ids == (comment,)
    assert received.comment == "Scheldpartij in de wijk"
    assert received.origin_host == gemeente.node.urls.host

    sent = await gemeente.node.outbox_store.get(filed.uri or "")
    assert sent is not None
    flag = sent.document
    assert flag["type"] == "Flag" and flag["actor"] == instance.uri
    assert flag["object"] == [author, comment] and flag["content"] == "Scheldpartij in de wijk"
    assert "henk" not in json.dumps(flag)


async def test_moderator_queue_page_needs_a_moderator_login(start: StartNode) -> None:
    gemeente, oosterpark, comment, author = await _comment_from_b_in_process_on_a(start)
    await file_report(
        gemeente.node.moderator_services, await person(gemeente, "henk"), author, [comment], "Grof"
    )
    await deliver(gemeente, oosterpark)
    queue = "/moderation/queue"
    async with web_browser(oosterpark) as browser:
        anonymous = await browser.get(queue, follow=False)
        assert (anonymous.status, anonymous.location) == (303, f"/login?next={queue}")
    async with logged_in(oosterpark, "anouk") as browser:
        refused = await browser.get(queue)
        assert refused.status == 403
        assert "alleen voor moderatoren en beheerders" in refused.text
    assert oosterpark.admin is not None
    admin = oosterpark.admin
    async with logged_in(oosterpark, admin.actor.username, admin.password) as browser:
        page = await browser.get(queue)
        assert page.status == 200
        html = page.text
    assert comment in html and "Grof" in html


async def test_content_reported_by_three_people_is_hidden_pending_review_and_the_author_told(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    spammer = await person(wijk, "spammer")
    post = await social_actions.post_note(
        wijk.node.social_services, spammer, "<p>Koop nu goedkope horloges!</p>"
    )
    reporters = [await person(wijk, name) for name in ("ria", "sem", "tess")]

    for reporter in reporters[:2]:
        await file_report(
            wijk.node.moderator_services, reporter, spammer.uri, [post["id"]], "Reclame"
        )
    assert (await wijk.node.objects.record(post["id"])).hidden_reason is None

    await file_report(
        wijk.node.moderator_services, reporters[2], spammer.uri, [post["id"]], "Reclame"
    )
    record = await wijk.node.objects.record(post["id"])
    assert record is not None and "pending review" in (record.hidden_reason or "")
    told = await wijk.node.db.fetch_all(
        "SELECT type, object FROM notifications WHERE recipient = ?", (spammer.uri,)
    )
    assert [tuple(r) for r in told] == [("moderation_warning", post["id"])]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{wijk.base_url}/") as home:
            html = await home.text()
    assert "verborgen door de moderatoren" in html and "horloges" not in html
    [entry] = await wijk.node.moderation_store.log_entries()
    assert entry.action == "hide" and entry.role == "automatic rule"


async def test_a_report_about_someone_elses_post_is_refused_and_stores_nothing(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    ria = await person(wijk, "ria")
    sem = await person(wijk, "sem")
    post = await social_actions.post_note(
        wijk.node.social_services, ria, "<p>Buurtfeest zaterdag!</p>"
    )
    with pytest.raises(Refused, match="not written by"):
        await file_report(
            wijk.node.moderator_services, sem, sem.uri.replace("sem", "tess"), [post["id"]], ""
        )
    assert await wijk.node.moderation_store.open_reports() == []


async def test_a_flag_from_mastodon_about_a_local_post_lands_in_the_queue(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    ria = await person(wijk, "ria")
    post = await social_actions.post_note(wijk.node.social_services, ria, "<p>Koop mijn fiets!</p>")
    flag = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{mastodon.base_url}/0b6d1c5e-3a55-4c4e-9d1b-6a1f1e0f7a10",
        "type": "Flag",
        "actor": mastodon.instance_actor.uri,
        "content": "Dit is reclame",
        "object": [ria.uri, post["id"]],
    }
    answer = await mastodon.post(mastodon.instance_actor, wijk.node.urls.shared_inbox(), flag)
    assert answer.status == 202
    [report] = await wijk.node.moderation_store.open_reports()
    assert report.reporter == mastodon.instance_actor.uri and report.uri == flag["id"]
    assert report.target_account == ria.uri and report.object_ids == (post["id"],)
    assert report.comment == "Dit is reclame" and report.origin_host == mastodon.host

    elsewhere = {
        **flag,
        "id": f"{mastodon.base_url}/other",
        "object": [f"{mastodon.base_url}/users/x"],
    }
    refused = await mastodon.post(mastodon.instance_actor, wijk.node.urls.shared_inbox(), elsewhere)
    assert refused.status == 422 and "concerns no account" in refused.body["error"]
    assert len(await wijk.node.moderation_store.open_reports()) == 1


async def test_reporting_a_mastodon_account_sends_a_signed_flag_it_accepts(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    spammer = mastodon.add_account("spammer")
    ria = await person(wijk, "ria")

    await file_report(wijk.node.moderator_services, ria, spammer.uri, [], "Stuurt iedereen reclame")
    await deliver(wijk)

    [received] = [r for r in mastodon.inbox if r.activity.get("type") == "Flag"]
    assert received.verified, received.failure
    instance = await wijk.node.instance_actor()
    assert received.signer == instance.uri
    flag = received.activity
    assert flag["actor"] == instance.uri and flag["object"] == [spammer.uri]
    assert flag["content"] == "Stuurt iedereen reclame" and "ria" not in json.dumps(flag)


def _flag(reporter: PeerAccount, account: str, post: str) -> dict[str, Any]:
    """A Flag as Mastodon sends one, from ``reporter`` with an id on its own server."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{reporter.uri}/flags/{post.rsplit('/', 1)[-1]}",
        "type": "Flag",
        "actor": reporter.uri,
        "content": "Reclame",
        "object": [account, post],
    }


async def test_three_actors_on_one_server_count_as_one_reporter_and_hide_nothing(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    ria = await person(wijk, "ria")
    post = await social_actions.post_note(
        wijk.node.social_services, ria, "<p>Buurtfeest zaterdag!</p>"
    )

    for name in ("sock1", "sock2", "sock3"):
        sock = mastodon.add_account(name)
        flag = _flag(sock, ria.uri, post["id"])
        answer = await mastodon.post(sock, wijk.node.urls.shared_inbox(), flag)
        assert answer.status == 202, answer.body

    assert len(await wijk.node.moderation_store.open_reports()) == 3
    record = await wijk.node.objects.record(post["id"])
    assert record is not None and record.hidden_reason is None
    assert await wijk.node.moderation_store.log_entries() == []

    # A second server and a local account make three distinct reporters: now it hides.
    other = await start_peer()
    elsewhere = other.add_account("buur")
    answer = await other.post(
        elsewhere, wijk.node.urls.shared_inbox(), _flag(elsewhere, ria.uri, post["id"])
    )
    assert answer.status == 202, answer.body
    assert (await wijk.node.objects.record(post["id"])).hidden_reason is None
    await file_report(
        wijk.node.moderator_services, await person(wijk, "sem"), ria.uri, [post["id"]], "Reclame"
    )
    record = await wijk.node.objects.record(post["id"])
    assert record is not None and "pending review" in (record.hidden_reason or "")


async def test_one_remote_server_never_hides_on_its_own_even_at_a_threshold_of_one(
    start: StartNode, start_peer: StartPeer
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    wijk.node.limits.configure(SpamRules(report_threshold=1))
    mastodon = await start_peer()
    ria = await person(wijk, "ria")
    post = await social_actions.post_note(wijk.node.social_services, ria, "<p>Koop mijn fiets!</p>")
    sock = mastodon.add_account("sock")

    answer = await mastodon.post(
        sock, wijk.node.urls.shared_inbox(), _flag(sock, ria.uri, post["id"])
    )

    assert answer.status == 202, answer.body
    assert len(await wijk.node.moderation_store.open_reports()) == 1
    assert (await wijk.node.objects.record(post["id"])).hidden_reason is None
    await file_report(
        wijk.node.moderator_services, await person(wijk, "sem"), ria.uri, [post["id"]], "Reclame"
    )
    assert "pending review" in ((await wijk.node.objects.record(post["id"])).hidden_reason or "")
