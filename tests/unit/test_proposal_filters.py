"""Search, filters and orders of the proposals on a process page."""

from __future__ import annotations

from typing import Any

from node.web.proposal_filters import ProposalFilter


def row(
    n: int, title: str, supports: int, status: str = "submitted", area: str = ""
) -> dict[str, Any]:
    return {
        "proposal": f"https://wijk.example/objects/{n}",
        "title": title,
        "supports": supports,
        "status": status,
        "area": area or None,
        "published": f"2026-11-{n:02d}T10:00:00Z",
    }


ROWS = [
    row(1, "Bankjes in het Noorderplantsoen", 4, area="Noorderplantsoen"),
    row(2, "Speeltuin bij de school", 9, status="on_agenda"),
    row(3, "Meer groene bankjes", 1, area="Oosterpark"),
    row(4, "Fietsenstalling", 4),
]


def titles(rows: list[dict[str, Any]]) -> list[str]:
    return [r["title"] for r in rows]


def test_words_are_searched_in_titles_whatever_their_case() -> None:
    found = ProposalFilter(text="BANKJES").apply(ROWS, set())
    assert titles(found) == ["Bankjes in het Noorderplantsoen", "Meer groene bankjes"]
    assert ProposalFilter(text="groene bankjes").apply(ROWS, set()) == [ROWS[2]]


def test_status_area_and_mine_narrow_the_list() -> None:
    assert ProposalFilter(status="on_agenda").apply(ROWS, set()) == [ROWS[1]]
    assert ProposalFilter(area="Oosterpark").apply(ROWS, set()) == [ROWS[2]]
    mine = {ROWS[3]["proposal"]}
    assert ProposalFilter(mine=True).apply(ROWS, mine) == [ROWS[3]]


def test_most_supported_first_then_the_older_of_equals_and_newest_first() -> None:
    assert titles(ProposalFilter().apply(ROWS, set())) == [
        "Speeltuin bij de school",
        "Bankjes in het Noorderplantsoen",
        "Fietsenstalling",
        "Meer groene bankjes",
    ]
    assert titles(ProposalFilter(order="newest").apply(ROWS, set()))[0] == "Fietsenstalling"


def test_a_random_order_is_the_same_for_the_same_seed_whatever_the_rows_order() -> None:
    first = ProposalFilter(order="random", seed=7).apply(ROWS, set())
    again = ProposalFilter(order="random", seed=7).apply(list(reversed(ROWS)), set())
    assert first == again
    orders = {
        tuple(titles(ProposalFilter(order="random", seed=s).apply(ROWS, set()))) for s in range(20)
    }
    assert len(orders) > 1


def test_a_query_it_does_not_understand_falls_back_to_the_defaults() -> None:
    chosen = ProposalFilter.from_query(
        {"order": "worst", "seed": "abc", "mine": "yes"}, new_seed=42
    )
    assert (chosen.order, chosen.seed, chosen.mine, chosen.narrows) == (
        "supports",
        42,
        False,
        False,
    )
    kept = ProposalFilter.from_query({"order": "random", "seed": "1234", "q": "  bank  "}, 42)
    assert (kept.order, kept.seed, kept.text, kept.narrows) == ("random", 1234, "bank", True)
