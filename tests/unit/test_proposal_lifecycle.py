"""The proposal lifecycle table: allowed steps, refused steps, and a table that cannot be wrong."""

from __future__ import annotations

import itertools

import pytest

from federation.lifecycle import IllegalMove
from node.participation.status import (
    PROPOSAL_LIFECYCLE,
    STATUSES,
    proposal_lifecycle,
    require_status_change,
)


def step(current: str, new: str, *, by_author: bool = False, progress: int | None = None) -> None:
    require_status_change(current, new, by_author=by_author, progress=progress)


def test_the_whole_road_from_submitted_to_done_is_allowed() -> None:
    road = ["submitted", "threshold_reached", "on_agenda", "under_review", "accepted"]
    for current, new in itertools.pairwise(road):
        step(current, new)
    step("accepted", "in_progress", progress=10)
    step("in_progress", "in_progress", progress=60)
    step("in_progress", "done")


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("submitted", "done"),
        ("submitted", "accepted"),
        ("rejected", "accepted"),
        ("done", "in_progress"),
        ("withdrawn", "submitted"),
        ("accepted", "rejected"),
        ("under_review", "on_agenda"),
    ],
)
def test_a_step_not_in_the_table_is_impossible(current: str, new: str) -> None:
    with pytest.raises(IllegalMove, match=f"cannot become {new}"):
        step(current, new)


def test_only_the_author_withdraws_and_only_from_the_early_states() -> None:
    step("submitted", "withdrawn", by_author=True)
    step("threshold_reached", "withdrawn", by_author=True)
    with pytest.raises(IllegalMove, match="only the author"):
        step("submitted", "withdrawn")
    with pytest.raises(IllegalMove, match="cannot become withdrawn"):
        step("accepted", "withdrawn", by_author=True)
    with pytest.raises(IllegalMove, match="only withdraw"):
        step("submitted", "on_agenda", by_author=True)


def test_in_progress_needs_a_percentage() -> None:
    with pytest.raises(IllegalMove, match="progress"):
        step("accepted", "in_progress")
    with pytest.raises(IllegalMove, match="progress"):
        step("accepted", "in_progress", progress=140)


def test_unknown_status_is_named_in_the_refusal() -> None:
    with pytest.raises(IllegalMove, match="unknown status 'maybe'"):
        step("submitted", "maybe")


def test_final_statuses_allow_nothing() -> None:
    assert [s for s in STATUSES if PROPOSAL_LIFECYCLE.is_final(s)] == [
        "rejected",
        "done",
        "withdrawn",
        "merged",
    ]


def test_a_duplicate_is_merged_only_into_another_proposal_and_only_before_a_decision() -> None:
    for current in ("submitted", "threshold_reached", "on_agenda", "under_review"):
        require_status_change(
            current, "merged", by_author=False, progress=None, merged_into="https://x/p/1"
        )
    with pytest.raises(IllegalMove, match="merged into another one"):
        step("submitted", "merged")
    with pytest.raises(IllegalMove, match="cannot become merged"):
        require_status_change(
            "accepted", "merged", by_author=False, progress=None, merged_into="https://x/p/1"
        )


def _steps(**changes: frozenset[str]) -> dict[str, frozenset[str]]:
    return {**PROPOSAL_LIFECYCLE.moves, **changes}


def test_a_table_with_an_unknown_status_is_refused_when_defined() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        proposal_lifecycle(_steps(accepted=frozenset({"approved"})))


def test_a_table_with_an_unreachable_status_is_refused_when_defined() -> None:
    steps = _steps(accepted=frozenset({"in_progress"}), in_progress=frozenset({"in_progress"}))
    with pytest.raises(ValueError, match="unreachable states: \\['done'\\]"):
        proposal_lifecycle(steps)


def test_a_table_that_leaves_a_status_out_is_refused_when_defined() -> None:
    steps = {k: v - {"done"} for k, v in PROPOSAL_LIFECYCLE.moves.items() if k != "done"}
    with pytest.raises(ValueError, match="leaves statuses out"):
        proposal_lifecycle(steps)


def test_a_table_where_the_author_cannot_withdraw_early_is_refused_when_defined() -> None:
    steps = _steps(
        submitted=frozenset({"threshold_reached", "on_agenda", "under_review", "rejected"})
    )
    with pytest.raises(ValueError, match="submitted must allow withdrawing"):
        proposal_lifecycle(steps)
