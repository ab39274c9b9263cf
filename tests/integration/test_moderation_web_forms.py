"""Moderation in the browser: residents report from the proposal page, moderators act
from the queue page, and every decision shows in the public log."""

from __future__ import annotations

from node.participation.comments import post_comment
from node.participation.proposals import create_proposal
from node.runner import RunningNode
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.participation_helpers import open_process, person
from tests.integration.test_moderation_reports import _comment_from_b_in_process_on_a
from tests.integration.web_login import WebBrowser, logged_in


async def _page_of(running: RunningNode, comment: str) -> str:
    """The proposal page a comment is shown on."""
    record = await running.node.objects.record(comment)
    assert record is not None
    proposal = await running.node.objects.record(record.document["inReplyTo"])
    assert proposal is not None
    return f"/proposals/{proposal.row_id}"


async def _as_admin(running: RunningNode) -> tuple[str, str]:
    assert running.admin is not None
    return running.admin.actor.username, running.admin.password


async def _report(browser: WebBrowser, page: str, comment: str, why: str) -> None:
    await browser.get(page)
    sent = await browser.post(f"{page}/report", {"object": comment, "comment": why})
    assert (sent.status, sent.location) == (303, f"{page}?done=report")


async def test_a_resident_reports_a_comment_from_the_proposal_page_and_both_queues_get_it(
    start: StartNode,
) -> None:
    gemeente, oosterpark, comment, author = await _comment_from_b_in_process_on_a(start)
    await person(gemeente, "henk")
    page = await _page_of(gemeente, comment)
    async with logged_in(gemeente, "henk") as browser:
        shown = await browser.get(page)
        assert "Meld dit" in shown.text
        await _report(browser, page, comment, "Scheldpartij")
        confirmed = await browser.get(f"{page}?done=report")
    await deliver(gemeente, oosterpark)

    assert "Uw melding is bij de moderatoren" in confirmed.text
    [own] = await gemeente.node.moderation_store.open_reports()
    assert own.object_ids == (comment,) and own.comment == "Scheldpartij"
    [received] = await oosterpark.node.moderation_store.open_reports()
    assert received.target_account == author and received.object_ids == (comment,)


async def test_reporting_ones_own_proposal_is_refused_on_the_page_and_stores_nothing(
    start: StartNode,
) -> None:
    gemeente, _, comment, _ = await _comment_from_b_in_process_on_a(start)
    page = await _page_of(gemeente, comment)
    record = await gemeente.node.objects.record(comment)
    proposal = record.document["inReplyTo"]
    async with logged_in(gemeente, "fatima") as browser:
        shown = await browser.get(page)
        refused = await browser.post(f"{page}/report", {"object": proposal, "comment": "Oeps"})

    assert shown.text.count("<summary>Meld dit</summary>") == 1, "her own proposal: no form"
    assert refused.status == 422
    assert 'id="report-refusal"' in refused.text and "U kunt uzelf niet melden." in refused.text
    assert await gemeente.node.moderation_store.open_reports() == []


async def test_a_moderator_hides_a_reported_comment_with_a_public_reason_from_the_queue(
    start: StartNode,
) -> None:
    gemeente, oosterpark, comment, _ = await _comment_from_b_in_process_on_a(start)
    await person(gemeente, "henk")
    page = await _page_of(gemeente, comment)
    async with logged_in(gemeente, "henk") as browser:
        await _report(browser, page, comment, "Scheldpartij")
        [report] = await gemeente.node.moderation_store.open_reports()
        action = f"/moderation/queue/{report.id}"
        meddling = await browser.post(action, {"action": "hide", "object": comment})
        assert meddling.status == 403

    async with logged_in(gemeente, *await _as_admin(gemeente)) as moderator:
        queue = await moderator.get("/moderation/queue")
        assert "Melding" in queue.text and "Verbergen" in queue.text
        # The reported text and its process are in the queue; how many reported, never who.
        assert "Wie dit steunt is een idioot." in queue.text
        assert "In het proces Proces klimaat" in queue.text
        assert "1 open melding over dit account" in queue.text
        assert "henk" not in queue.text.split("<main", 1)[-1]
        no_reason = await moderator.post(action, {"action": "hide", "object": comment})
        hidden = await moderator.post(
            action, {"action": "hide", "object": comment, "reason": "Scheldwoorden"}
        )
        after = await moderator.get(hidden.location or "")
    await deliver(gemeente, oosterpark)
    async with logged_in(gemeente, "henk") as browser:
        proposal_page = await browser.get(page)
        log = await browser.get("/moderation")
        log_en = await browser.get("/moderation?lang=en")

    assert no_reason.status == 422 and "Geef een reden" in no_reason.text
    assert (hidden.status, hidden.location) == (303, "/moderation/queue?done=hide")
    assert "Het bericht is verborgen." in after.text and "Geen open meldingen." in after.text
    assert "verborgen door de moderatoren: Scheldwoorden" in proposal_page.text
    assert "idioot" not in proposal_page.text
    assert "Moderatielogboek" in log.text and "Reden: Scheldwoorden" in log.text
    assert "verborgen" in log.text and "de beheerders" in log.text
    assert "Moderation log" in log_en.text and "Reason: Scheldwoorden" in log_en.text
    assert "henk" not in log.text.split("<main", 1)[-1].split("</main>")[0]


