"""Shared set-up of the voting and budget tests: processes in their voting phase, residents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from node import social_actions
from node.clock import epoch_now, iso, utc_now
from node.participation.addresses import parse_register
from node.participation.models import (
    Budget,
    Phase,
    Process,
    Proposal,
    Question,
    phases_around,
)
from node.participation.processes import create_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.verification import verify_by_address
from node.participation.voting import TALLY_UPDATE_DELAY, open_vote, publish_due_tallies
from node.runner import RunningNode
from node.storage.actors import LocalActor
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person

REGISTER_CSV = (
    "postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;wijk\n"
    "9722 AB;4;;;Van Iddekingeweg;Groningen;De Wijert\n"
    "9722 AB;6;a;;Van Iddekingeweg;Groningen;De Wijert\n"
    "9713 XT;12;;;Gorechtkade;Groningen;Oosterparkwijk\n"
    "9713 XT;14;;1;Gorechtkade;Groningen;Oosterparkwijk\n"
)


def phases() -> tuple[Phase, ...]:
    """Proposing, supporting and voting phases around now."""
    return phases_around(
        utc_now(), ("proposing", -30, -20), ("supporting", -20, -10), ("voting", -10, 10)
    )


def in_a_week() -> str:
    """An end time for votes and ballots."""
    return iso(utc_now() + timedelta(days=7))


async def resident(running: RunningNode, username: str, postcode: str, number: str) -> LocalActor:
    """A local account verified by the address register (the register must be imported)."""
    actor = await person(running, username)
    await verify_by_address(running.node.participation_services, username, postcode, number)
    return actor


async def process_with_proposals(
    running: RunningNode,
    slug: str,
    titles: list[tuple[str, float | None]],
    *,
    eligibility: str = "open",
    budget: Budget | None = None,
    **extra: Any,
) -> tuple[Process, list[Proposal]]:
    """A local process with proposals from its organisation, moved to its voting phase."""
    node = running.node
    process = await create_process(
        node.participation_services,
        slug=slug,
        title=slug.replace("-", " ").title(),
        archetype="decide",
        eligibility=eligibility,
        threshold_count=1,
        electorate_size=100,
        budget=budget,
        phases=phases(),
        current_phase="proposing",
        **extra,
    )
    organisation = await node.organisation()
    proposals = [
        await create_proposal(
            node.participation_services,
            organisation,
            process,
            title,
            f"Voorstel: {title}.",
            cost=cost,
        )
        for title, cost in titles
    ]
    process = await set_phase(node.participation_services, process, "voting")
    return process, proposals


async def follow(running: RunningNode, follower: LocalActor, target: str) -> None:
    """Follow a remote actor (deliver afterwards)."""
    await social_actions.follow(running.node.social_services, follower, target)


async def import_register(running: RunningNode) -> None:
    """A small address register with homes in De Wijert and Oosterparkwijk."""
    await running.node.addresses.replace_all(parse_register(REGISTER_CSV))


async def delivery_error(running: RunningNode, activity_id: str) -> str | None:
    """What the receiving inbox answered to a delivery that failed."""
    return await running.node.db.fetch_value(
        "SELECT last_error FROM deliveries WHERE activity = ?", (activity_id,)
    )


async def send_tally_updates(*nodes: RunningNode) -> None:
    """Queue the batched tally Updates now, as if their delay had passed."""
    for running in nodes:
        await publish_due_tallies(
            running.node.participation_services, now=epoch_now() + TALLY_UPDATE_DELAY
        )


async def exchange(*nodes: RunningNode, rounds: int = 10) -> None:
    """Step the workers until quiet, counting refused deliveries as work done: a refused
    vote queues a Reject on the other side that must go out too."""
    for _ in range(rounds):
        done = 0
        await send_tally_updates(*nodes)
        for running in nodes:
            report = await running.node.worker.run_once()
            done += report.delivered + report.given_up
        if done == 0:
            return


async def followed_vote(
    start: StartNode, end: datetime
) -> tuple[RunningNode, RunningNode, Process, Proposal, Question]:
    """A municipal vote open until ``end``, its process followed from De Wijert."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    process, [proposal] = await process_with_proposals(
        gemeente, "verkeersplan", [("Autoluwe binnenstad", None)]
    )
    await follow(wijert, await person(wijert, "waarnemer"), process.uri)
    await exchange(gemeente, wijert)
    question = await open_vote(gemeente.node.participation_services, proposal.uri, iso(end))
    return gemeente, wijert, process, proposal, question
