"""The proposal lifecycle as a declared state graph (``federation/lifecycle.py``).

submitted → threshold_reached → on_agenda / under_review → accepted / rejected
→ in_progress (with a percentage, repeatable) → done. The author may withdraw
from the early states; until a decision, an organiser may merge a duplicate into
another proposal (node/participation/merging.py). A step that is not in the table
cannot be taken.
"""

from __future__ import annotations

from collections.abc import Mapping

from federation.lifecycle import IllegalMove, StateGraph

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
    "merged",
)
INITIAL_STATUS = "submitted"
# Only the author may withdraw, and only before anyone has started deciding.
WITHDRAWABLE = frozenset({"submitted", "threshold_reached"})


def proposal_lifecycle(moves: Mapping[str, frozenset[str]]) -> StateGraph:
    """The proposal lifecycle from its moves; refuses a table that loses a status or an
    early withdrawal (on top of the checks every StateGraph makes)."""
    graph = StateGraph(
        INITIAL_STATUS,
        moves,
        noun="status",
        code="status",
        refusal="a proposal that is {current} cannot become {new} (allowed: {allowed})",
    )
    if set(graph.states) != set(STATUSES):
        raise ValueError(f"the lifecycle leaves statuses out: {sorted(set(STATUSES) - set(moves))}")
    for status in WITHDRAWABLE:
        if not graph.allows(status, "withdrawn"):
            raise ValueError(f"{status} must allow withdrawing")
    return graph


PROPOSAL_LIFECYCLE = proposal_lifecycle(
    {
        "submitted": frozenset(
            {"threshold_reached", "on_agenda", "under_review", "rejected", "withdrawn", "merged"}
        ),
        "threshold_reached": frozenset(
            {"on_agenda", "under_review", "accepted", "rejected", "withdrawn", "merged"}
        ),
        "on_agenda": frozenset({"under_review", "accepted", "rejected", "merged"}),
        "under_review": frozenset({"accepted", "rejected", "merged"}),
        "accepted": frozenset({"in_progress", "done"}),
        "in_progress": frozenset({"in_progress", "done"}),
        "rejected": frozenset(),
        "done": frozenset(),
        "withdrawn": frozenset(),
        "merged": frozenset(),
    }
)


def require_status_change(
    current: str,
    new: str,
    *,
    by_author: bool,
    progress: int | None,
    merged_into: str | None = None,
) -> None:
    """Raise IllegalMove, with a reason for people, unless the proposal may take this step:
    in the lifecycle, withdrawn only by its author, in_progress with a percentage, and
    merged only into another proposal."""
    PROPOSAL_LIFECYCLE.require_move(current, new)
    if new == "merged" and merged_into is None:
        raise IllegalMove("a proposal is merged into another one: use proposal merge")
    if new == "withdrawn" and not by_author:
        raise IllegalMove(
            "only the author can withdraw a proposal", code="status_withdraw_by_author"
        )
    if new != "withdrawn" and by_author:
        raise IllegalMove(
            "the author can only withdraw; the process decides the rest",
            code="status_author_withdraws_only",
        )
    if new == "in_progress" and (progress is None or not 0 <= progress <= 100):
        raise IllegalMove(
            "in_progress needs a progress between 0 and 100", code="organise_no_progress"
        )


# What reaching the support threshold does to a proposal, per archetype.
THRESHOLD_STATUS = {
    "advise": "threshold_reached",
    "initiate": "on_agenda",
    "decide": "threshold_reached",
}
