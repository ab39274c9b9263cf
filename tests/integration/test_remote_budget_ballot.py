"""A resident fills in the budget ballot of a process on another node from their own node's
pages: the same ballot, checked here before it is sent, counted there, and its fate (sent,
counted with the receipt, refused with the reason) shown here on the next visit."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from node.participation.ballots import budget_allocations, close_budget, open_budget_ballot
from node.participation.interactions import find_interaction_target
from node.participation.models import Budget
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import exchange, follow, in_a_week, process_with_proposals
from tests.integration.web_login import logged_in

BUDGET = Budget(amount=10_000, currency="EUR", min_picks=1, max_picks=2)
PROJECTS = [
    ("Bankjes bij de vijver", 4_000.0),
    ("Groen schoolplein", 7_000.0),
    ("Buurtkrant", 1_500.0),
]


async def test_a_resident_fills_in_the_budget_ballot_of_a_process_elsewhere_from_home(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, proposals = await process_with_proposals(
        gemeente, "wijkbudget", PROJECTS, budget=BUDGET
    )
    bankjes, schoolplein, buurtkrant = (p.uri for p in proposals)
    anouk = await person(wijert, "anouk")
    await follow(wijert, anouk, process.uri)
    await exchange(wijert, gemeente)
    page = f"/processes/wijkbudget@{urlsplit(gemeente.base_url).netloc}"

    async with logged_in(wijert, "anouk") as browser:
        # Before the ballot opens there is nothing to fill in, and no link to it.
        before = await browser.get(f"{page}?lang=nl")
        assert before.status == 200 and "Stem nu" not in before.text
        assert (
            "Er is nu geen stemming over het budget open."
            in (await browser.get(f"{page}/vote?lang=nl")).text
        )

        await open_budget_ballot(gemeente.node.participation_services, process.uri, in_a_week())
        await exchange(gemeente, wijert)
        shown = await browser.get(f"{page}?lang=nl")
        assert f'<a href="{wijert.base_url}{page}/vote">Stem nu</a>' in shown.text

        # The ballot lists the proposals in the order of the process's ballot.
        ballot = await browser.get(f"{page}/vote?lang=nl")
        assert ballot.status == 200, ballot.text
        text = ballot.text
        assert f'action="{wijert.base_url}{page}/ballot"' in text
        order = [e.proposal for e in await gemeente.node.ballots.entries(process.uri)]
        assert sorted(order) == sorted([bankjes, schoolplein, buurtkrant])
        positions = [text.index(f'value="{uri}" data-cost') for uri in order]
        assert positions == sorted(positions)
        for title, _ in PROJECTS:
            assert title in text
        assert "Uw stembiljet is" not in text

        # A resident of a third node who looks the process up after its ballot opened
        # gets the same ballot: their node fetches the proposals on it that it lacks.
        oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
        await person(oosterpark, "bram")
        await find_interaction_target(oosterpark.node.participation_services, process.uri)
        assert await oosterpark.node.participation_store.get_proposal(bankjes) is None
        async with logged_in(oosterpark, "bram") as elsewhere:
            theirs = await elsewhere.get(f"{page}/vote?lang=nl")
        assert theirs.status == 200, theirs.text
        assert [theirs.text.index(f'value="{uri}" data-cost') for uri in order] == sorted(
            theirs.text.index(f'value="{uri}" data-cost') for uri in order
        )
        assert await oosterpark.node.participation_store.get_proposal(bankjes) is not None

        # Over the budget: refused here with the reason, and nothing is sent.
        over = await browser.post(
            f"{page}/ballot?lang=nl", [("pick", bankjes), ("pick", schoolplein)]
        )
        assert over.status == 422, over.text
        assert "Uw keuzes kosten samen " in over.text
        assert "Dat is meer dan het budget van " in over.text
        assert f'value="{schoolplein}" data-cost="7000.0" checked' in over.text
        assert await wijert.node.db.fetch_value("SELECT COUNT(*) FROM sent_votes") == 0
        await exchange(wijert, gemeente)
        assert await gemeente.node.ballots.all_picks(process.uri) == []

        sent = await browser.post(
            f"{page}/ballot?lang=nl", [("pick", bankjes), ("pick", buurtkrant)]
        )
        assert sent.status == 200, sent.text
        assert "Uw stembiljet is verstuurd." in sent.text
        assert "de node van het proces heeft nog niet geantwoord" in sent.text

        await exchange(wijert, gemeente)
        assert await gemeente.node.ballots.picks_of(process.uri, anouk.uri) == sorted(
            [bankjes, buurtkrant]
        )
        counted = await browser.get(f"{page}/vote?lang=nl")
        assert "Uw stembiljet is geteld door de node van het proces." in counted.text
        receipt = await wijert.node.participation_services.receipts.latest(anouk.uri, process.uri)
        assert receipt is not None and f"Uw ontvangstbewijs: {receipt}" in counted.text
        assert f'value="{bankjes}" data-cost="4000.0" checked' in counted.text

        # A changed ballot that reaches the process after its ballot closed is refused
        # there; the reason shows here, and the ballot counted before stands.
        await browser.post(f"{page}/ballot?lang=nl", [("pick", schoolplein)])
        await close_budget(gemeente.node.participation_services, process.uri)
        await exchange(wijert, gemeente)
        reason = await wijert.node.db.fetch_value(
            "SELECT reason FROM sent_votes WHERE state = 'refused'"
        )
        assert reason is not None and "closed" in reason
        refused = await browser.get(f"{page}/vote?lang=nl")
        assert "Uw stembiljet is geweigerd:" in refused.text
        assert html.escape(reason) in refused.text
        assert "Stembiljet versturen" not in refused.text
        # Nothing is left to send to: the closed ballot takes no more.
        late = await browser.post(f"{page}/ballot?lang=nl", [("pick", buurtkrant)])
        assert late.status == 422 and "is niet open" in late.text

    allocations, voters = await budget_allocations(gemeente.node.participation_services, process)
    assert voters == 1
    assert {a.proposal: (a.votes, a.selected) for a in allocations} == {
        bankjes: (1, True),
        schoolplein: (0, False),
        buurtkrant: (1, True),
    }
