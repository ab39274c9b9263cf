"""Shared set-up of the agreement and registrar tests: a municipality that offers a
neighbourhood node an agreement over its wijkbudget, accepted by the neighbourhood."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from node.clock import iso, utc_now
from node.participation.addresses import parse_register
from node.participation.agreements import accept_agreement, offer_agreement
from node.participation.models import Agreement, Money, Process, Question
from node.participation.registrar import bind_by_letter_code, issue_slot_code
from node.participation.voting import open_vote
from node.runner import RunningNode
from node.storage.actors import LocalActor
from tests.integration.conftest import StartNode
from tests.integration.voting_scenarios import exchange, in_a_week, process_with_proposals


async def offer(
    gemeente: RunningNode,
    neighbourhood: RunningNode,
    areas: list[tuple[str, str | None, str | None]],
    theme: str = "Wijkbudget De Wijert",
) -> Agreement:
    """The municipality offers the neighbourhood a decide agreement for a year."""
    target = await neighbourhood.node.organisation()
    return await offer_agreement(
        gemeente.node.participation_services,
        neighbourhood=target.uri,
        theme=theme,
        delegates=["decide"],
        areas=areas,
        start=iso(utc_now() - timedelta(days=1)),
        end=iso(utc_now() + timedelta(days=365)),
        budget=Money(25000, "EUR"),
    )


async def agreed(
    gemeente: RunningNode,
    neighbourhood: RunningNode,
    areas: list[tuple[str, str | None, str | None]],
    theme: str = "Wijkbudget De Wijert",
) -> Agreement:
    """An agreement offered, delivered, accepted and the acceptance delivered."""
    offered = await offer(gemeente, neighbourhood, areas, theme)
    await exchange(gemeente, neighbourhood)
    accepted = await accept_agreement(neighbourhood.node.participation_services, offered.uri)
    await exchange(gemeente, neighbourhood)
    return accepted


REGISTER_WITH_RESIDENTS = (
    "postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;wijk;"
    "ingeschrevenen\n"
    "9722 AB;4;;;Van Iddekingeweg;Groningen;De Wijert;2\n"
    "9722 AB;6;a;;Van Iddekingeweg;Groningen;De Wijert;1\n"
    "9713 XT;12;;;Gorechtkade;Groningen;Oosterparkwijk;1\n"
    "9751 AA;1;;;Dorpsstraat;Haren;Haren;1\n"
)


@dataclass(frozen=True)
class Network:
    """The municipality as registrar, two neighbourhoods under agreements with it, and a
    node outside any agreement; De Wijert hosts a wijkbudget vote under its agreement."""

    gemeente: RunningNode
    wijert: RunningNode
    oosterpark: RunningNode
    buiten: RunningNode
    agreement: Agreement
    process: Process
    question: Question


async def agreement_network(start: StartNode) -> Network:
    """Four nodes on loopback, the agreements accepted and the vote open."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    buiten = await start("buiten", "Dorpsbelang Buiten")
    await gemeente.node.addresses.replace_all(parse_register(REGISTER_WITH_RESIDENTS))
    agreement = await agreed(gemeente, wijert, [("9722", "De Wijert", None)])
    await agreed(gemeente, oosterpark, [("9713", "Oosterparkwijk", None)], "Oosterpark")
    process, [proposal] = await process_with_proposals(
        wijert,
        "wijkbudget",
        [("Speeltuin Van Iddekingeweg", None)],
        eligibility="verified-local",
        agreement=agreement.uri,
    )
    question = await open_vote(wijert.node.participation_services, proposal.uri, in_a_week())
    await exchange(gemeente, wijert, oosterpark, buiten)
    return Network(gemeente, wijert, oosterpark, buiten, agreement, process, question)


async def bind_by_code(gemeente: RunningNode, actor: LocalActor, resident: int = 1) -> None:
    """The registrar posts a code for resident ``resident`` of Van Iddekingeweg 4, and
    the resident redeems it for their account (on whichever node)."""
    services = gemeente.node.participation_services
    code, _ = await issue_slot_code(services, "9722AB", "4", resident)
    await bind_by_letter_code(services, code, actor.uri)
