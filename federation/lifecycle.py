"""Lifecycles as state graphs, checked when they are defined.

One way to declare what can happen to a thing over time: its states, the one it
starts in, and the moves allowed between them. A graph that names an unknown
state in a move, leaves a state unreachable from the initial one, or has no
initial state raises ``ValueError`` where it is defined, so a wrong table stops
the import instead of waiting for the day someone takes the wrong step. A move
that is not in the graph is refused with ``IllegalMove``, whose message says
why in words for people.

It lives in ``federation/`` because delivery jobs have a lifecycle too and
``federation/`` may not import ``node/``; the participation domain declares
proposal statuses, process phases and vote windows with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from federation.errors import Refused


class IllegalMove(Refused):
    """A move a lifecycle does not allow; ``reason`` says why, for people."""


@dataclass(frozen=True)
class StateGraph:
    """The states of one kind of thing and the moves allowed between them.

    ``noun`` names a state in refusals ("status", "phase"); ``refusal`` is the
    sentence for an illegal move, with ``{current}``, ``{new}`` and
    ``{allowed}`` filled in. A state without moves is final; every state is
    listed, final ones with no moves, so a typo cannot make a new final state.
    """

    initial: str
    moves: Mapping[str, frozenset[str]]
    noun: str = "state"
    refusal: str = "{current} cannot become {new} (allowed: {allowed})"
    # Names the refusals for pages: ``<code>_move_illegal`` (values current, new and the
    # allowed states) and ``<code>_final`` for a move out of a final state.
    code: str = ""
    states: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.initial:
            raise ValueError("a lifecycle needs an initial state")
        moves = {state: frozenset(targets) for state, targets in self.moves.items()}
        if self.initial not in moves:
            raise ValueError(f"the initial state {self.initial!r} is not one of the states")
        unknown = {t for targets in moves.values() for t in targets} - set(moves)
        if unknown:
            raise ValueError(f"the lifecycle moves to unknown states: {sorted(unknown)}")
        unreachable = set(moves) - _reachable(self.initial, moves)
        if unreachable:
            raise ValueError(f"unreachable states: {sorted(unreachable)}")
        object.__setattr__(self, "moves", moves)
        object.__setattr__(self, "states", tuple(moves))

    def allows(self, current: str, new: str) -> bool:
        """Whether the move from ``current`` to ``new`` is in the graph."""
        return new in self.moves.get(current, frozenset())

    def require_move(self, current: str, new: str) -> None:
        """Raise IllegalMove, with a reason for people, unless ``current`` → ``new`` is allowed."""
        for state in (new, current):
            if state not in self.moves:
                raise IllegalMove(
                    f"unknown {self.noun} {state!r}; use one of {', '.join(self.states)}"
                )
        if not self.allows(current, new):
            allowed = tuple(s for s in self.states if s in self.moves[current])
            kind = "move_illegal" if allowed else "final"
            raise IllegalMove(
                self.refusal.format(
                    current=current,
                    new=new,
                    allowed=", ".join(allowed) or f"none, {current} is final",
                ),
                code=f"{self.code}_{kind}" if self.code else "",
                values={"current": current, "new": new, "allowed": allowed},
            )

    def sources(self, new: str) -> tuple[str, ...]:
        """The states from which one move reaches ``new``."""
        return tuple(s for s in self.states if new in self.moves[s])

    def is_final(self, state: str) -> bool:
        """Whether nothing can follow ``state``."""
        return not self.moves[state]


def _reachable(initial: str, moves: Mapping[str, frozenset[str]]) -> set[str]:
    seen = {initial}
    frontier = [initial]
    while frontier:
        for target in moves[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen
