"""Residents take part in headless Chromium: log in, propose, support, comment, vote,
switch language; and the pages pass basic accessibility checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, expect

from node.clock import utc_now
from node.participation import processes
from node.participation.models import Process, Proposal, phases_around
from node.participation.proposals import create_proposal
from node.participation.voting import current_tally, open_vote
from node.runner import RunningNode
from node.social_actions import follow
from node.storage.actors import LocalActor
from tests.browser.conftest import StartNode
from tests.integration.conftest import deliver
from tests.integration.participation_helpers import PROPOSING, open_process, person
from tests.integration.test_page_languages import budget_process
from tests.integration.voting_scenarios import in_a_week, process_with_proposals

pytestmark = pytest.mark.asyncio(loop_scope="session")

NewPage = Callable[[], Awaitable[Page]]
SCREENSHOTS = "/tmp"
PROPOSING_THEN_SUPPORTING = (
    *PROPOSING,
    *phases_around(utc_now(), ("supporting", 10, 41), ("voting", 41, 72)),
)

# Every form control a resident fills in has a label; the page says its language
# and has exactly one main heading; images say what they show.
ACCESSIBILITY_PROBLEMS = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} h1 headings`);
  for (const field of document.querySelectorAll("input, textarea, select")) {
    if (field.type === "hidden") continue;
    if (field.labels.length === 0 && !field.getAttribute("aria-label")) {
      problems.push(`no label for ${field.outerHTML}`);
    }
  }
  for (const image of document.querySelectorAll("img")) {
    if (!image.hasAttribute("alt")) problems.push(`no alt on ${image.outerHTML}`);
  }
  return problems;
}"""


async def log_in(page: Page, running: RunningNode, username: str, start_at: str) -> None:
    """Open a page, follow its login link and log in through the form."""
    await page.goto(running.base_url + start_at)
    await page.get_by_role("link", name="Inloggen", exact=True).click()
    await page.get_by_label("Gebruikersnaam").fill(username)
    await page.get_by_label("Wachtwoord").fill("wachtwoord-123")
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.get_by_text(f"Ingelogd als {username}")).to_be_visible()
    assert page.url == running.base_url + start_at


async def opens_a_proposal(
    wijk: RunningNode,
    author: LocalActor,
    process: Process,
    new_page: NewPage,
    visitor: str = "bram",
) -> tuple[Proposal, Page, str]:
    """A proposal by ``author`` in ``process``, and its page (and path) with ``visitor``
    logged in."""
    proposal = await create_proposal(
        wijk.node.participation_services, author, process, "Een bankje", "Om te zitten."
    )
    record = await wijk.node.objects.record(proposal.uri)
    assert record is not None
    page = await new_page()
    path = f"/proposals/{record.row_id}"
    await log_in(page, wijk, visitor, path)
    return proposal, page, path


async def test_a_resident_logs_in_and_proposes_with_errors_shown_next_to_the_fields(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=2)
    page = await new_page()
    await log_in(page, wijk, "anouk", f"/processes/{process.slug}")

    await page.get_by_label("Uw voorstel").fill("Er is geen plek om te zitten.")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Voorstel indienen").click()
    assert (await answer.value).status == 422
    # A summary at the top of the form takes the focus and links to each field in error.
    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    await expect(summary).to_be_focused()
    await summary.get_by_role("link", name="Titel: Vul dit veld in.").click()
    await expect(page.get_by_label("Titel")).to_be_focused()
    await expect(page.locator("#propose-title-error")).to_have_text("Fout: Vul dit veld in.")
    await expect(page.get_by_label("Uw voorstel")).to_have_value("Er is geen plek om te zitten.")
    await page.screenshot(path=f"{SCREENSHOTS}/samenspraak-process-page.png", full_page=True)

    await page.get_by_label("Titel").fill("Een bankje bij de speeltuin")
    await page.get_by_label("Buurt of plek (niet verplicht)").fill("Oosterpark")
    await page.get_by_label("Waar op de kaart (niet verplicht)").fill("ergens")
    await page.get_by_role("button", name="Voorstel indienen").click()
    await expect(page.locator("#propose-coordinates-error")).to_contain_text("53.2194, 6.5665")
    await expect(page.get_by_label("Titel")).to_have_value("Een bankje bij de speeltuin")
    await page.get_by_label("Waar op de kaart (niet verplicht)").fill("53.2194, 6.5665")
    await page.get_by_role("button", name="Voorstel indienen").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Een bankje bij de speeltuin")
    confirmation = page.get_by_role("status").filter(has_text="Uw voorstel is ingediend.")
    await expect(confirmation).to_be_focused()
    await expect(page.get_by_text("Status: ingediend")).to_be_visible()
    # Without a map on the page, the place opens on OpenStreetMap.
    on_the_map = page.get_by_role("link", name="Op de kaart (OpenStreetMap)")
    assert await on_the_map.get_attribute("href") == (
        "https://www.openstreetmap.org/?mlat=53.2194&mlon=6.5665#map=18/53.2194/6.5665"
    )
    [proposal] = await wijk.node.participation_store.proposals_of(process.uri)
    assert proposal.area == "Oosterpark"
    await page.goto(f"{wijk.base_url}/processes/{process.slug}")
    await expect(page.get_by_role("link", name="Een bankje bij de speeltuin")).to_be_visible()


async def test_residents_support_and_comment_with_a_stance_and_see_the_status_trail(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    await person(wijk, "bram")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=1)
    proposal = await create_proposal(
        wijk.node.participation_services,
        anouk,
        process,
        "Een bankje bij de speeltuin",
        "Er is geen plek om te zitten.",
    )
    record = await wijk.node.objects.record(proposal.uri)
    assert record is not None
    page = await new_page()
    await page.goto(proposal.uri)
    assert page.url == f"{wijk.base_url}/proposals/{record.row_id}"
    await log_in(page, wijk, "bram", f"/proposals/{record.row_id}")

    await page.get_by_role("button", name="Steun dit voorstel").click()
    await expect(page.get_by_text("U steunt dit voorstel.")).to_be_visible()
    await expect(page.locator("#support-count")).to_have_text("1 van 1 steunbetuigingen")
    trail = page.get_by_role("region", name="Verloop")
    await expect(trail.get_by_text("op de agenda")).to_be_visible()
    await expect(trail.get_by_text("de drempel van 1 is bereikt")).to_be_visible()

    await page.get_by_label("tegen").check()
    await page.get_by_label("Uw reactie").fill("Liever een picknicktafel.")
    await page.get_by_role("button", name="Reactie plaatsen").click()
    comments = page.get_by_role("region", name="Reacties")
    await expect(comments.locator("article")).to_contain_text("tegen")
    await expect(comments.locator("article")).to_contain_text("Liever een picknicktafel.")
    await page.screenshot(path=f"{SCREENSHOTS}/samenspraak-proposal-page.png", full_page=True)

    await page.get_by_role("button", name="Steun intrekken").click()
    await expect(page.locator("#support-count")).to_have_text("0 van 1 steunbetuigingen")

    # Anouk reports the comment; a moderator hides it from the queue with a public reason.
    reporter = await new_page()
    await log_in(reporter, wijk, "anouk", f"/proposals/{record.row_id}")
    reported = reporter.get_by_role("region", name="Reacties").locator("article")
    await reported.get_by_text("Meld dit", exact=True).click()
    await reported.get_by_label("Wat is er mis?").fill("Dit is een persoonlijke aanval.")
    await reported.get_by_role("button", name="Meld dit aan de moderatoren").click()
    await expect(reporter.get_by_text("Uw melding is bij de moderatoren.")).to_be_visible()

    await person(wijk, "mila", role="moderator")
    moderator = await new_page()
    await log_in(moderator, wijk, "mila", f"/proposals/{record.row_id}")
    await moderator.goto(f"{wijk.base_url}/moderation/queue")
    await expect(moderator.get_by_text("Dit is een persoonlijke aanval.")).to_be_visible()
    assert await moderator.evaluate(ACCESSIBILITY_PROBLEMS) == []
    await moderator.get_by_label("Reden (openbaar").fill("Persoonlijke aanval")
    await moderator.get_by_role("button", name="Verbergen").click()
    await expect(moderator.get_by_text("Het bericht is verborgen.")).to_be_visible()
    await expect(moderator.get_by_text("Geen open meldingen.")).to_be_visible()

    await page.reload()
    await expect(comments.locator("article")).to_contain_text(
        "verborgen door de moderatoren: Persoonlijke aanval"
    )
    await expect(comments.locator("article")).not_to_contain_text("picknicktafel")


