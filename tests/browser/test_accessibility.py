"""axe-core, the accessibility engine most audits use, finds no WCAG 2.1 A or AA violation
on any page type of the seeded demo network, in Dutch and in English, for a visitor and
for a logged-in resident, moderator, registrar and administrator; and at 320 px wide no
page scrolls sideways (WCAG 1.4.10, reflow).

axe-core comes from tests/clients/package-lock.json (``npm ci --prefix tests/clients``, as
tests/run.sh does) and is put into each page by the test; the browser context bypasses the
node's Content-Security-Policy for that one script only, since the policy rightly refuses
scripts the node did not send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from node.config import MailConfig
from node.demo import DEMO_NODES, DEMO_PASSWORD, seed_social, settle
from node.participation.demo_seed import seed_participation
from node.participation.voting_demo import seed_voting
from node.runner import RunningNode, free_port
from tests.browser.conftest import StartNode

pytestmark = pytest.mark.asyncio(loop_scope="session")

AXE = Path(__file__).resolve().parents[1] / "clients" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help}: ` +
    v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; "));
}"""
# How far the page is wider than the window: 0 when nothing scrolls sideways.
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
SCREENSHOTS = "/tmp"


@dataclass(frozen=True)
class Visit:
    """A page type, where it is seen, and who looks at it (None: a visitor)."""

    node: str
    path: str
    who: str | None = None


async def demo_network(
    start: StartNode, mail: dict[str, MailConfig] | None = None
) -> dict[str, RunningNode]:
    """The seeded three-node demo network, started in-process; ``mail`` the ``[mail]`` of
    nodes that send e-mail somewhere a test reads it."""
    # De Wijert offers e-mail (through a server nobody needs here: nobody gives an address),
    # so that its settings page shows its form.
    offered = {"wijert": MailConfig(host="127.0.0.1", port=free_port(), security="none")}
    offered |= mail or {}
    nodes = {
        spec.handle: await start(
            spec.handle, spec.name, kind=spec.kind, mail=offered.get(spec.handle)
        )
        for spec in DEMO_NODES
    }
    # De Wijert has rules and a description, as its settings page saves them (at once).
    wijert = nodes["wijert"].node
    wijert.config = replace(
        wijert.config,
        description="Wijkdeal De Wijert: bewoners beslissen samen over hun wijk.",
        rules=("Behandel iedereen met respect.", "Geen reclame of spam."),
    )
    network = list(nodes.values())
    await seed_social(nodes)
    await seed_participation(nodes, lambda: settle(network))
    await seed_voting(nodes, lambda: settle(network))
    return nodes


async def _proposal_path(running: RunningNode, slug: str) -> str:
    process = await running.node.participation_store.local_process_by_slug(slug)
    assert process is not None
    first = (await running.node.participation_store.proposals_of(process.uri))[0]
    record = await running.node.objects.record(first.uri)
    assert record is not None
    return f"/proposals/{record.row_id}"


async def _visits(nodes: dict[str, RunningNode]) -> list[Visit]:
    agreement = (await nodes["wijert"].node.participation_services.agreements.all())[0]
    wijert_proposal = await _proposal_path(nodes["wijert"], "wijkbudget")
    agenda_proposal = await _proposal_path(nodes["oosterpark"], "wijkagenda")
    return [
        Visit("wijert", "/"),
        Visit("wijert", "/", "bram"),
        Visit("wijert", "/login"),
        Visit("wijert", "/processes"),
        Visit("wijert", "/processes/wijkbudget", "bram"),
        Visit("wijert", "/processes/wijkbudget/vote", "bram"),
        Visit("wijert", "/processes/wijkbudget/decisions"),
        Visit("wijert", "/processes/wijkbudget/panels", "admin"),
        Visit("wijert", "/processes/wijkbudget/panels/1", "bram"),
        Visit("wijert", "/processes/buurtfeest/vote", "bram"),
        Visit("wijert", wijert_proposal, "bram"),
        Visit("wijert", "/votes"),
        Visit("wijert", "/verify", "meubeldeal"),
        Visit("wijert", "/me", "bram"),
        Visit("wijert", "/me/mail", "bram"),
        Visit("wijert", "/@bram"),
        Visit("wijert", "/agreements"),
        Visit("gemeente", urlsplit(agreement.uri).path),
        Visit("wijert", "/moderation"),
        Visit("oosterpark", "/processes/wijkagenda", "anna"),
        Visit("oosterpark", agenda_proposal, "marieke"),
        Visit("oosterpark", "/moderation/queue", "marieke"),
        Visit("oosterpark", "/moderation/federation", "marieke"),
        Visit("gemeente", "/processes/klimaatbestendig"),
        Visit("gemeente", "/processes/stadspeiling/results"),
        Visit("gemeente", "/registrar", "ambtenaar"),
        Visit("wijert", "/signup"),
        Visit("wijert", "/password/forgot"),
        Visit("wijert", "/me/account", "bram"),
        Visit("gemeente", "/moderation/signups", "moderator"),
        Visit("gemeente", "/admin/roles", "admin"),
        Visit("gemeente", "/admin/invitations", "admin"),
        Visit("gemeente", "/admin/settings", "admin"),
        Visit("gemeente", "/organise", "admin"),
        Visit("gemeente", "/organise/new", "admin"),
        Visit("gemeente", "/organise/klimaatbestendig/edit", "admin"),
        Visit("wijert", "/organise/wijkbudget/edit", "admin"),
        Visit("gemeente", "/organise/register", "admin"),
        Visit("gemeente", "/organise/verify", "admin"),
    ]


