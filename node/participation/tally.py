"""Counting: pure functions from stored votes and ballots to published results.

Nothing here reads the database or the clock, so anyone holding the open-data
export can run the same functions and recount.

The budget rule: proposals are ranked by the ballots that picked them (most
first; ties go to the cheaper proposal, then to the earlier one on the
ballot). Going down that ranking, a proposal is funded when its cost fits in
what is left of the budget; one that does not fit is passed over and the next
is considered, so the money goes as far as the ranking allows. A proposal no
ballot picked is never funded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class OptionTally:
    """How many voters chose one option."""

    option: str
    count: int


@dataclass(frozen=True)
class VoteTally:
    """The count of a vote, option by option in the order of the question."""

    tallies: tuple[OptionTally, ...]
    voters_count: int

    def count(self, option: str) -> int:
        """Votes for one option."""
        return next((t.count for t in self.tallies if t.option == option), 0)


def count_votes(options: Sequence[str], votes: Iterable[str]) -> VoteTally:
    """Count one chosen option per voter; a vote for an unknown option is an error."""
    return tally_counts(options, Counter(votes))


def tally_counts(options: Sequence[str], counts: Mapping[str, int]) -> VoteTally:
    """The tally from the number of voters per chosen option, as a GROUP BY over the
    votes gives it; a count for an unknown option is an error."""
    for option in counts:
        if option not in options:
            raise ValueError(f"a vote for {option!r}, which is not one of the options")
    return VoteTally(tuple(OptionTally(o, counts.get(o, 0)) for o in options), sum(counts.values()))


@dataclass(frozen=True)
class BallotEntry:
    """A proposal on a budget ballot with its cost and place on the ballot."""

    proposal: str
    cost: float
    position: int


@dataclass(frozen=True)
class Allocation:
    """One proposal in a budget result."""

    proposal: str
    votes: int
    cost: float
    selected: bool


def cents(amount: float) -> int:
    """An amount in whole cents, so sums of money compare exactly."""
    return round(amount * 100)


def count_picks(entries: Sequence[BallotEntry], ballots: Iterable[Iterable[str]]) -> dict[str, int]:
    """Ballots that picked each proposal on the ballot; picks of anything else are an error."""
    on_ballot = {e.proposal for e in entries}
    counts = dict.fromkeys((e.proposal for e in entries), 0)
    for picks in ballots:
        for proposal in set(picks):
            if proposal not in on_ballot:
                raise ValueError(f"a ballot picks {proposal}, which is not on the ballot")
            counts[proposal] += 1
    return counts


def allocate_budget(
    budget: float, entries: Sequence[BallotEntry], votes: Mapping[str, int]
) -> list[Allocation]:
    """Fund proposals greedily by votes within the budget (the rule in this module's doc),
    returned in ranking order."""
    ranking = sorted(entries, key=lambda e: (-votes.get(e.proposal, 0), e.cost, e.position))
    remaining = cents(budget)
    result = []
    for entry in ranking:
        count = votes.get(entry.proposal, 0)
        selected = count > 0 and cents(entry.cost) <= remaining
        if selected:
            remaining -= cents(entry.cost)
        result.append(Allocation(entry.proposal, count, entry.cost, selected))
    return result


# A server from which fewer people voted than this is not named in the results per
# server but counted with the other small ones: a tally of one or two people would
# tell everyone how they voted.
SMALLEST_NAMED_SERVER = 5


@dataclass(frozen=True)
class ServerCount:
    """Votes or ballots from one server, or (``server`` None) from every server too small
    to name, together."""

    server: str | None
    servers: int
    voters: int
    counts: dict[str, int]


def by_server(
    voters: Mapping[str, int],
    counts: Iterable[tuple[str, str, int]],
    smallest_named: int = SMALLEST_NAMED_SERVER,
) -> tuple[ServerCount, ...]:
    """Results per server from the voters per server and the (server, choice, count) rows:
    the servers with at least ``smallest_named`` voters, most voters first, then the
    smaller ones as one row. The rows add up to the whole result."""
    per_server: dict[str, Counter[str]] = {server: Counter() for server in voters}
    for server, choice, count in counts:
        per_server.setdefault(server, Counter())[choice] += count
    named = sorted(
        (s for s in per_server if voters.get(s, 0) >= smallest_named),
        key=lambda s: (-voters.get(s, 0), s),
    )
    rows = [ServerCount(s, 1, voters.get(s, 0), dict(per_server[s])) for s in named]
    small = [s for s in per_server if s not in set(named)]
    if small:
        together: Counter[str] = Counter()
        for server in small:
            together.update(per_server[server])
        rows.append(
            ServerCount(None, len(small), sum(voters.get(s, 0) for s in small), dict(together))
        )
    return tuple(rows)
