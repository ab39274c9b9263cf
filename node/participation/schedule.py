"""The clock that runs a process: phases move at their dates, votes and budget ballots
close at their end and publish their results, and followers hear before a phase ends.

Every node runs ``run_schedule`` when it starts (so a moment missed while it was
down is handled then) and again every periodic round (``node/node.py``). Each
move and its "done" mark (its decision-log row, ``node/participation/moves.py``)
are one transaction, so a move is made once whoever else runs the schedule; the
CLI moves the same things by hand through the same domain functions.

What is due is read from the dates alone, so a node down over several dates
makes only the moves that matter now: a process whose voting phase ended while it
was down goes straight to closed, and no reminder goes out for a phase that has
already ended.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from activitypub.vocabulary import PUBLIC
from federation.errors import Conflict
from node.clock import iso, iso_now
from node.participation.ballots import close_budget
from node.participation.models import PHASE_LABELS_NL, PHASE_LIFECYCLE, Phase, Process, parse_moment
from node.participation.moves import record_move
from node.participation.processes import process_page_url, set_phase
from node.participation.voting import close_vote, due_votes
from node.social_actions import create_object

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

log = logging.getLogger(__name__)

# Followers hear this long before a phase ends that it is about to end.
REMINDER_LEAD = timedelta(days=2)
DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Report:
    """What one round of the schedule did."""

    phases: int = 0
    votes_closed: int = 0
    ballots_closed: int = 0
    reminders: int = 0

    def __add__(self, other: Report) -> Report:
        return Report(
            self.phases + other.phases,
            self.votes_closed + other.votes_closed,
            self.ballots_closed + other.ballots_closed,
            self.reminders + other.reminders,
        )

    @property
    def moves(self) -> int:
        """Everything done, reminders included."""
        return self.phases + self.votes_closed + self.ballots_closed + self.reminders


def phase_by_dates(process: Process, now: datetime) -> tuple[str, str] | None:
    """The phase the dates put a process in at ``now``, with the date that put it there,
    when that is a move forward from where it is; None otherwise.

    The last phase begun counts (a gap between two phases keeps the earlier one);
    past the end of the last phase the process is closed. A process moved ahead of
    its dates by hand stays where it is.
    """
    if not process.phases or process.current_phase == "closed":
        return None
    target: tuple[str, str] | None = None
    for phase in process.phases:
        if parse_moment(phase.start) <= now:
            target = (phase.name, phase.start)
    last = process.phases[-1]
    if parse_moment(last.end) <= now:
        target = ("closed", last.end)
    if target is None or not PHASE_LIFECYCLE.allows(process.current_phase, target[0]):
        return None
    return target


def reminder_due(process: Process, now: datetime) -> Phase | None:
    """The current phase of a process when it ends within REMINDER_LEAD of ``now``."""
    for phase in process.phases:
        if phase.name == process.current_phase:
            end = parse_moment(phase.end)
            return phase if end - REMINDER_LEAD <= now < end else None
    return None


def reminder_text(services: ParticipationServices, process: Process, phase: Phase) -> str:
    """The post that tells followers a phase is about to end."""
    end = parse_moment(phase.end).astimezone(DUTCH_TIME)
    name = PHASE_LABELS_NL[phase.name]
    page = process_page_url(services, process.slug)
    return (
        f"<p>De {name} van {process.title} sluit op {end:%d-%m-%Y} om {end:%H:%M} uur.</p>"
        f'<p><a href="{page}">{page}</a></p>'
    )


async def send_reminder(services: ParticipationServices, process: Process, phase: Phase) -> None:
    """The process tells its followers, once, that ``phase`` ends soon."""
    actor = await services.actors.by_uri(process.uri)
    assert actor is not None
    followers = services.urls.followers(process.slug)
    note = {
        "id": services.urls.new_object(),
        "type": "Note",
        "attributedTo": process.uri,
        "content": reminder_text(services, process, phase),
        "published": iso_now(),
        "to": [PUBLIC],
        "cc": [followers],
    }
    note["url"] = note["id"]
    async with services.db.transaction():
        await record_move(
            services, process.uri, "reminder", process.uri, phase.name, None, phase.end
        )
        await create_object(services.social, actor, note, [followers])


async def _close_ballots(services: ParticipationServices, now: datetime) -> Report:
    closed = 0
    for budget_round in await services.ballots.unclosed():
        process = await services.store.get_process(budget_round.process_uri)
        if process is None or not process.local:
            continue
        due_at = budget_round.end_time
        if parse_moment(due_at) > now:
            by_dates = phase_by_dates(process, now)
            if process.is_open and (by_dates is None or by_dates[0] != "closed"):
                continue
            due_at = by_dates[1] if by_dates else iso(now)
        await close_budget(services, process.uri, at=now, due_at=due_at)
        closed += 1
    return Report(ballots_closed=closed)


async def _move_phases(services: ParticipationServices, now: datetime) -> Report:
    moved = 0
    for process in await services.store.local_processes():
        due = phase_by_dates(process, now)
        if due is not None:
            await set_phase(services, process, due[0], due_at=due[1])
            moved += 1
    return Report(phases=moved)


async def _close_votes(services: ParticipationServices, now: datetime) -> Report:
    due = await due_votes(services, now)
    for question, due_at in due:
        await close_vote(services, question.uri, at=now, due_at=due_at)
    return Report(votes_closed=len(due))


async def _remind(services: ParticipationServices, now: datetime) -> Report:
    sent = 0
    for process in await services.store.local_processes():
        phase = reminder_due(process, now)
        if phase is None or await services.moves.done("reminder", process.uri, phase.name):
            continue
        await send_reminder(services, process, phase)
        sent += 1
    return Report(reminders=sent)


async def run_schedule(services: ParticipationServices, now: datetime | None = None) -> Report:
    """Make every move due at ``now`` (the clock's time by default), each once.

    Ballots close first (closing one closes its process), then phases move, then
    votes close (those of a process that just closed too), then reminders go out for
    the phases that are current after all that. A move someone else made in the
    meantime is skipped.
    """
    moment = (now or services.clock.now()).astimezone(UTC)
    report = Report()
    for step in (_close_ballots, _move_phases, _close_votes, _remind):
        try:
            report += await step(services, moment)
        except Conflict as exc:
            # Another scheduler or the CLI made this move between our read and our write;
            # the next round sees it done.
            log.info("schedule: %s", exc.reason)
    if report.moves:
        log.info(
            "schedule: %d phase move(s), %d vote(s) and %d ballot(s) closed, %d reminder(s)",
            report.phases,
            report.votes_closed,
            report.ballots_closed,
            report.reminders,
        )
    return report