async def _page_as(
    browser: Browser,
    contexts: list[BrowserContext],
    running: RunningNode,
    who: str | None,
    width: int,
) -> Page:
    context = await browser.new_context(
        locale="nl-NL", bypass_csp=True, viewport={"width": width, "height": 800}
    )
    contexts.append(context)
    page = await context.new_page()
    if who is not None:
        await page.goto(running.base_url + "/login?lang=nl")
        await page.get_by_label("Gebruikersnaam").fill(who)
        admin = running.admin.password if who == "admin" and running.admin else None
        await page.get_by_label("Wachtwoord").fill(admin or DEMO_PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await page.wait_for_load_state()
    return page


def _screenshot(visit: Visit) -> str:
    """Where the English page of a visit is saved: /tmp/samenspraak-page-<node>-<path>.png."""
    name = re.sub(r"[^a-z0-9]+", "-", f"{visit.node}{visit.path}".lower()).strip("-")
    return f"{SCREENSHOTS}/samenspraak-page-{name}{'-' + visit.who if visit.who else ''}.png"


async def axe_audit(page: Page, url: str) -> list[str]:
    """Open ``url`` and return what axe-core finds against WCAG 2.1 A and AA there."""
    answer = await page.goto(url)
    assert answer is not None and answer.status == 200, url
    return await axe_problems(page)


async def axe_problems(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    return [f"{page.url}: {problem}" for problem in await page.evaluate(RUN_AXE, WCAG_21_A_AA)]


async def test_every_page_type_has_no_wcag_a_or_aa_violation_in_either_language(
    start: StartNode, browser: Browser, contexts: list[BrowserContext]
) -> None:
    assert AXE.exists(), "axe-core is missing: run npm ci --prefix tests/clients"
    nodes = await demo_network(start)
    visits = await _visits(nodes)
    pages: dict[tuple[str, str | None], Page] = {}
    violations: list[str] = []
    runs = 0
    for visit in visits:
        running = nodes[visit.node]
        key = (visit.node, visit.who)
        if key not in pages:
            pages[key] = await _page_as(browser, contexts, running, visit.who, 1280)
        for language in ("nl", "en"):
            violations += await axe_audit(
                pages[key], f"{running.base_url}{visit.path}?lang={language}"
            )
            runs += 1
        await pages[key].screenshot(path=_screenshot(visit), full_page=True)
    assert runs == 2 * len(visits) >= 60
    assert violations == [], "\n".join(violations)


async def test_no_page_scrolls_sideways_at_320_pixels_and_none_breaks_wcag_there(
    start: StartNode, browser: Browser, contexts: list[BrowserContext]
) -> None:
    nodes = await demo_network(start)
    visits = await _visits(nodes)
    pages: dict[tuple[str, str | None], Page] = {}
    problems: list[str] = []
    for visit in visits:
        running = nodes[visit.node]
        key = (visit.node, visit.who)
        if key not in pages:
            pages[key] = await _page_as(browser, contexts, running, visit.who, 320)
        url = f"{running.base_url}{visit.path}"
        problems += await axe_audit(pages[key], url)
        overflow = await pages[key].evaluate(SIDEWAYS)
        if overflow > 0:
            problems.append(f"{url}: {overflow} px wider than a 320 px window")
    await pages[("wijert", "bram")].goto(nodes["wijert"].base_url + "/processes/wijkbudget/vote")
    await pages[("wijert", "bram")].screenshot(
        path=f"{SCREENSHOTS}/samenspraak-budget-ballot-320px.png", full_page=True
    )
    assert problems == [], "\n".join(problems)
