"""Processes, proposals, comments, supports and answers for the demo network.

Gemeente Groningen consults the city on climate adaptation (advise); the
Oosterpark collective keeps a neighbourhood agenda (initiate); De Wijert
divides its own EUR 50,000 (decide), delegated in an agreement with the
municipality, which registers De Wijert's residents. Residents take part from
their own node, the municipality follows both neighbourhood processes and
answers officially.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from node import social_actions
from node.clock import iso, utc_now
from node.participation.agreements import accept_agreement, offer_agreement
from node.participation.comments import post_comment
from node.participation.models import (
    Agreement,
    Budget,
    Money,
    Place,
    Process,
    Proposal,
    phases_around,
)
from node.participation.official_responses import respond_officially
from node.participation.processes import create_process, known_process
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.trail import change_status
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.runner import RunningNode

Settle = Callable[[], Awaitable[None]]

# In days from the moment the demo starts: every process is in its first phase today.
CONSULTATION_PHASES = (("proposing", -34, 57), ("supporting", 57, 85))
AGENDA_PHASES = (("proposing", -95, 207),)
BUDGET_PHASES = (("proposing", -34, 15), ("supporting", 15, 46), ("voting", 46, 67))


async def _person(running: RunningNode, username: str) -> LocalActor:
    actor = await running.node.actors.by_username(username)
    assert actor is not None, f"demo account {username} is missing"
    return actor


async def _remote(running: RunningNode, process: Process) -> Process:
    known = await known_process(running.node.participation_services, process.uri, fetch=True)
    assert known is not None, f"{process.uri} could not be read as a process"
    return known


async def agree_on_the_wijkbudget(nodes: dict[str, RunningNode], settle: Settle) -> Agreement:
    """Gemeente Groningen delegates De Wijert's budget to the neighbourhood for the year,
    registering the residents of postcode area 9722 itself; De Wijert accepts."""
    wijert = await nodes["wijert"].node.organisation()
    offered = await offer_agreement(
        nodes["gemeente"].node.participation_services,
        neighbourhood=wijert.uri,
        theme="Wijkbudget De Wijert 2027",
        delegates=["decide"],
        areas=[("9722", "De Wijert", None)],
        start=iso(utc_now() - timedelta(days=34)),
        end=iso(utc_now() + timedelta(days=331)),
        budget=Money(50000, "EUR"),
    )
    await settle()
    accepted = await accept_agreement(nodes["wijert"].node.participation_services, offered.uri)
    await settle()
    return accepted


async def open_demo_processes(
    nodes: dict[str, RunningNode], agreement: Agreement
) -> dict[str, Process]:
    """The main process of each node; De Wijert's budget under its agreement."""
    consultation = await create_process(
        nodes["gemeente"].node.participation_services,
        slug="klimaatbestendig",
        title="Groningen klimaatbestendig",
        summary="<p>Hoe maken we uw wijk koeler, groener en beter bestand tegen hoosbuien? "
        "Doe een voorstel; elk voorstel met genoeg steun krijgt een officiële reactie.</p>",
        archetype="advise",
        threshold_count=3,
        electorate_size=240000,
        phases=phases_around(utc_now(), *CONSULTATION_PHASES),
    )
    agenda = await create_process(
        nodes["oosterpark"].node.participation_services,
        slug="wijkagenda",
        title="Wijkagenda Oosterpark 2027",
        summary="<p>Wat moet er beter in de Oosterparkwijk? Onderwerpen met genoeg steun "
        "bespreken we met het gebiedsteam van de gemeente.</p>",
        archetype="initiate",
        threshold_count=3,
        electorate_size=11800,
        phases=phases_around(utc_now(), *AGENDA_PHASES),
    )
    budget = await create_process(
        nodes["wijert"].node.participation_services,
        slug="wijkbudget",
        title="Wijkbudget De Wijert 2027",
        summary="<p>De Wijert verdeelt zelf 50.000 euro. Dien een project in met wat het kost; "
        "daarna kiest u met een stembiljet één tot drie projecten.</p>",
        archetype="decide",
        eligibility="verified-local",
        threshold_count=5,
        electorate_size=6200,
        budget=Budget(50000, "EUR", 1, 3),
        phases=phases_around(utc_now(), *BUDGET_PHASES),
        agreement=agreement.uri,
    )
    return {"gemeente": consultation, "oosterpark": agenda, "wijert": budget}