async def test_a_moderator_suspends_a_reported_remote_account_or_closes_a_report_without_action(
    start: StartNode,
) -> None:
    gemeente, oosterpark, comment, author = await _comment_from_b_in_process_on_a(start)
    page = await _page_of(gemeente, comment)
    for name in ("henk", "ria"):
        await person(gemeente, name)
        async with logged_in(gemeente, name) as browser:
            await _report(browser, page, comment, f"Melding van {name}")
    first, second = await gemeente.node.moderation_store.open_reports()

    async with logged_in(gemeente, *await _as_admin(gemeente)) as moderator:
        queue = await moderator.get("/moderation/queue")
        dismissed = await moderator.post(f"/moderation/queue/{first.id}", {"action": "dismiss"})
        suspended = await moderator.post(
            f"/moderation/queue/{second.id}", {"action": "suspend", "reason": "Blijft schelden"}
        )
        log = await moderator.get("/moderation")

    assert "Account beperken" in queue.text, "a remote account can be limited too"
    assert dismissed.location == "/moderation/queue?done=dismiss"
    assert suspended.location == "/moderation/queue?done=suspend"
    assert await gemeente.node.moderation_store.open_reports() == []
    assert await gemeente.node.moderation_store.sanction(author) == "suspended"
    assert "geschorst" in log.text and "Blijft schelden" in log.text
    await deliver(gemeente, oosterpark)


