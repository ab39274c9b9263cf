"""The decision log's process steps: each move of a process (a phase entered, a vote or
the budget ballot closed, a reminder sent) is written in the transaction that makes it.

Its row is also the move's "done" mark: a move written before is refused with
``Conflict``, which rolls the whole transaction back, so two schedulers (or the
scheduler and the CLI) never make the same move twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation.errors import Conflict
from node.clock import iso_now
from node.participation.models import ProcessMove

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


async def record_move(
    services: ParticipationServices,
    process_uri: str,
    kind: str,
    subject: str,
    state: str,
    previous_state: str | None,
    due_at: str | None,
) -> ProcessMove:
    """Write a move in the caller's transaction; Conflict when it was made already.

    A move due by a date is the process's own; one made by hand is the organisation's.
    """
    actor = process_uri if due_at is not None else (await services.organisation()).uri
    move = ProcessMove(
        process_uri=process_uri,
        kind=kind,
        subject=subject,
        state=state,
        previous_state=previous_state,
        due_at=due_at,
        actor=actor,
        done_at=iso_now(),
    )
    if not await services.moves.record(move):
        raise Conflict(f"this {kind.replace('-', ' ')} move ({state}) was made already")
    return move
