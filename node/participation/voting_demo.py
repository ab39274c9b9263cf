"""Verified residents, trust between nodes, a vote and budget ballots for the demo network.

Gemeente Groningen is the registrar of De Wijert (the agreement of
node/participation/demo_seed.py): it binds Bram's and Sanne's register slots to
their accounts on De Wijert's node, by the address register and by a letter
code, so their ballots and votes in the delegated wijkbudget carry credentials.

Every node imports the municipal address extract; residents are verified by
address, by letter code and in person; the municipality trusts both
neighbourhood nodes and Oosterpark trusts De Wijert. In De Wijert's budget
process the ballot and a vote on the mural are open, with the first ballots
and votes cast, so visitors can cast their own; its party poll closes by itself
minutes after the first start; its wijkpanel is drawn by lot with the
municipality as the second party to the seed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from importlib import resources
from typing import TYPE_CHECKING

from node import social_actions
from node.clock import iso, utc_now
from node.participation.addresses import parse_register
from node.participation.ballots import cast_ballot, open_budget_ballot
from node.participation.models import Phase, phases_around
from node.participation.processes import create_process, local_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.registrar import bind_by_address, bind_by_letter_code, issue_slot_code
from node.participation.sortition import create_draw, opt_in, start_draw
from node.participation.verification import (
    issue_letter_code,
    verify_by_address,
    verify_by_letter_code,
    verify_in_person,
)
from node.participation.voting import cast_vote, open_vote

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
        await running.node.addresses.replace_all(addresses)

    await verify_by_address(wijert.node.participation_services, "bram", "9722 DM", "1")
    code, _ = await issue_letter_code(wijert.node.participation_services, "9722DM", "2")
    await verify_by_letter_code(wijert.node.participation_services, "sanne", code)
    await verify_by_address(oosterpark.node.participation_services, "anna", "9713XT", "28-1")
    await verify_in_person(
        oosterpark.node.participation_services, "joost", "admin", "9713 GA", "63a"
    )

    registrar = gemeente.node.participation_services
    bram_uri = wijert.node.urls.actor("bram")
    await bind_by_address(registrar, "9722 DM", "1", bram_uri)
    slot_code, _ = await issue_slot_code(registrar, "9722DM", "2", 1)
    await bind_by_letter_code(registrar, slot_code, wijert.node.urls.actor("sanne"))
    await gemeente.node.trust.add(oosterpark.node.urls.host)
    await gemeente.node.trust.add(wijert.node.urls.host)
    await oosterpark.node.trust.add(wijert.node.urls.host)

    budget = await local_process(wijert.node.participation_services, "wijkbudget")
    budget = await set_phase(wijert.node.participation_services, budget, "supporting")
    budget = await set_phase(wijert.node.participation_services, budget, "voting")
    voting_ends = next(p.end for p in budget.phases if p.name == "voting")
    entries = await open_budget_ballot(wijert.node.participation_services, budget.uri, voting_ends)
    proposals = {p.title: p for p in await wijert.node.participation_store.proposals_of(budget.uri)}
    mural = proposals["Muurschildering in de onderdoorgang"]
    question = await open_vote(wijert.node.participation_services, mural.uri, voting_ends)
    await settle()

    bram = await wijert.node.actors.by_username("bram")
    sanne = await wijert.node.actors.by_username("sanne")
    assert bram is not None and sanne is not None
    await cast_ballot(
        wijert.node.participation_services,
        bram,
        budget.uri,
        [entries[0].proposal, entries[2].proposal],
    )
    await cast_ballot(
        wijert.node.participation_services,
        sanne,
        budget.uri,
        [entries[1].proposal, entries[3].proposal],
    )
    await cast_vote(wijert.node.participation_services, bram, question.uri, "tegen")
    await cast_vote(wijert.node.participation_services, sanne, question.uri, "voor")
    await settle()
    await seed_city_poll(nodes, settle)
    await seed_quick_poll(nodes, settle)
    await seed_panel_draw(nodes, settle)


# In days from the moment the demo starts: the poll has just reached its voting phase.
CITY_POLL_PHASES = (("proposing", -34, -15), ("voting", -15, 41))


async def seed_city_poll(nodes: dict[str, RunningNode], settle: Settle) -> None:
    """A municipal advisory poll open to verified residents of the trusted neighbourhoods,
    who vote from their own nodes: the vote travels as a Mastodon poll vote would."""
    gemeente, oosterpark, wijert = nodes["gemeente"], nodes["oosterpark"], nodes["wijert"]
    phases = phases_around(utc_now(), *CITY_POLL_PHASES)
    poll = await create_process(
        gemeente.node.participation_services,
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
        await social_actions.follow(
            running.node.social_services, await running.node.organisation(), poll.uri
        )
    await settle()
    ambtenaar = await gemeente.node.actors.by_username("ambtenaar")
    assert ambtenaar is not None
    proposal = await create_proposal(
        gemeente.node.participation_services,
        ambtenaar,
        poll,
        "Autoluwe binnenstad op zaterdag",
        "Op zaterdag geen doorgaand autoverkeer binnen de diepenring, wel bevoorrading tot "
        "11 uur en bussen. Bent u voor of tegen?",
        area="Binnenstad",
    )
    poll = await set_phase(gemeente.node.participation_services, poll, "voting")
    question = await open_vote(gemeente.node.participation_services, proposal.uri, phases[-1].end)
    await settle()
    anna = await oosterpark.node.actors.by_username("anna")
    assert anna is not None
    await cast_vote(oosterpark.node.participation_services, anna, question.uri, "voor")
    await settle()


# The neighbourhood party poll closes this long after the demo is first seeded, by the
# node's schedule (node/participation/schedule.py): visitors see a vote close by itself.
QUICK_POLL_MINUTES = 15


async def seed_quick_poll(nodes: dict[str, RunningNode], settle: Settle) -> None:
    """A short De Wijert poll whose vote and voting phase end minutes after the seed."""
    wijert = nodes["wijert"]
    services = wijert.node.participation_services
    now = utc_now()
    ends = iso(now + timedelta(minutes=QUICK_POLL_MINUTES))
    poll = await create_process(
        services,
        slug="buurtfeest",
        title="Buurtfeest De Wijert: zaterdag of zondag?",
        summary="<p>Een korte peiling onder bewoners: op welke dag houden we het buurtfeest?</p>",
        archetype="advise",
        eligibility="verified-local",
        threshold_count=1,
        electorate_size=6200,
        phases=(
            Phase("proposing", iso(now - timedelta(days=7)), iso(now - timedelta(days=1))),
            Phase("voting", iso(now - timedelta(days=1)), ends),
        ),
        voting_options=("zaterdag", "zondag"),
    )
    sanne = await wijert.node.actors.by_username("sanne")
    assert sanne is not None
    proposal = await create_proposal(
        services,
        sanne,
        poll,
        "Buurtfeest op het Wijertplein",
        "Het buurtfeest is in juni op het plein. Welke dag past u het best?",
        area="De Wijert",
    )
    poll = await set_phase(services, poll, "voting")
    question = await open_vote(services, proposal.uri, ends)
    await cast_vote(services, sanne, question.uri, "zondag")
    await settle()


async def seed_panel_draw(nodes: dict[str, RunningNode], settle: Settle) -> None:
    """A wijkpanel for De Wijert's budget drawn by lot among residents the municipality
    registered, its seed made with the municipality, the other side of the agreement."""
    wijert = nodes["wijert"]
    services = wijert.node.participation_services
    budget = await local_process(services, "wijkbudget")
    panel = await create_draw(
        services,
        budget,
        title="Wijkpanel wijkbudget 2027",
        seats=1,
        areas=["9722"],
        stratified=False,
        parties=[],
    )
    for username in ("bram", "sanne"):
        resident = await wijert.node.actors.by_username(username)
        assert resident is not None
        await opt_in(services, panel.uri, resident.uri)
    await start_draw(services, panel.uri)
    await settle()
