"""The participation domain as typed data: processes, proposals and their trail.

These are read models: the store builds them from rows, the domain functions
take them, and documents and pages render them. They never change in place.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from federation.errors import Reason, Refused
from federation.lifecycle import StateGraph
from node.clock import iso, utc_now

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
    code="phase",
    refusal="a process in its {current} phase cannot move to {new}: phases only move forward"
    " and closing is final (possible now: {allowed})",
)
PHASE_NAMES = PHASE_LIFECYCLE.states
# What the process's own posts and logs call its phases (they speak Dutch).
PHASE_LABELS_NL = {
    "proposing": "indienfase",
    "supporting": "steunfase",
    "voting": "stemfase",
    "closed": "gesloten",
}
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
    # Limits of an open process (node/participation/open_limits.py): at most this many
    # accounts from one server take part, and only accounts at least this many days old.
    per_server_cap: int | None = None
    min_account_age_days: int | None = None
    # The agreement (node/participation/agreements.py) that delegates this decide process
    # to the neighbourhood: its registrars, not ``eligibility``, say whose votes count.
    agreement: str | None = None

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
    # The proposal this one was merged into as a duplicate (status "merged").
    merged_into: str | None = None


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
class ProcessMove:
    """One step of a process itself, by its dates or by hand: a phase entered, a vote or
    the budget ballot closed, a reminder sent before a phase ended."""

    process_uri: str
    # phase | vote-closed | ballot-closed | reminder
    kind: str
    # What moved: the process, or the question of a closed vote.
    subject: str
    state: str
    previous_state: str | None
    # The date that made the move due; None when someone moved it by hand.
    due_at: str | None
    actor: str
    done_at: str


# A panel draw: residents opt in, then the parties commit to their part of the seed,
# then reveal it, and the draw is made (node/participation/sortition.py).
DRAW_LIFECYCLE = StateGraph(
    "open",
    {
        "open": frozenset({"committing"}),
        "committing": frozenset({"revealing"}),
        "revealing": frozenset({"drawn"}),
        "drawn": frozenset(),
    },
    noun="draw state",
    refusal="the draw is {current} and cannot become {new}: a draw is made once",
)


@dataclass(frozen=True)
class DrawSignUp:
    """A resident's sign-up for a draw of another node's process, as their node knows it:
    asked, accepted (under ``pseudonym``) or refused (for ``reason``)."""

    draw_uri: str
    title: str
    state: str
    pseudonym: str | None
    reason: str | None
    asked_at: str


@dataclass(frozen=True)
class PanelDraw:
    """A draw of panel members among residents of some postcode areas."""

    uri: str
    process_uri: str
    title: str
    seats: int
    stratified: bool
    areas: tuple[str, ...]
    # The actors whose nodes make the seed together, the process first.
    parties: tuple[str, ...]
    state: str
    seed: str | None
    created_at: str
    drawn_at: str | None


@dataclass(frozen=True)
class SeedShare:
    """One party's part of a draw's seed: its commitment, its reveal once made, and (for
    this node's own part until it is revealed) the secret."""

    party: str
    commitment: str
    reveal: str | None
    secret: str | None


@dataclass(frozen=True)
class OfficialResponse:
    """A reply the municipality marked as its answer to a proposal."""

    response_uri: str
    proposal_uri: str
    actor: str
    published: str


EligibilityCheck = Callable[[Process, str], Awaitable[str | None]]
"""Whether an actor may support or vote in a process: None if so, else the reason why not."""


@dataclass(frozen=True)
class Question:
    """A vote on one proposal, hosted by the proposal's process."""

    uri: str
    process_uri: str
    proposal_uri: str
    options: tuple[str, ...]
    opened_at: str
    end_time: str
    closed_at: str | None

    @property
    def state(self) -> str:
        """``open`` or ``closed`` (a state of VOTING_WINDOW)."""
        return "closed" if self.closed_at else "open"

    def refusal(self, now: datetime) -> str | None:
        """Why a vote cannot be taken now, or None while the window is open."""
        if self.closed_at is not None:
            return f"voting on this question closed at {self.closed_at}"
        if now >= parse_moment(self.end_time):
            return f"voting on this question ended at {self.end_time}"
        return None


def parse_moment(value: str) -> datetime:
    """An RFC 3339 timestamp; raise Refused when it is not one."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refused(f"{value!r} is not a timestamp such as 2026-12-01T18:00:00Z") from exc
    if moment.tzinfo is None:
        raise Refused(f"{value!r} needs a time zone, such as Z or +01:00")
    return moment


@dataclass(frozen=True)
class BudgetRound:
    """The ballot window of a budget process."""

    process_uri: str
    opened_at: str
    end_time: str
    closed_at: str | None

    @property
    def state(self) -> str:
        """``open`` or ``closed`` (a state of VOTING_WINDOW)."""
        return "closed" if self.closed_at else "open"

    def refusal(self) -> str | None:
        """Why no ballot can be taken now, or None while the ballot is open."""
        if self.closed_at is not None:
            return f"the budget ballot closed at {self.closed_at}"
        if utc_now() >= parse_moment(self.end_time):
            return f"the budget ballot ended at {self.end_time}"
        return None


@dataclass(frozen=True)
class Residency:
    """This node's record that a local account lives in a postcode area."""

    actor_uri: str
    postcode_area: str
    area_name: str | None
    method: str
    address_key: str | None
    verified_by: str | None
    verified_at: str


@dataclass(frozen=True)
class HouseNumber:
    """A house number with its letter and addition, as Dutch addresses have them."""

    number: int
    letter: str = ""
    addition: str = ""

    def __str__(self) -> str:
        return f"{self.number}{self.letter}" + (f"-{self.addition}" if self.addition else "")


@dataclass(frozen=True)
class Address:
    """One home in the register."""

    postcode: str
    house: HouseNumber
    street: str
    city: str
    wijk: str
    # How many residents the municipal register has at this address: the register
    # slots (address × resident number) a registrar binds, one actor each.
    residents: int = 1

    @property
    def key(self) -> str:
        """The home as one string, e.g. ``9713XT 12a-1``: what verification counts per."""
        return address_key(self.postcode, self.house)

    @property
    def postcode_area(self) -> str:
        """The four digits of the postcode: the only part an attestation publishes."""
        return self.postcode[:4]


def address_key(postcode: str, house: HouseNumber) -> str:
    """A normalised postcode and house number as one string."""
    return f"{postcode} {house}"


AGREEMENT_STATES = ("offered", "accepted", "declined", "ended")
# An agreement is offered by the municipality, then accepted or declined by the
# neighbourhood; either side may end an accepted one. Declined and ended are final.
AGREEMENT_LIFECYCLE = StateGraph(
    "offered",
    {
        "offered": frozenset({"accepted", "declined", "ended"}),
        "accepted": frozenset({"ended"}),
        "declined": frozenset(),
        "ended": frozenset(),
    },
    noun="agreement state",
    refusal="an agreement that is {current} cannot become {new} (possible now: {allowed})",
)


@dataclass(frozen=True)
class AgreementArea:
    """A postcode area an agreement covers and the node that registers its residents."""

    postcode_area: str
    name: str | None
    registrar: str


@dataclass(frozen=True)
class Agreement:
    """An agreement between a municipality and a neighbourhood, as either node keeps it."""

    uri: str
    municipality: str
    neighbourhood: str
    theme: str
    delegates: tuple[str, ...]
    budget: Money | None
    areas: tuple[AgreementArea, ...]
    start: str
    end: str
    state: str
    offered_at: str

    def registrar_for(self, postcode_area: str) -> str | None:
        """The registrar this agreement names for an area, if it covers the area."""
        return next((a.registrar for a in self.areas if a.postcode_area == postcode_area), None)

    def binding_refusal(self, now: datetime) -> Reason | None:
        """Why the agreement binds no vote now (not accepted, ended, outside its
        period), or None while it does."""
        if self.state != "accepted":
            return Reason(
                f"the agreement {self.theme!r} is {self.state}, so it delegates nothing and"
                " takes no binding votes",
                "agreement_not_in_force",
                theme=self.theme,
                state=self.state,
            )
        if not parse_moment(self.start) <= now < parse_moment(self.end):
            return Reason(
                f"the agreement {self.theme!r} runs from {self.start} until {self.end}, so it"
                " takes no binding votes now",
                "agreement_outside_period",
                theme=self.theme,
            )
        return None


@dataclass(frozen=True)
class AgreementChange:
    """One change of an agreement's state: who, when and why."""

    state: str
    actor: str
    at: str
    reason: str
