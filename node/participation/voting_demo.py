"""Verified residents, trust between nodes, a vote and budget ballots for the demo network.

Every node imports the municipal address extract; residents are verified by
address, by letter code and in person; the municipality trusts both
neighbourhood nodes and Oosterpark trusts De Wijert. In De Wijert's budget
process the ballot and a vote on the mural are open, with the first ballots
and votes cast, so visitors can cast their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TYPE_CHECKING

from node import social_actions
from node.clock import utc_now
from node.participation.addresses import parse_register
from node.participation.ballots import cast_ballot, open_budget_ballot
from node.participation.models import phases_around
from node.participation.processes import create_process, local_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.verification import (
    issue_letter_code,
    verify_by_address,
    verify_by_letter_code,
    verify_in_person,
)
from node.participation.voting import cast_vote, open_vote
from node.storage.addresses import AddressRegister
from node.storage.trust import TrustList

if TYPE_CHECKING:
    from node.runner import RunningNode

Settle = Callable[[], Awaitable[None]]

REGISTER_FILE = "adressen-groningen-synthetisch.csv"


def demo_register_text() -> str:
    """The synthetic address extract of Oosterparkwijk, De Wijert and Lewenborg."""
    return (resources.files("node") / "demo_data" / REGISTER_FILE).read_text(encoding="utf-8")


async def seed_voting(nodes: dict[str, RunningNode], settle: Settle) -> None:
    """Run after the participation seed: verification, trust, a vote and ballots."""
    gemeente, oosterpark, wijert = nodes["gemeente"], nodes["oosterpark"], nodes["wijert"]
    addresses = parse_register(demo_register_text())
    for running in nodes.values():
        await AddressRegister(running.node.db).replace_all(addresses)

    await verify_by_address(wijert.node, "bram", "9722 DM", "1")
    code, _ = await issue_letter_code(wijert.node, "9722DM", "2")
    await verify_by_letter_code(wijert.node, "sanne", code)
    await verify_by_address(oosterpark.node, "anna", "9713XT", "28-1")
    await verify_in_person(oosterpark.node, "joost", "admin", "9713 GA", "63a")

    await TrustList(gemeente.node.db).add(oosterpark.node.urls.host)
    await TrustList(gemeente.node.db).add(wijert.node.urls.host)
    await TrustList(oosterpark.node.db).add(wijert.node.urls.host)

    budget = await local_process(wijert.node, "wijkbudget")
    budget = await set_phase(wijert.node, budget, "supporting")
    budget = await set_phase(wijert.node, budget, "voting")
    voting_ends = next(p.end for p in budget.phases if p.name == "voting")
    entries = await open_budget_ballot(wijert.node, budget.uri, voting_ends)
    proposals = {p.title: p for p in await wijert.node.participation.proposals_of(budget.uri)}
    mural = proposals["Muurschildering in de onderdoorgang"]
    question = await open_vote(wijert.node, mural.uri, voting_ends)
    await settle()

    bram = await wijert.node.actors.by_username("bram")
    sanne = await wijert.node.actors.by_username("sanne")
    assert bram is not None and sanne is not None
    await cast_ballot(wijert.node, bram, budget.uri, [entries[0].proposal, entries[2].proposal])
    await cast_ballot(wijert.node, sanne, budget.uri, [entries[1].proposal, entries[3].proposal])
    await cast_vote(wijert.node, bram, question.uri, "tegen")
    await cast_vote(wijert.node, sanne, question.uri, "voor")
    await settle()
    await seed_city_poll(nodes, settle)


# In days from the moment the demo starts: the poll has just reached its voting phase.
CITY_POLL_PHASES = (("proposing", -34, -15), ("voting", -15, 41))


async def seed_city_poll(nodes: dict[str, RunningNode], settle: Settle) -> None:
    """A municipal advisory poll open to verified residents of the trusted neighbourhoods,
    who vote from their own nodes: the vote travels as a Mastodon poll vote would."""
    gemeente, oosterpark, wijert = nodes["gemeente"], nodes["oosterpark"], nodes["wijert"]
    phases = phases_around(utc_now(), *CITY_POLL_PHASES)
    poll = await create_process(
        gemeente.node,
        slug="stadspeiling",
        title="Stadspeiling autoluwe binnenstad",
        summary="<p>Een adviespeiling: de gemeenteraad hoort graag wat bewoners van de "
        "wijken vinden voordat hij besluit.</p>",
        archetype="advise",
        eligibility="trusted-nodes",
        threshold_count=100,
        electorate_size=240000,
        phases=phases,
    )
    for running in (oosterpark, wijert):
        await social_actions.follow(running.node, await running.node.organisation(), poll.uri)
    await settle()
    ambtenaar = await gemeente.node.actors.by_username("ambtenaar")
    assert ambtenaar is not None
    proposal = await create_proposal(
        gemeente.node,
        ambtenaar,
        poll,
        "Autoluwe binnenstad op zaterdag",
        "Op zaterdag geen doorgaand autoverkeer binnen de diepenring, wel bevoorrading tot "
        "11 uur en bussen. Bent u voor of tegen?",
        area="Binnenstad",
    )
    poll = await set_phase(gemeente.node, poll, "voting")
    question = await open_vote(gemeente.node, proposal.uri, phases[-1].end)
    await settle()
    anna = await oosterpark.node.actors.by_username("anna")
    assert anna is not None
    await cast_vote(oosterpark.node, anna, question.uri, "voor")
    await settle()
