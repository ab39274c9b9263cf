"""Every main page in English has no Dutch text of the catalogue left, and no machine times."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from node.i18n import LOCALE_DIR
from node.participation.ballots import open_budget_ballot
from node.participation.comments import post_comment
from node.participation.models import Budget, Proposal
from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.trail import change_status
from node.participation.voting import open_vote
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import (
    import_register,
    in_a_week,
    phases,
    resident,
)
from tests.integration.web_login import WebBrowser, logged_in

# What residents wrote is in English here, so any Dutch on the page comes from the node.
PROJECTS = [("Benches by the river", 7_800.0), ("A green schoolyard", 30_000.0)]
MACHINE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
ATTRIBUTES_READ_ALOUD = ("aria-label", "title", "alt", "placeholder")


class VisibleText(HTMLParser):
    """The text a person reads or hears from the node: text nodes and the attributes screen
    readers say, leaving out what people wrote (the posts' ``written`` content)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.open_divs = 0
        self.written_from = -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            self.open_divs += 1
            if ("class", "written") in attrs and self.written_from < 0:
                self.written_from = self.open_divs
        if self.written_from < 0:
            self.parts.extend(v for n, v in attrs if n in ATTRIBUTES_READ_ALOUD and v)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            if self.open_divs == self.written_from:
                self.written_from = -1
            self.open_divs -= 1

    def handle_data(self, data: str) -> None:
        if self.written_from < 0:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


async def page_text(browser: WebBrowser, path: str) -> str:
    """What a browser (which asks for HTML) shows of a page of the node."""
    headers = {"Accept": "text/html"}
    async with browser.http.get(browser.base + path, headers=headers) as response:
        return visible_text(await response.text())


def dutch_phrases() -> set[str]:
    """The literal parts of every Dutch text that differs from its English msgid."""
    with (LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale="nl")
    phrases = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:
            if not message.id or text in ids:
                continue
            for part in re.split(r"%\([a-z_]+\)[sd]|[():;,.?%]", text):
                if part.strip() and part.strip() not in " ".join(ids):
                    phrases.add(part.strip())
    return phrases


def dutch_on(text: str, phrases: set[str]) -> list[str]:
    return sorted(p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text))


async def budget_process(
    running: RunningNode, amount: float, projects: list[tuple[str, float]]
) -> list[Proposal]:
    """A budget process open only to verified residents, in its voting phase with the
    ballot open, with proposals by the verified resident bram."""
    services = running.node.participation_services
    await import_register(running)
    bram = await resident(running, "bram", "9722AB", "4")
    process = await create_process(
        services,
        slug="budget",
        title="Budget",
        archetype="decide",
        eligibility="verified-local",
        threshold_count=1,
        budget=Budget(amount=amount, currency="EUR", min_picks=1, max_picks=2),
        phases=phases(),
    )
    proposals = [
        await create_proposal(services, bram, process, title, f"Why: {title}.", cost=cost)
        for title, cost in projects
    ]
    await set_phase(services, process, "voting")
    await open_budget_ballot(services, process.uri, in_a_week())
    return proposals


async def test_english_pages_carry_no_dutch_from_the_catalogue_and_no_machine_times(
    start: StartNode,
) -> None:
    riverside = await start("riverside", "Riverside Council")
    services = riverside.node.participation_services
    proposals = await budget_process(riverside, 50_000, PROJECTS)
    organisation = await riverside.node.organisation()
    await post_comment(services, organisation, proposals[0].uri, "Good idea.", stance="for")
    await change_status(
        services, proposals[1], "under_review", reason="Costs checked.", actor=organisation.uri
    )
    await open_vote(services, proposals[0].uri, in_a_week())
    record = await riverside.node.objects.record(proposals[0].uri)
    assert record is not None

    pages = [
        "/",
        "/@bram",
        "/processes",
        "/processes/budget",
        f"/proposals/{record.row_id}",
        "/processes/budget/decisions",
        "/processes/budget/results",
        "/processes/budget/vote",
        "/votes",
        "/verify",
        "/moderation",
        "/processes/unknown",
    ]
    phrases = dutch_phrases()
    async with logged_in(riverside, "bram") as browser:
        for path in pages:
            dutch, english = [
                await page_text(browser, f"{path}?lang={lang}") for lang in ("nl", "en")
            ]
            assert dutch_on(dutch, phrases), path  # the check can see Dutch where there is some
            assert (path, dutch_on(english, phrases)) == (path, []), english
            assert (path, MACHINE_TIME.findall(english)) == (path, [])


async def test_refusals_on_pages_say_why_in_the_visitors_language_without_addresses(
    start: StartNode,
) -> None:
    riverside = await start("riverside", "Riverside Council")
    await person(riverside, "sven")
    projects = [("Benches", 7_800.0), ("Trees", 4_000.0), ("Mural", 1_000.0)]
    proposals = await budget_process(riverside, 10_000, projects)
    picks = [("pick", proposal.uri) for proposal in proposals]
    ballot = "/processes/budget/ballot"

    async with logged_in(riverside, "bram") as browser:
        await browser.get("/processes/budget/vote?lang=nl")
        too_many = await browser.post(ballot, picks)
        over = await browser.post(ballot, picks[:2])
        await browser.get("/processes/budget/vote?lang=en")
        too_many_en = await browser.post(ballot, picks)
    assert (too_many.status, over.status, too_many_en.status) == (422, 422, 422)
    assert "U heeft 3 voorstellen gekozen. Kies er hoogstens 2." in too_many.text
    assert "Uw keuzes kosten samen €\u00a011.800. Dat is meer dan het budget van" in over.text
    assert "You picked 3 proposals. Pick at most 2." in too_many_en.text

    async with logged_in(riverside, "sven") as browser:
        page = await browser.get("/processes/budget/vote?lang=nl")
    reason = "U bent nog niet bevestigd als bewoner. Bevestig eerst uw adres"
    assert reason in page.text and f"{riverside.base_url}/actors" not in visible_text(page.text)