async def seed_participation(nodes: dict[str, RunningNode], settle: Settle) -> None:
    """Open the three processes and let residents of every node take part."""
    gemeente, oosterpark, wijert = nodes["gemeente"], nodes["oosterpark"], nodes["wijert"]
    processes = await open_demo_processes(nodes, await agree_on_the_wijkbudget(nodes, settle))
    for running, target in (
        (gemeente, processes["oosterpark"]),
        (gemeente, processes["wijert"]),
        (oosterpark, processes["gemeente"]),
        (wijert, processes["gemeente"]),
        (wijert, processes["oosterpark"]),
    ):
        await social_actions.follow(
            running.node.social_services, await running.node.organisation(), target.uri
        )
    await settle()

    anna, joost = await _person(oosterpark, "anna"), await _person(oosterpark, "joost")
    bram, sanne = await _person(wijert, "bram"), await _person(wijert, "sanne")
    ambtenaar = await _person(gemeente, "ambtenaar")
    consultation_o = await _remote(oosterpark, processes["gemeente"])
    consultation_w = await _remote(wijert, processes["gemeente"])

    wadis = await create_proposal(
        oosterpark.node.participation_services,
        anna,
        consultation_o,
        "Wadi's in de Oosterparkwijk",
        "Bij elke hoosbui staan de Oosterparkstraat en de Gorechtkade blank. Wadi's in de "
        "grasstroken vangen het water op en maken de straat groener.",
        area="Oosterparkwijk",
    )
    schoolyard = await create_proposal(
        wijert.node.participation_services,
        bram,
        consultation_w,
        "Groen schoolplein bij de Wijertschool",
        "Het schoolplein is één grote tegelvlakte die 's zomers gloeit. Haal tegels weg, "
        "plant bomen en maak een moestuin die de buurt na schooltijd mag gebruiken.",
        area="De Wijert",
    )
    crossing = await create_proposal(
        oosterpark.node.participation_services,
        joost,
        processes["oosterpark"],
        "Veilige oversteek bij de Oosterparkschool",
        "Kinderen steken 's ochtends de Oosterweg over tussen geparkeerde bestelbusjes door. "
        "Een zebrapad met een verhoogd plateau maakt het veilig.",
        location=Place("Oosterweg bij de Oosterparkschool", 53.2135, 6.5830),
    )
    benches = await create_proposal(
        oosterpark.node.participation_services,
        anna,
        processes["oosterpark"],
        "Meer bankjes langs het Damsterdiep",
        "Voor ouderen is de wandeling naar de stad lang. Om de tweehonderd meter een bankje "
        "helpt om even uit te rusten.",
    )
    repair = await create_proposal(
        oosterpark.node.participation_services,
        joost,
        processes["oosterpark"],
        "Reparatiecafé in het buurthuis",
        "Eén zaterdag per maand repareren vrijwilligers fietsen, kleding en apparaten. "
        "Minder afval en een plek om elkaar te ontmoeten.",
    )
    budget_proposals: list[Proposal] = []
    for author, title, text, cost in (
        (
            bram,
            "Deelbakfietsen voor de buurt",
            "Drie elektrische bakfietsen die bewoners per uur kunnen lenen via de wijkapp.",
            8500,
        ),
        (
            sanne,
            "Muurschildering in de onderdoorgang",
            "De onderdoorgang onder de ringweg is donker en grauw. Kunstenaars uit de buurt "
            "maken er samen met kinderen een muurschildering.",
            12000,
        ),
        (
            bram,
            "Gereedschapsbibliotheek",
            "Een container bij het wijkcentrum waar u boormachines, ladders en "
            "tuingereedschap leent in plaats van koopt.",
            6000,
        ),
        (
            sanne,
            "Extra afvalbakken langs de Helperzoom",
            "Na mooie dagen ligt het afval naast de volle bakken. Acht extra bakken en een "
            "vaste leegronde in het weekend.",
            4000,
        ),
        (
            bram,
            "Buurtkrant De Wijert",
            "Vier keer per jaar een papieren buurtkrant voor wie niet online is.",
            3500,
        ),
    ):
        budget_proposals.append(
            await create_proposal(
                wijert.node.participation_services,
                author,
                processes["wijert"],
                title,
                text,
                cost=cost,
                area="De Wijert",
            )
        )
    await settle()

    await post_comment(
        oosterpark.node.participation_services,
        joost,
        wadis.uri,
        "Goed idee, maar niet ten koste van de parkeerplaatsen in de Oosterparkstraat.",
        stance="against",
    )
    await post_comment(
        wijert.node.participation_services,
        bram,
        wadis.uri,
        "In De Wijert hebben we wadi's sinds 2023 en het water staat nooit meer in de kelders.",
        stance="for",
    )
    await post_comment(
        oosterpark.node.participation_services,
        anna,
        crossing.uri,
        "Mijn kleinzoon loopt daar elke dag. Graag!",
        stance="for",
    )
    await post_comment(
        oosterpark.node.participation_services,
        anna,
        repair.uri,
        "Leuk, maar het buurthuis is op zaterdag al vol met de sportclub.",
        stance="neutral",
    )
    await post_comment(
        wijert.node.participation_services,
        bram,
        budget_proposals[1].uri,
        "Liever eerst betere verlichting in die onderdoorgang; een schildering lost het "
        "onveilige gevoel niet op.",
        stance="against",
    )
    await post_comment(
        wijert.node.participation_services,
        sanne,
        budget_proposals[1].uri,
        "Verlichting zit al in het plan van de gemeente voor volgend jaar.",
    )
    await post_comment(
        wijert.node.participation_services,
        await _person(wijert, "meubeldeal"),
        benches.uri,
        "Bankjes nodig? Tuinbanken met 50% korting bij meubeldeal.example, alleen deze week!",
    )
    await settle()

    for running, person, proposal in (
        (wijert, bram, wadis),
        (wijert, sanne, wadis),
        (oosterpark, joost, wadis),
        (oosterpark, anna, schoolyard),
        (oosterpark, anna, crossing),
        (wijert, sanne, crossing),
        (wijert, bram, crossing),
        (wijert, bram, benches),
    ):
        await support(running.node.participation_services, person, proposal.uri)
        await settle()

    await respond_officially(
        gemeente.node.participation_services,
        ambtenaar,
        wadis.uri,
        "Dank voor dit voorstel. In 2027 leggen we in de Oosterparkstraat twee wadi's aan als "
        "proef; de parkeerplaatsen blijven. Het gebiedsteam nodigt omwonenden in maart uit.",
    )
    await respond_officially(
        gemeente.node.participation_services,
        ambtenaar,
        crossing.uri,
        "De verkeerskundige kijkt in januari mee. Een plateau past in het onderhoud van de "
        "Oosterweg in 2027.",
    )
    await settle()
    on_agenda = await oosterpark.node.participation_store.get_proposal(crossing.uri)
    assert on_agenda is not None
    await change_status(
        oosterpark.node.participation_services,
        on_agenda,
        "under_review",
        reason="Besproken met het gebiedsteam; de gemeente onderzoekt een verhoogd plateau.",
        actor=(await oosterpark.node.organisation()).uri,
    )
    await settle()
