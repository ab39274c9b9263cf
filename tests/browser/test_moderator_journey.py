"""A moderator's way through a report from another node, in headless Chromium: a resident
of a neighbourhood node writes abuse under a proposal of the municipality's process, and
residents there report it, so the neighbourhood node forwards the reports (Flags) to the
municipality. Its moderator reads the reported text, its author and node in the queue,
hides the post with a reason, and on the next report blocks the whole node with a reason.
The public log shows both, the post is hidden on the municipality's pages, and the
neighbourhood node's next activity is refused by the municipality's inbox (403, blocked).
An administrator's invalid setting is refused beside its field and the file stays byte
for byte as it was. Screenshots: /tmp/samenspraak-moderator-<step>.png.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from moderation.log import ACTION_LABELS
from node.config import CONFIG_FILE
from node.demo import settle
from node.i18n import translator
from node.moderator_actions import file_report
from node.participation.comments import post_comment
from node.participation.proposals import create_proposal
from node.social_actions import follow
from tests.browser.conftest import StartNode
from tests.browser.test_accessibility import SIDEWAYS, axe_problems
from tests.browser.test_resident_journey import logged_in_page
from tests.integration.participation_helpers import open_process, person

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCREENSHOTS = "/tmp"
ABUSE = "Wie dit steunt is een idioot."
MORE_ABUSE = "Jullie zijn allemaal gek."


async def _no_barriers(page: Page) -> list[str]:
    """What axe-core finds on the page in Dutch, then in English on a 320 px wide phone,
    and whether it scrolls sideways there; the page is left as it was found."""
    problems = await axe_problems(page)
    url = page.url.split("?")[0]
    await page.set_viewport_size({"width": 320, "height": 800})
    await page.goto(f"{url}?lang=en")
    problems += await axe_problems(page)
    if await page.evaluate(SIDEWAYS) > 0:
        problems.append(f"{page.url}: wider than a 320 px window")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto(f"{url}?lang=nl")
    return problems


async def _shot(page: Page, step: str) -> None:
    await page.screenshot(path=f"{SCREENSHOTS}/samenspraak-moderator-{step}.png", full_page=True)


async def test_a_moderator_hides_a_reported_post_from_another_node_and_blocks_that_node(
    start: StartNode, browser: Browser, contexts: list[BrowserContext]
) -> None:
    t = translator("nl")
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    network = [gemeente, oosterpark]
    assert gemeente.admin is not None
    await person(gemeente, "henk", "moderator")
    fatima = await person(gemeente, "fatima")
    anouk, joost, ria = [await person(oosterpark, name) for name in ("anouk", "joost", "ria")]
    process = await open_process(gemeente, "klimaat", "initiate", 5)
    await follow(oosterpark.node.social_services, await oosterpark.node.organisation(), process.uri)
    await settle(network)
    proposal = await create_proposal(
        gemeente.node.participation_services, fatima, process, "Meer bomen", "Twintig erbij."
    )
    await settle(network)
    services = oosterpark.node.participation_services
    first = (await post_comment(services, anouk, proposal.uri, ABUSE))["id"]
    second = (await post_comment(services, anouk, proposal.uri, MORE_ABUSE))["id"]
    await settle(network)
    # Two residents of the neighbourhood report; their node forwards each report.
    for reporter, comment in ((joost, first), (ria, second)):
        await file_report(
            oosterpark.node.moderator_services, reporter, anouk.uri, [comment], "Scheldpartij"
        )
    await settle(network)
    assert len(await gemeente.node.moderation_store.open_reports()) == 2

    complaints: list[str] = []
    henk = await logged_in_page(
        browser, contexts, complaints, gemeente, "henk", "nl", 1280, audited=True
    )
    await henk.goto(f"{gemeente.base_url}/moderation/queue")
    first_report = henk.locator("article.report").filter(has_text=ABUSE)
    await expect(first_report).to_contain_text(
        t("In the process %(process)s", process="Proces klimaat")
    )
    await expect(first_report).to_contain_text(anouk.uri)
    await expect(first_report).to_contain_text(t("via %(node)s", node=oosterpark.node.urls.host))
    await expect(first_report).to_contain_text(
        t("The whole node %(node)s", node=oosterpark.node.urls.host)
    )
    assert "joost" not in await henk.locator("main").inner_text()
    assert await _no_barriers(henk) == []
    await _shot(henk, "queue")

    # The post is hidden with a public reason.
    await first_report.get_by_label(
        t("Reason (public: shown in the log and instead of the post)")
    ).fill("Scheldwoorden")
    await first_report.get_by_role("button", name=t("Hide"), exact=True).click()
    await expect(henk.get_by_role("status")).to_have_text(t("The post is hidden."))
    await _shot(henk, "hidden")

    # On the next report the moderator blocks the whole node, with a reason.
    second_report = henk.locator("article.report").filter(has_text=MORE_ABUSE)
    await second_report.get_by_role("button", name=t("Block node")).click()
    # Without a reason nothing happens: the browser asks for one first.
    assert await gemeente.node.moderation_store.domain_rules() == []
    await second_report.get_by_label(t("Reason for a measure against the node (public)")).fill(
        "Blijft schelden via deze node"
    )
    await second_report.get_by_role("button", name=t("Block node")).click()
    await expect(henk.get_by_role("status")).to_have_text(t("The node is blocked."))
    await expect(henk.get_by_text(t("No open reports."))).to_be_visible()
    await _shot(henk, "blocked")
    [rule] = await gemeente.node.moderation_store.domain_rules()
    assert (rule.domain, rule.rule) == (oosterpark.node.urls.host, "suspend")

    # The public log shows both decisions with their reasons, and never who reported.
    visitor = await (await browser.new_context(locale="nl-NL")).new_page()
    contexts.append(visitor.context)
    await visitor.goto(f"{gemeente.base_url}/moderation?lang=nl")
    log = visitor.locator("main")
    hidden_entry = log.locator("article.log-entry").filter(has_text=first)
    await expect(hidden_entry).to_contain_text(ACTION_LABELS["hide"][0])
    await expect(hidden_entry).to_contain_text(t("Reason: %(reason)s", reason="Scheldwoorden"))
    block_entry = log.locator("article.log-entry").filter(
        has_text=f"{ACTION_LABELS['block'][0]}: {oosterpark.node.urls.host}"
    )
    await expect(block_entry).to_contain_text("Blijft schelden via deze node")
    assert "joost" not in await log.inner_text() and "ria" not in await log.inner_text()
    await _shot(visitor, "log")

    # The hidden post is hidden on the proposal's page, with the reason instead.
    record = await gemeente.node.objects.record(proposal.uri)
    assert record is not None
    await visitor.goto(f"{gemeente.base_url}/proposals/{record.row_id}?lang=nl")
    await expect(visitor.locator("main")).to_contain_text("Scheldwoorden")
    assert ABUSE not in await visitor.locator("main").inner_text()
    await _shot(visitor, "proposal")

    # The neighbourhood node's next activity is refused by the municipality's inbox.
    third = (await post_comment(services, anouk, proposal.uri, "Nog een keer."))["id"]
    await settle(network)
    assert await gemeente.node.objects.record(third) is None
    refused = await oosterpark.node.db.fetch_all(
        "SELECT last_error FROM deliveries WHERE last_error IS NOT NULL"
    )
    assert refused, "the neighbourhood node sent nothing that was refused"
    for row in refused:
        assert "403" in row["last_error"] and "blocked" in row["last_error"], row["last_error"]
    assert complaints == []


async def test_an_invalid_setting_is_refused_beside_its_field_and_the_file_is_unchanged(
    start: StartNode, browser: Browser, contexts: list[BrowserContext]
) -> None:
    t = translator("nl")
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    assert gemeente.admin is not None
    path = gemeente.node.data_dir / CONFIG_FILE
    before = path.read_bytes()
    complaints: list[str] = []
    admin = await logged_in_page(
        browser,
        contexts,
        complaints,
        gemeente,
        "admin",
        "nl",
        1280,
        gemeente.admin.password,
        audited=True,
    )
    await admin.goto(f"{gemeente.base_url}/admin/settings?lang=nl")
    await admin.get_by_label(t("Colour"), exact=True).fill("#ffee00")
    await admin.get_by_label(t("Rules"), exact=True).fill("Wees aardig.\nGeen reclame.")
    await admin.get_by_role("button", name=t("Save the settings")).click()
    reason = t(
        "White text on %(colour)s stands out by only %(ratio)s to 1; it must be at least"
        " 4.5 to 1 (WCAG AA). Choose a darker colour.",
        colour="#ffee00",
        ratio="1,2",
    )
    await expect(admin.locator("#settings-look\\.colour-error")).to_contain_text(reason)
    await expect(admin.get_by_label(t("Colour"), exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(admin.get_by_role("alert")).to_contain_text(t("There is a problem"))
    # What was typed is kept on the page; nothing reached the file or the running node.
    await expect(admin.get_by_label(t("Rules"), exact=True)).to_have_value(
        "Wees aardig.\nGeen reclame."
    )
    assert path.read_bytes() == before
    assert gemeente.node.config.rules == () and gemeente.node.config.look.colour == "#2d6a4f"
    await _shot(admin, "settings-refused")
    assert await _no_barriers(admin) == []
    assert complaints == []
