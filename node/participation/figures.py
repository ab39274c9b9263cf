"""The live participation figures organisers see on /organise, per process: how many
proposals, supports, comments and votes fell in each phase (the phase the process was in
then); how many people took part
from each server; and how many voters live in each postcode area, where this node knows
it (residents it verified and register slots it bound; a vote cast with a credential of
another registrar names only its pseudonym, which the page counts apart). Each figure
is one aggregate query (node/storage/figures.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from node.participation.models import Process
from node.storage.figures import ParticipationFigures

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

KINDS = ("proposals", "supports", "comments", "votes")


@dataclass(frozen=True)
class PhaseFigures:
    """The acts in one phase of a process, by kind (``KINDS``)."""

    phase: str
    proposals: int
    supports: int
    comments: int
    votes: int


@dataclass(frozen=True)
class ProcessFigures:
    """A process's figures: per phase, per server (host, people), per postcode area
    (area, voters), and the voters known only by a credential's pseudonym."""

    phases: tuple[PhaseFigures, ...]
    servers: tuple[tuple[str, int], ...]
    areas: tuple[tuple[str, int], ...]
    by_credential: int


async def process_figures(services: ParticipationServices, process: Process) -> ProcessFigures:
    """The live figures of a process hosted here. An act counts in the phase the process
    was in at that moment, by the phase moves it made (node/participation/moves.py);
    phases of its schedule not reached yet show zeros."""
    store = ParticipationFigures(services.db)
    moves = [m for m in await services.moves.of_process(process.uri) if m.kind == "phase"]
    first = moves[0].previous_state if moves and moves[0].previous_state else None
    periods = [first or process.current_phase, *(m.state for m in moves)]
    acts = await store.acts_per_period(process.uri, [m.done_at for m in moves])
    shown = [*periods, *(p.name for p in process.phases if p.name not in periods)]
    rows = [
        PhaseFigures(
            phase,
            *(
                sum(acts.get((kind, i), 0) for i, entered in enumerate(periods) if entered == phase)
                for kind in KINDS
            ),
        )
        for phase in dict.fromkeys(shown)
    ]
    servers: Counter[str] = Counter()
    pseudonyms = 0
    for actor in await store.participants(process.uri):
        host = urlsplit(actor).netloc if actor.startswith(("https://", "http://")) else ""
        if host:
            servers[host] += 1
        else:
            pseudonyms += 1
    return ProcessFigures(
        phases=tuple(rows),
        servers=tuple(sorted(servers.items(), key=lambda item: (-item[1], item[0]))),
        areas=tuple((await store.voter_areas(process.uri)).items()),
        by_credential=pseudonyms,
    )
