"""Counting votes and dividing a budget: pure functions anyone can rerun to recount."""

from __future__ import annotations

import pytest

from node.participation.ballots import ballot_problem, money
from node.participation.models import Budget
from node.participation.tally import (
    Allocation,
    BallotEntry,
    OptionTally,
    allocate_budget,
    count_picks,
    count_votes,
)

OPTIONS = ("voor", "tegen", "onthouding")


def test_votes_are_counted_per_option_in_question_order() -> None:
    tally = count_votes(OPTIONS, ["tegen", "voor", "voor", "onthouding", "voor"])
    assert tally.tallies == (
        OptionTally("voor", 3),
        OptionTally("tegen", 1),
        OptionTally("onthouding", 1),
    )
    assert tally.voters_count == 5
    assert tally.count("voor") == 3


def test_no_votes_give_zero_for_every_option() -> None:
    tally = count_votes(OPTIONS, [])
    assert [t.count for t in tally.tallies] == [0, 0, 0]
    assert tally.voters_count == 0


def test_a_vote_for_an_unknown_option_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(ValueError, match="misschien"):
        count_votes(OPTIONS, ["voor", "misschien"])


ENTRIES = [
    BallotEntry("p/schoolplein", 30_000, 0),
    BallotEntry("p/bankjes", 7_800, 1),
    BallotEntry("p/wadi", 25_000, 2),
    BallotEntry("p/krant", 4_000, 3),
]


def test_picks_are_counted_once_per_ballot() -> None:
    counts = count_picks(ENTRIES, [["p/bankjes", "p/wadi"], ["p/bankjes"], []])
    assert counts == {"p/schoolplein": 0, "p/bankjes": 2, "p/wadi": 1, "p/krant": 0}


def test_a_pick_off_the_ballot_is_an_error() -> None:
    with pytest.raises(ValueError, match="p/elders"):
        count_picks(ENTRIES, [["p/elders"]])


def test_budget_goes_greedily_by_votes_and_skips_what_no_longer_fits() -> None:
    votes = {"p/schoolplein": 40, "p/wadi": 35, "p/bankjes": 20, "p/krant": 5}
    result = allocate_budget(50_000, ENTRIES, votes)
    assert result == [
        Allocation("p/schoolplein", 40, 30_000, True),
        Allocation("p/wadi", 35, 25_000, False),
        Allocation("p/bankjes", 20, 7_800, True),
        Allocation("p/krant", 5, 4_000, True),
    ]


def test_ties_go_to_the_cheaper_proposal_then_the_earlier_one() -> None:
    votes = {"p/schoolplein": 10, "p/wadi": 10, "p/bankjes": 3, "p/krant": 3}
    ranking = [a.proposal for a in allocate_budget(30_000, ENTRIES, votes)]
    assert ranking == ["p/wadi", "p/schoolplein", "p/krant", "p/bankjes"]


def test_a_proposal_nobody_picked_is_never_funded() -> None:
    result = allocate_budget(1_000_000, ENTRIES, {"p/bankjes": 1})
    assert [a.proposal for a in result if a.selected] == ["p/bankjes"]


def test_money_is_compared_in_cents() -> None:
    entries = [BallotEntry("a", 0.1, 0), BallotEntry("b", 0.2, 1)]
    result = allocate_budget(0.3, entries, {"a": 1, "b": 1})
    assert all(a.selected for a in result)


BUDGET = Budget(amount=40_000, currency="EUR", min_picks=1, max_picks=2)
ON_BALLOT = {e.proposal: e for e in ENTRIES}


def test_a_ballot_within_budget_and_picks_is_valid() -> None:
    assert ballot_problem(["p/schoolplein", "p/bankjes"], ON_BALLOT, BUDGET) is None


@pytest.mark.parametrize(
    ("picks", "reason"),
    [
        (["p/schoolplein", "p/wadi"], "EUR 55,000 together, over the budget of EUR 40,000"),
        (["p/bankjes", "p/krant", "p/wadi"], "3 picks is too many: pick at most 2"),
        ([], "0 pick(s) is too few: pick at least 1"),
        (["p/elders"], "p/elders is not a proposal on this ballot"),
        (["p/krant", "p/krant"], "picked more than once"),
    ],
)
def test_an_invalid_ballot_is_refused_with_its_reason(picks: list[str], reason: str) -> None:
    problem = ballot_problem(picks, ON_BALLOT, BUDGET)
    assert problem is not None and reason in problem


def test_money_reads_as_people_write_it() -> None:
    assert money(7800, "EUR") == "EUR 7,800"
    assert money(12.5, "EUR") == "EUR 12.50"
