"""The state-graph helper: a wrong graph fails where it is defined, an illegal move says why."""

from __future__ import annotations

import pytest

from federation.errors import Refused
from federation.lifecycle import IllegalMove, StateGraph

MOVES = {
    "queued": frozenset({"delivered", "retrying", "given_up"}),
    "retrying": frozenset({"retrying", "delivered", "given_up"}),
    "delivered": frozenset(),
    "given_up": frozenset(),
}


def test_a_graph_with_a_move_to_an_unknown_state_is_refused_when_defined() -> None:
    with pytest.raises(ValueError, match="unknown states: \\['lost'\\]"):
        StateGraph("queued", {**MOVES, "retrying": frozenset({"lost"})})


def test_a_graph_with_an_unreachable_state_is_refused_when_defined() -> None:
    with pytest.raises(ValueError, match="unreachable states: \\['given_up'\\]"):
        StateGraph(
            "queued",
            {
                **MOVES,
                "queued": frozenset({"delivered", "retrying"}),
                "retrying": frozenset({"delivered"}),
            },
        )


def test_a_graph_without_an_initial_state_is_refused_when_defined() -> None:
    with pytest.raises(ValueError, match="needs an initial state"):
        StateGraph("", MOVES)
    with pytest.raises(ValueError, match="'sent' is not one of the states"):
        StateGraph("sent", MOVES)


def test_an_illegal_move_is_refused_with_a_reason_for_people() -> None:
    graph = StateGraph(
        "queued", MOVES, noun="job state", refusal="a {current} job cannot be {new} ({allowed})"
    )
    graph.require_move("queued", "retrying")
    graph.require_move("retrying", "retrying")
    with pytest.raises(IllegalMove, match="a retrying job cannot be queued") as refused:
        graph.require_move("retrying", "queued")
    assert "(retrying, delivered, given_up)" in refused.value.reason
    with pytest.raises(IllegalMove, match="none, delivered is final"):
        graph.require_move("delivered", "retrying")
    with pytest.raises(IllegalMove, match="unknown job state 'lost'; use one of queued, "):
        graph.require_move("queued", "lost")


def test_an_illegal_move_reaches_every_surface_as_a_refusal() -> None:
    assert issubclass(IllegalMove, Refused)


def test_final_states_and_allowed_moves_are_read_from_the_graph() -> None:
    graph = StateGraph("queued", MOVES)
    assert graph.states == ("queued", "retrying", "delivered", "given_up")
    assert [s for s in graph.states if graph.is_final(s)] == ["delivered", "given_up"]
    assert graph.allows("queued", "delivered")
    assert not graph.allows("delivered", "queued")
    assert graph.sources("retrying") == ("queued", "retrying")
    assert graph.sources("queued") == ()