async def test_a_resident_of_another_node_supports_from_their_own_nodes_page(
    start: StartNode, new_page: NewPage
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    fatima = await person(gemeente, "fatima")
    joris = await person(wijk, "joris")
    process = await open_process(gemeente, "klimaat", "initiate", threshold=5)
    await follow(wijk.node.social_services, joris, process.uri)
    await deliver(gemeente, wijk)
    proposal = await create_proposal(
        gemeente.node.participation_services,
        fatima,
        process,
        "Meer bomen",
        "Meer bomen in de binnenstad.",
    )
    await deliver(gemeente, wijk)
    copy = await wijk.node.objects.record(proposal.uri)
    assert copy is not None, "the process announced the proposal to its followers"

    page = await new_page()
    await log_in(page, wijk, "joris", f"/proposals/{copy.row_id}")
    await page.get_by_role("button", name="Steun dit voorstel").click()
    await expect(page.get_by_text("U steunt dit voorstel.")).to_be_visible()
    await deliver(wijk, gemeente)
    assert await gemeente.node.participation_store.supporters(proposal.uri) == [joris.uri]


async def test_an_out_of_phase_support_is_refused_in_plain_words_and_not_counted(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    await person(wijk, "bram")
    process = await open_process(
        wijk, "speeltuin", "initiate", threshold=3, phases=PROPOSING_THEN_SUPPORTING
    )
    proposal, page, _ = await opens_a_proposal(wijk, anouk, process, new_page)

    await processes.set_phase(wijk.node.participation_services, process, "voting")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Steun dit voorstel").click()
    assert (await answer.value).status == 422
    # The summary of what went wrong takes the focus, so it is read and seen first.
    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    await expect(summary).to_be_focused()
    await expect(page.locator("#support-refusal")).to_have_text(
        "Proces speeltuin neemt nu geen steun aan. Bij de fasen van het proces ziet u wanneer"
        " dat wel kan."
    )
    await expect(page.get_by_text("Steun geven kan nu niet")).to_be_visible()
    await expect(page.get_by_role("button", name="Steun dit voorstel")).to_have_count(0)
    assert await wijk.node.participation_store.support_count(proposal.uri) == 0


async def test_a_resident_not_yet_confirmed_is_shown_the_way_to_confirm_and_a_wrong_code_is_marked(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    await person(wijk, "bram")
    process = await processes.create_process(
        wijk.node.participation_services,
        slug="speeltuin",
        title="Speeltuin",
        archetype="initiate",
        threshold_count=3,
        phases=PROPOSING,
        eligibility="verified-local",
    )
    proposal, page, _ = await opens_a_proposal(wijk, anouk, process, new_page)

    await page.get_by_role("button", name="Steun dit voorstel").click()
    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    await expect(summary).to_be_focused()
    await expect(summary).to_contain_text("U bent nog niet bevestigd als bewoner.")
    await summary.get_by_role("link", name="Bevestig uw adres").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Bewoner bevestigen")
    await page.get_by_label("Code uit de brief").fill("ABCD-EFGH-JKLM")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Bevestigen").click()
    assert (await answer.value).status >= 400
    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    await expect(summary).to_be_focused()
    code = page.get_by_label("Code uit de brief")
    await expect(code).to_have_attribute("aria-invalid", "true")
    await expect(code).to_have_value("ABCD-EFGH-JKLM")
    await expect(page.locator("#verify-code-error")).to_contain_text("Deze code kennen we niet.")
    assert await wijk.node.participation_store.support_count(proposal.uri) == 0


async def test_the_budget_ballot_keeps_a_running_total_and_a_refused_ballot_keeps_its_ticks(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("riverside", "Riverside")
    await budget_process(wijk, 10_000, [("Bankjes", 6_000), ("Speeltoestel", 5_800)])
    page = await new_page()
    await log_in(page, wijk, "bram", "/processes/budget")
    await page.goto(f"{wijk.base_url}/processes/budget/vote")
    total = page.locator("#ballot-total")
    await expect(total).to_have_text("Gekozen: € 0. Over: € 10.000.")

    await page.get_by_label("Bankjes").check()
    await expect(total).to_have_text("Gekozen: € 6.000. Over: € 4.000.")
    await page.get_by_label("Speeltoestel").check()
    await expect(total).to_have_text("Gekozen: € 11.800. Dat is € 1.800 meer dan het budget.")
    more = page.get_by_role("link", name="Meer over Bankjes")
    assert (await more.get_attribute("href") or "").startswith(f"{wijk.base_url}/proposals/")

    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Stembiljet insturen").click()
    assert (await answer.value).status == 422
    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    await expect(summary).to_be_focused()
    await expect(summary).to_contain_text("€ 11.800")
    # What the resident ticked stays ticked, and the total the node shows says the same.
    await expect(page.get_by_label("Bankjes")).to_be_checked()
    await expect(page.get_by_label("Speeltoestel")).to_be_checked()
    await expect(total).to_have_text("Gekozen: € 11.800. Dat is € 1.800 meer dan het budget.")
    await page.get_by_label("Speeltoestel").uncheck()
    await page.get_by_role("button", name="Stembiljet insturen").click()
    await expect(
        page.get_by_role("status").filter(has_text="Uw stembiljet is geteld.")
    ).to_be_focused()


async def test_a_resident_votes_through_the_vote_form(start: StartNode, new_page: NewPage) -> None:
    wijk = await start("wijert", "Wijkdeal De Wijert")
    await person(wijk, "bram")
    process, [proposal] = await process_with_proposals(
        wijk, "speeltuin", [("Nieuwe schommels", None)]
    )
    question = await open_vote(wijk.node.participation_services, proposal.uri, in_a_week())
    page = await new_page()
    await log_in(page, wijk, "bram", f"/processes/{process.slug}")

    await page.get_by_role("link", name="Stem nu").click()
    await page.get_by_role("group", name="Nieuwe schommels").get_by_label("voor").check()
    await page.get_by_role("button", name="Stem", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Uw stem is geteld.")
    tally = await current_tally(wijk.node.participation_services, question)
    assert (tally.count("voor"), tally.voters_count) == (1, 1)


async def test_the_language_switch_shows_english_labels_and_is_remembered(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=2)
    page = await new_page()
    await page.goto(f"{wijk.base_url}/processes/{process.slug}")
    await expect(page.get_by_role("heading", name="Hoe dit proces werkt")).to_be_visible()

    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", name="How this process works")).to_be_visible()
    await page.get_by_role("link", name="Log in", exact=True).click()
    await page.get_by_label("User name").fill("anouk")
    await page.get_by_label("Password").fill("wachtwoord-123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Make a proposal")).to_be_visible()
    await expect(page.get_by_label("Your proposal")).to_be_visible()
    assert process.title in await page.get_by_role("heading", level=1).inner_text()

    await page.get_by_role("link", name="Nederlands").click()
    await expect(page.get_by_role("heading", name="Doe een voorstel")).to_be_visible()


async def test_pages_have_a_language_one_heading_labelled_fields_and_image_text(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark", kind="municipality")
    anouk = await person(wijk, "anouk")
    await person(wijk, "moderator", role="moderator")
    process = await open_process(wijk, "speeltuin", "advise", threshold=2)
    _, page, path = await opens_a_proposal(wijk, anouk, process, new_page, "moderator")

    paths = ["/", "/login", f"/processes/{process.slug}", path]
    for path in paths:
        await page.goto(wijk.base_url + path)
        assert await page.evaluate(ACCESSIBILITY_PROBLEMS) == [], path

    await page.get_by_label("Antwoord namens").fill("We zetten er in het voorjaar een neer.")
    await page.get_by_role("button", name="Officieel antwoord plaatsen").click()
    official = page.get_by_role("region", name="Officiële reactie")
    await expect(official).to_contain_text("We zetten er in het voorjaar een neer.")