async def test_a_moderator_blocks_a_node_on_the_federation_page_and_its_deliveries_are_refused(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    await person(gemeente, "henk")
    async with logged_in(gemeente, "henk") as resident:
        barred = await resident.get("/moderation/federation")
    async with logged_in(gemeente, *await _as_admin(gemeente)) as moderator:
        page = await moderator.get("/moderation/federation")
        assert "Federatiebeleid: open" in page.text and "Nog geen regels." in page.text
        no_reason = await moderator.post(
            "/moderation/federation",
            {"action": "block", "domain": mastodon.host, "severity": "suspend", "reason": ""},
        )
        not_a_domain = await moderator.post(
            "/moderation/federation",
            {"action": "block", "domain": "geen domein", "severity": "suspend", "reason": "Spam"},
        )
        # A rule removed twice (the page left open) leaves no rule to list, but the
        # refusal is still said.
        no_rule = await moderator.post(
            "/moderation/federation", {"action": "unblock", "domain": "nergens.example"}
        )
        blocked = await moderator.post(
            "/moderation/federation",
            {"action": "block", "domain": mastodon.host, "severity": "suspend", "reason": "Spam"},
        )
        after = await moderator.get(blocked.location or "")

    assert barred.status == 403
    assert no_reason.status == 422 and "Er is een probleem" in no_reason.text
    assert not_a_domain.status == 422 and "geen domein" in not_a_domain.text
    assert no_rule.status >= 400 and "Er is een probleem" in no_rule.text
    assert (blocked.status, blocked.location) == (303, "/moderation/federation?done=block")
    assert "De node is geblokkeerd of beperkt." in after.text
    assert "Federatiebeleid: met blokkadelijst" in after.text and "geblokkeerd" in after.text
    note = mastodon.note(joris, "<p>Koop nu!</p>")
    answer = await mastodon.post(joris, f"{gemeente.base_url}/inbox", mastodon.create(note))
    assert answer.status == 403
    assert await gemeente.node.objects.record(note["id"]) is None


async def test_a_moderator_warns_a_local_account_from_the_queue(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen")
    anouk = await person(gemeente, "anouk")
    bram = await person(gemeente, "bram")
    await person(gemeente, "henk")
    services = gemeente.node.participation_services
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    proposal = await create_proposal(services, anouk, process, "Meer bomen", "In de binnenstad.")
    comment = (await post_comment(services, bram, proposal.uri, "Onzin, allemaal."))["id"]
    page = await _page_of(gemeente, comment)
    async with logged_in(gemeente, "henk") as browser:
        await _report(browser, page, comment, "Onaardig")
    [report] = await gemeente.node.moderation_store.open_reports()

    async with logged_in(gemeente, *await _as_admin(gemeente)) as moderator:
        queue = await moderator.get("/moderation/queue")
        warned = await moderator.post(
            f"/moderation/queue/{report.id}", {"action": "warn", "reason": "Blijf vriendelijk."}
        )
        after = await moderator.get(warned.location or "")

    assert "Account waarschuwen" in queue.text and "Account beperken" not in queue.text
    assert (warned.status, warned.location) == (303, "/moderation/queue?done=warn")
    assert "Het account is gewaarschuwd." in after.text and "Geen open meldingen." in after.text
    [entry] = await gemeente.node.moderation_store.log_entries(1)
    assert (entry.action, entry.subject, entry.reason) == ("warn", bram.uri, "Blijf vriendelijk.")


async def test_a_moderator_blocks_the_node_of_a_reported_account_from_the_queue(
    start: StartNode,
) -> None:
    gemeente, oosterpark, comment, author = await _comment_from_b_in_process_on_a(start)
    page = await _page_of(gemeente, comment)
    await person(gemeente, "henk")
    async with logged_in(gemeente, "henk") as browser:
        await _report(browser, page, comment, "Scheldpartij")
    [report] = await gemeente.node.moderation_store.open_reports()
    action = f"/moderation/queue/{report.id}"

    async with logged_in(gemeente, *await _as_admin(gemeente)) as moderator:
        queue = await moderator.get("/moderation/queue?lang=en")
        no_reason = await moderator.post(action, {"action": "block-node", "reason": ""})
        rules_after_refusal = await gemeente.node.moderation_store.domain_rules()
        blocked = await moderator.post(
            action, {"action": "block-node", "reason": "Scheldt via deze node"}
        )
        after = await moderator.get((blocked.location or "") + "&lang=en")
        log = await moderator.get("/moderation?lang=en")

    assert f"The whole node {oosterpark.node.urls.host}" in queue.text
    assert "its inbox posts get 403" in queue.text
    assert no_reason.status == 422 and "Give a reason" in no_reason.text
    assert rules_after_refusal == []
    assert (blocked.status, blocked.location) == (303, "/moderation/queue?done=block-node")
    assert "The node is blocked." in after.text and "No open reports." in after.text
    [rule] = await gemeente.node.moderation_store.domain_rules()
    assert (rule.domain, rule.rule) == (oosterpark.node.urls.host, "suspend")
    assert f'blocked</strong>: <span class="subject">{oosterpark.node.urls.host}' in log.text
    assert "suspend: Scheldt via deze node" in log.text
    # The node's next comment is refused by the municipality's inbox and not stored.
    services = oosterpark.node.participation_services
    anouk = await oosterpark.node.actors.by_uri(author)
    assert anouk is not None
    record = await gemeente.node.objects.record(comment)
    assert record is not None
    again = await post_comment(services, anouk, record.document["inReplyTo"], "Nog erger.")
    await deliver(gemeente, oosterpark)
    assert await gemeente.node.objects.record(again["id"]) is None
    refused = await oosterpark.node.db.fetch_all(
        "SELECT last_error FROM deliveries WHERE last_error IS NOT NULL"
    )
    assert refused and all("403" in r["last_error"] for r in refused), refused
