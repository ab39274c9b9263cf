"""The proposal lifecycle as a declared state table, checked when it is defined.

submitted → threshold_reached → on_agenda / under_review → accepted / rejected
→ in_progress (with a percentage, repeatable) → done. The author may withdraw
from the early states. A step that is not in the table cannot be taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

STATUSES = (
    "submitted",
    "threshold_reached",
    "on_agenda",
    "under_review",
    "accepted",
    "rejected",
    "in_progress",
    "done",
    "withdrawn",
)
INITIAL_STATUS = "submitted"
# Only the author may withdraw, and only before anyone has started deciding.
WITHDRAWABLE = frozenset({"submitted", "threshold_reached"})


class IllegalTransition(ValueError):
    """A status change the lifecycle does not allow."""


@dataclass(frozen=True)
class Lifecycle:
    """Allowed steps between statuses; the constructor refuses an inconsistent table."""

    initial: str
    steps: Mapping[str, frozenset[str]]

    def __post_init__(self) -> None:
        unknown = (set(self.steps) | {t for ts in self.steps.values() for t in ts}) - set(STATUSES)
        if unknown:
            raise ValueError(f"the lifecycle names unknown statuses: {sorted(unknown)}")
        missing = set(STATUSES) - set(self.steps)
        if missing:
            raise ValueError(f"the lifecycle leaves statuses out: {sorted(missing)}")
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            for target in self.steps[frontier.pop()]:
                if target not in reachable:
                    reachable.add(target)
                    frontier.append(target)
        if reachable != set(STATUSES):
            raise ValueError(f"unreachable statuses: {sorted(set(STATUSES) - reachable)}")
        for status in WITHDRAWABLE:
            if "withdrawn" not in self.steps[status]:
                raise ValueError(f"{status} must allow withdrawing")

    def allows(self, current: str, new: str) -> bool:
        """Whether the step from ``current`` to ``new`` is in the table."""
        return new in self.steps.get(current, frozenset())

    def check(self, current: str, new: str, *, by_author: bool, progress: int | None) -> None:
        """Raise IllegalTransition, with a reason fit for the user, unless the step is allowed."""
        if new not in STATUSES:
            raise IllegalTransition(f"{new!r} is not a status; use one of {', '.join(STATUSES)}")
        if not self.allows(current, new):
            allowed = ", ".join(sorted(self.steps[current])) or "none, it is final"
            raise IllegalTransition(
                f"a proposal that is {current} cannot become {new} (allowed: {allowed})"
            )
        if new == "withdrawn" and not by_author:
            raise IllegalTransition("only the author can withdraw a proposal")
        if new != "withdrawn" and by_author:
            raise IllegalTransition("the author can only withdraw; the process decides the rest")
        if new == "in_progress" and (progress is None or not 0 <= progress <= 100):
            raise IllegalTransition("in_progress needs a progress between 0 and 100")

    def is_final(self, status: str) -> bool:
        """Whether nothing can follow this status."""
        return not self.steps[status]


PROPOSAL_LIFECYCLE = Lifecycle(
    initial=INITIAL_STATUS,
    steps={
        "submitted": frozenset(
            {"threshold_reached", "on_agenda", "under_review", "rejected", "withdrawn"}
        ),
        "threshold_reached": frozenset(
            {"on_agenda", "under_review", "accepted", "rejected", "withdrawn"}
        ),
        "on_agenda": frozenset({"under_review", "accepted", "rejected"}),
        "under_review": frozenset({"accepted", "rejected"}),
        "accepted": frozenset({"in_progress", "done"}),
        "in_progress": frozenset({"in_progress", "done"}),
        "rejected": frozenset(),
        "done": frozenset(),
        "withdrawn": frozenset(),
    },
)

# What reaching the support threshold does to a proposal, per archetype.
THRESHOLD_STATUS = {
    "advise": "threshold_reached",
    "initiate": "on_agenda",
    "decide": "threshold_reached",
}

STATUS_LABELS_NL = {
    "submitted": "ingediend",
    "threshold_reached": "genoeg steun",
    "on_agenda": "op de agenda",
    "under_review": "in behandeling",
    "accepted": "aangenomen",
    "rejected": "afgewezen",
    "in_progress": "in uitvoering",
    "done": "uitgevoerd",
    "withdrawn": "ingetrokken",
}
