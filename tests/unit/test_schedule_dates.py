"""What the dates of a process make due: the phase it belongs in, and when to remind."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from node.clock import iso
from node.participation.models import Phase, Process
from node.participation.schedule import phase_by_dates, reminder_due

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return START + timedelta(days=n)


PROCESS = Process(
    uri="http://127.0.0.1:1/actors/speeltuin",
    local=True,
    slug="speeltuin",
    title="Speeltuin",
    summary="",
    archetype="decide",
    phases=(
        Phase("proposing", iso(day(0)), iso(day(10))),
        Phase("supporting", iso(day(10)), iso(day(20))),
        # A gap of a day before voting starts.
        Phase("voting", iso(day(21)), iso(day(30))),
    ),
    current_phase="proposing",
    eligibility="open",
    threshold_count=1,
    threshold_share=None,
    electorate_size=0,
    budget=None,
    voting_options=("voor", "tegen"),
    hosted_by="http://127.0.0.1:1/actors/wijert",
)


def test_a_process_moves_to_the_last_phase_begun_and_closes_after_the_last_end() -> None:
    assert phase_by_dates(PROCESS, day(5)) is None
    assert phase_by_dates(PROCESS, day(10)) == ("supporting", iso(day(10)))
    assert phase_by_dates(PROCESS, day(25)) == ("voting", iso(day(21)))
    assert phase_by_dates(PROCESS, day(30)) == ("closed", iso(day(30)))


def test_a_gap_between_phases_keeps_the_earlier_one() -> None:
    supporting = replace(PROCESS, current_phase="supporting")
    assert phase_by_dates(supporting, day(20.5)) is None


def test_a_process_moved_ahead_by_hand_is_never_moved_back() -> None:
    voting = replace(PROCESS, current_phase="voting")
    assert phase_by_dates(voting, day(12)) is None
    assert phase_by_dates(replace(PROCESS, current_phase="closed"), day(40)) is None


def test_the_reminder_is_due_only_in_the_last_two_days_of_the_current_phase() -> None:
    assert reminder_due(PROCESS, day(7.9)) is None
    assert reminder_due(PROCESS, day(8)) == PROCESS.phases[0]
    assert reminder_due(PROCESS, day(10)) is None
