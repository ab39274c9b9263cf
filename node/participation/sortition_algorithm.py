"""The draw of a panel (loting), as anyone recomputes it from the published draw.

This module imports nothing but the standard library, so a reader can copy it
and re-run a draw from the JSON a process publishes at its draw's address:
``seed_of(reveals)`` must equal the published ``seed``, and
``draw(seed, candidates, seats, stratified)`` the published ``selected``.

Algorithm ``samenspraak-draw-v1``:

- Each party commits to ``sha256(reveal)`` before any reveal is known; the seed
  is ``sha256`` of the reveals in the parties' published order, joined by
  newlines, as lowercase hex.
- A candidate's rank is ``sha256(seed + ":" + pseudonym)`` as hex; lower ranks
  are drawn first (a tie, which SHA-256 makes practically impossible, goes to
  the smaller pseudonym).
- Unstratified, the ``seats`` lowest ranks are drawn. Stratified by postcode
  area, each area gets seats in proportion to its candidates by largest
  remainder (a tie for the last seat goes to the area with more candidates,
  then the lower area code), and the lowest ranks of each area fill them.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

ALGORITHM = "samenspraak-draw-v1"


def commitment_of(reveal: str) -> str:
    """The commitment a party publishes first: SHA-256 of its reveal, as hex."""
    return hashlib.sha256(reveal.encode()).hexdigest()


def seed_of(reveals: Sequence[str]) -> str:
    """The seed from every party's reveal, in the parties' order."""
    return hashlib.sha256("\n".join(reveals).encode()).hexdigest()


def rank(seed: str, pseudonym: str) -> str:
    """Where a candidate stands in the draw: lower is drawn first."""
    return hashlib.sha256(f"{seed}:{pseudonym}".encode()).hexdigest()


def seats_per_area(areas: Sequence[str], seats: int) -> dict[str, int]:
    """Seats per postcode area in proportion to the candidates of each (``areas`` holds
    each candidate's area), by largest remainder; never more than an area's candidates."""
    counts = Counter(areas)
    total = sum(counts.values())
    seats = min(seats, total)
    if total == 0:
        return {}
    given = {area: seats * n // total for area, n in counts.items()}
    left = seats - sum(given.values())
    by_remainder = sorted(counts, key=lambda a: (-(seats * counts[a] % total), -counts[a], a))
    for area in by_remainder[:left]:
        given[area] += 1
    return given


def draw(
    seed: str, candidates: Sequence[tuple[str, str]], seats: int, stratified: bool
) -> list[str]:
    """The pseudonyms drawn from ``candidates`` (pseudonym, postcode area), by rank."""

    def ordered(group: Sequence[str]) -> list[str]:
        return sorted(group, key=lambda p: (rank(seed, p), p))

    if not stratified:
        return ordered([p for p, _ in candidates])[:seats]
    chosen: list[str] = []
    for area, count in seats_per_area([a for _, a in candidates], seats).items():
        chosen += ordered([p for p, a in candidates if a == area])[:count]
    return ordered(chosen)
