"""What a process may be: thresholds, phases, budgets and the organiser's arguments."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pytest

from federation.errors import Refused
from node.cli.errors import CliError
from node.cli.process_commands import default_phases, parse_phases, parse_threshold
from node.participation.models import DEFAULT_VOTING_OPTIONS, Budget, Phase, Process
from node.participation.processes import check_process, process_from_document, process_properties

PROCESS = Process(
    uri="https://wijert.example/actors/wijkbudget",
    local=True,
    slug="wijkbudget",
    title="Wijkbudget De Wijert",
    summary="",
    archetype="decide",
    phases=(Phase("proposing", "2026-11-01T00:00:00Z", "2026-12-15T00:00:00Z"),),
    current_phase="proposing",
    eligibility="verified-local",
    threshold_count=None,
    threshold_share=0.005,
    electorate_size=6200,
    budget=Budget(50000, "EUR", 1, 3),
    voting_options=DEFAULT_VOTING_OPTIONS,
    hosted_by="https://wijert.example/actors/wijert",
)


def test_a_share_threshold_rounds_up_to_whole_supports() -> None:
    assert PROCESS.support_threshold == 31
    assert replace(PROCESS, threshold_share=None, threshold_count=25).support_threshold == 25


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"current_phase": "voting"}, "not one of the phases"),
        ({"threshold_count": 5}, "as a count or as a share, not both"),
        ({"electorate_size": 0}, "needs the size of the electorate"),
        ({"budget": Budget(50000, "EUR", 4, 3)}, "min-picks"),
        ({"archetype": "vote"}, "archetype must be one of"),
        (
            {"phases": (Phase("proposing", "2026-12-15T00:00:00Z", "2026-11-01T00:00:00Z"),)},
            "must end after it starts",
        ),
        ({"voting_options": ("ja",)}, "at least two different options"),
    ],
)
def test_contradicting_fields_are_refused_with_the_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(Refused, match=message):
        check_process(replace(PROCESS, **changes))


def test_a_closed_process_need_not_list_a_closed_phase() -> None:
    check_process(replace(PROCESS, current_phase="closed"))


def test_a_process_reads_back_from_its_actor_document() -> None:
    document = {
        "id": PROCESS.uri,
        "type": "Group",
        "preferredUsername": PROCESS.slug,
        "name": PROCESS.title,
        "inbox": f"{PROCESS.uri}/inbox",
        **process_properties(PROCESS, "https://wijert.example/processes/wijkbudget"),
    }
    assert process_from_document(document) == replace(PROCESS, local=False)
    assert process_from_document({**document, "currentPhase": "dreaming"}) is None


def test_thresholds_are_counts_or_percentages() -> None:
    assert parse_threshold("25") == (25, None)
    assert parse_threshold("5%") == (None, 0.05)
    assert parse_threshold("0,5%") == (None, 0.005)
    for wrong in ("0", "-3", "150%", "many"):
        with pytest.raises(CliError):
            parse_threshold(wrong)


def test_phases_are_read_from_dates_and_default_back_to_back() -> None:
    assert parse_phases("proposing=2026-11-01..2026-12-15") == (
        Phase("proposing", "2026-11-01T00:00:00Z", "2026-12-15T00:00:00Z"),
    )
    phases = default_phases("decide", date(2026, 11, 26))
    assert [p.name for p in phases] == ["proposing", "supporting", "voting"]
    assert all(a.end == b.start for a, b in itertools.pairwise(phases))
