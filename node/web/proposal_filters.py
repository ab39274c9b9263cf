"""Finding proposals on a process page: search, filters and orders, as residents know them
from Decidim and Consul.

The choice travels in the page's address (``?q=&status=&area=&mine=1&order=&seed=``),
so a filtered list can be bookmarked and shared. The random order takes a seed, so the
same address shows the same order: a resident who pages back and forth, or sends the
link on, sees the list as they saw it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ORDERS = ("supports", "newest", "random")


@dataclass(frozen=True)
class ProposalFilter:
    """What a resident asked of the list of proposals."""

    text: str = ""
    status: str = ""
    area: str = ""
    mine: bool = False
    order: str = "supports"
    seed: int = 0

    @classmethod
    def from_query(cls, query: Mapping[str, str], new_seed: int) -> ProposalFilter:
        """The filter a page's query asks for; what is not understood is left out.
        ``new_seed`` orders a random list that has no seed yet."""
        order = query.get("order", "supports")
        seed = query.get("seed", "")
        return cls(
            text=" ".join(query.get("q", "").split())[:100],
            status=query.get("status", ""),
            area=query.get("area", "")[:100],
            mine=query.get("mine") == "1",
            order=order if order in ORDERS else "supports",
            seed=int(seed) if seed.isdigit() else new_seed,
        )

    @property
    def narrows(self) -> bool:
        """Whether it leaves proposals out."""
        return bool(self.text or self.status or self.area or self.mine)

    def apply(self, rows: list[dict[str, Any]], mine: set[str]) -> list[dict[str, Any]]:
        """The rows (``transparency.proposal_rows``, with the ``row_id`` of their page where
        known) that match, in the order asked for; ``mine`` are the proposals the resident
        supports."""
        words = self.text.casefold().split()
        found = [
            row
            for row in rows
            if all(word in str(row["title"]).casefold() for word in words)
            and (not self.status or row["status"] == self.status)
            and (not self.area or row["area"] == self.area)
            and (not self.mine or row["proposal"] in mine)
        ]
        if self.order == "random":
            ordered = sorted(found, key=lambda row: str(row["proposal"]))
            random.Random(self.seed).shuffle(ordered)
            return ordered
        if self.order == "newest":
            # Of two made in the same second, the one stored later (``row_id``) is newer.
            return sorted(
                found, key=lambda row: (str(row["published"]), row.get("row_id", 0)), reverse=True
            )
        return sorted(found, key=lambda row: (-int(row["supports"]), str(row["published"])))
