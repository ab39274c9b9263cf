"""The participation domain as typed data: processes, proposals and their trail.

These are read models: the store builds them from rows, the domain functions
take them, and documents and pages render them. They never change in place.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from federation.lifecycle import StateGraph
from node.clock import iso

ARCHETYPES = ("advise", "initiate", "decide")
# A process declares which of these phases it has, with dates; whichever it has, it
# moves only forward through them (skipping is allowed), and closing is final.
PHASE_LIFECYCLE = StateGraph(
    "proposing",
    {
        "proposing": frozenset({"supporting", "voting", "closed"}),
        "supporting": frozenset({"voting", "closed"}),
        "voting": frozenset({"closed"}),
        "closed": frozenset(),
    },
    noun="phase",
    refusal="a process in its {current} phase cannot move to {new}: phases only move forward"
    " and closing is final (possible now: {allowed})",
)
PHASE_NAMES = PHASE_LIFECYCLE.states
ELIGIBILITIES = ("open", "trusted-nodes", "verified-local")
STANCES = ("for", "against", "neutral")
DEFAULT_VOTING_OPTIONS = ("voor", "tegen", "onthouding")


@dataclass(frozen=True)
class Phase:
    """One phase of a process with its dates (RFC 3339)."""

    name: str
    start: str
    end: str


def phases_around(now: datetime, *spans: tuple[str, float, float]) -> tuple[Phase, ...]:
    """Phases from (name, first day, last day) counted in days from ``now`` (negative:
    before it), so that the demo and the tests hold no date that expires."""
    return tuple(
        Phase(name, iso(now + timedelta(days=start)), iso(now + timedelta(days=end)))
        for name, start, end in spans
    )


@dataclass(frozen=True)
class Budget:
    """Money a decide process divides, and how many proposals a ballot picks."""

    amount: float
    currency: str
    min_picks: int
    max_picks: int


@dataclass(frozen=True)
class Money:
    """An amount in a currency (ISO 4217)."""

    amount: float
    currency: str


@dataclass(frozen=True)
class Place:
    """Where a proposal would happen: a name and, when known, coordinates."""

    name: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Process:
    """A participatory process: a Group actor, local or on another node."""

    uri: str
    local: bool
    slug: str
    title: str
    summary: str
    archetype: str
    phases: tuple[Phase, ...]
    current_phase: str
    eligibility: str
    threshold_count: int | None
    threshold_share: float | None
    electorate_size: int
    budget: Budget | None
    voting_options: tuple[str, ...]
    hosted_by: str

    @property
    def support_threshold(self) -> int:
        """Supports a proposal needs: the count, or the share of the electorate rounded up."""
        if self.threshold_count is not None:
            return self.threshold_count
        return max(1, math.ceil((self.threshold_share or 0) * self.electorate_size))

    @property
    def is_open(self) -> bool:
        """Whether the process still takes part in anything (not closed)."""
        return self.current_phase != "closed"


@dataclass(frozen=True)
class Proposal:
    """A proposal to a process, with its current status."""

    uri: str
    process_uri: str
    author: str
    title: str
    cost: Money | None
    area: str | None
    status: str
    progress: int | None
    awaiting_response: bool
    question_uri: str | None
    local: bool
    published: str


@dataclass(frozen=True)
class StatusChange:
    """One step of a proposal's accountability trail: who, when, why."""

    proposal_uri: str
    status: str
    previous_status: str | None
    reason: str
    actor: str
    progress: int | None
    published: str


@dataclass(frozen=True)
class OfficialResponse:
    """A reply the municipality marked as its answer to a proposal."""

    response_uri: str
    proposal_uri: str
    actor: str
    published: str


EligibilityCheck = Callable[[Process, str], Awaitable[str | None]]
"""Whether an actor may support or vote in a process: None if so, else the reason why not."""


async def open_eligibility(process: Process, actor_uri: str) -> str | None:
    """The default check: "open" lets everyone in; stricter policies need a real check."""
    if process.eligibility == "open":
        return None
    return f"this process is only open to {process.eligibility} participants"
