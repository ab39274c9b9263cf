"""Figures about a node for its health check and its metrics, read when they are asked for.

Every figure is a count over indexed columns of tables the node keeps anyway, so
a scrape costs a few queries and the figures survive a restart, unlike counters
kept in memory.
"""

from __future__ import annotations

from node.storage.database import Database


class NodeStats:
    """Counts over delivery failures and the participation tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def reachable(self) -> bool:
        """Whether the database answers a query."""
        return await self._db.fetch_value("SELECT 1") == 1

    async def failures_by_host(self) -> dict[str, tuple[int, int]]:
        """Per receiving host: deliveries given up on, and failed attempts in a row now."""
        rows = await self._db.fetch_all(
            "SELECT host, sum(given_up) AS given_up, max(in_a_row) AS in_a_row FROM ("
            " SELECT host, count(*) AS given_up, 0 AS in_a_row FROM deliveries"
            " WHERE state = 'failed' GROUP BY host"
            " UNION ALL"
            " SELECT host, 0, consecutive_failures FROM delivery_hosts"
            " WHERE consecutive_failures > 0"
            ") AS failures GROUP BY host"
        )
        return {row["host"]: (int(row["given_up"]), int(row["in_a_row"])) for row in rows}

    async def votes_by_process(self) -> dict[str, int]:
        """Votes counted on this node's questions, per process."""
        return await self._per_process(
            "SELECT questions.process_uri, count(*) FROM votes"
            " JOIN questions ON questions.uri = votes.question_uri"
            " GROUP BY questions.process_uri"
        )

    async def supports_by_process(self) -> dict[str, int]:
        """Supports of proposals this node knows, per process."""
        return await self._per_process(
            "SELECT proposals.process_uri, count(*) FROM supports"
            " JOIN proposals ON proposals.uri = supports.proposal_uri"
            " GROUP BY proposals.process_uri"
        )

    async def _per_process(self, sql: str) -> dict[str, int]:
        return {row[0]: int(row[1]) for row in await self._db.fetch_all(sql)}
