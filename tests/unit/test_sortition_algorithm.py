"""The draw algorithm on its own: proportional seats per area and a draw fixed by its seed."""

from __future__ import annotations

from node.participation.sortition_algorithm import commitment_of, draw, seats_per_area, seed_of


def test_seats_follow_the_candidates_of_each_area_by_largest_remainder() -> None:
    areas = ["9722"] * 6 + ["9723"] * 3 + ["9724"]
    # 2.4, 1.2 and 0.4 seats: the last seat's tie on remainders goes to the larger area.
    assert seats_per_area(areas, 4) == {"9722": 3, "9723": 1, "9724": 0}
    assert seats_per_area(areas, 5) == {"9722": 3, "9723": 2, "9724": 0}
    assert seats_per_area(["9722"], 3) == {"9722": 1}


def test_the_same_seed_draws_the_same_panel_and_another_seed_another() -> None:
    candidates = [(f"p{n:02d}", "9722" if n % 3 else "9723") for n in range(30)]
    seed = seed_of(["a" * 64, "b" * 64])
    first = draw(seed, candidates, 5, stratified=True)
    assert first == draw(seed, list(reversed(candidates)), 5, stratified=True)
    assert len(set(first)) == 5
    assert draw(seed_of(["c" * 64, "b" * 64]), candidates, 5, stratified=True) != first
    assert commitment_of("x") != commitment_of("y")
