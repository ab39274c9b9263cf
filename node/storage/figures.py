"""The live participation figures of a process, each one aggregate query: acts per phase,
the people taking part (for their servers), and the postcode areas of its voters."""

from __future__ import annotations

from collections.abc import Sequence

from node.storage.database import Database

# Every act in a process with its kind and time; parameters: the process five times.
_ACTS = (
    "SELECT 'proposals' AS kind, p.published AS at FROM proposals p WHERE p.process_uri = ?"
    " UNION ALL SELECT 'supports', s.created_at FROM supports s"
    " JOIN proposals p ON p.uri = s.proposal_uri WHERE p.process_uri = ?"
    " UNION ALL SELECT 'comments', o.published FROM comment_stances c"
    " JOIN proposals p ON p.uri = c.proposal_uri JOIN objects o ON o.uri = c.comment_uri"
    " WHERE p.process_uri = ? AND o.deleted_at IS NULL"
    " UNION ALL SELECT 'votes', v.cast_at FROM votes v"
    " JOIN questions q ON q.uri = v.question_uri WHERE q.process_uri = ?"
    " UNION ALL SELECT 'votes', b.cast_at FROM ballots b WHERE b.process_uri = ?"
)
# Everyone who acted in a process; parameters: the process five times.
_PEOPLE = (
    "SELECT p.author AS actor FROM proposals p WHERE p.process_uri = ?"
    " UNION SELECT s.actor FROM supports s"
    " JOIN proposals p ON p.uri = s.proposal_uri WHERE p.process_uri = ?"
    " UNION SELECT o.attributed_to FROM comment_stances c"
    " JOIN proposals p ON p.uri = c.proposal_uri JOIN objects o ON o.uri = c.comment_uri"
    " WHERE p.process_uri = ? AND o.deleted_at IS NULL AND o.attributed_to IS NOT NULL"
    " UNION SELECT v.voter FROM votes v"
    " JOIN questions q ON q.uri = v.question_uri WHERE q.process_uri = ?"
    " UNION SELECT b.voter FROM ballots b WHERE b.process_uri = ?"
)
# The voters of a process (of its questions and its ballot); parameters: the process twice.
_VOTERS = (
    "SELECT v.voter FROM votes v JOIN questions q ON q.uri = v.question_uri"
    " WHERE q.process_uri = ? UNION SELECT b.voter FROM ballots b WHERE b.process_uri = ?"
)


class ParticipationFigures:
    """The figures of the organisers' page, over the node's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def acts_per_period(
        self, process_uri: str, boundaries: Sequence[str]
    ) -> dict[tuple[str, int], int]:
        """How many acts of each kind fell in each period between ``boundaries`` (times in
        order): keyed by (kind, period), period 0 before the first boundary, 1 from it to
        the second, and so on; an act at a boundary's second falls after it."""
        cases = " ".join(f"WHEN acts.at < ? THEN {index}" for index in range(len(boundaries)))
        period = f"CASE {cases} ELSE {len(boundaries)} END" if boundaries else "0"
        rows = await self._db.fetch_all(
            f"SELECT acts.kind, {period} AS period, count(*) FROM ({_ACTS}) acts"
            " GROUP BY acts.kind, period",
            (*boundaries, *[process_uri] * 5),
        )
        return {(row[0], int(row[1])): int(row[2]) for row in rows}

    async def participants(self, process_uri: str) -> list[str]:
        """Everyone who proposed, supported, commented or voted in a process (a voter
        counted by credential appears as its pseudonym)."""
        rows = await self._db.fetch_all(_PEOPLE, (process_uri,) * 5)
        return [row[0] for row in rows]

    async def voter_areas(self, process_uri: str) -> dict[str, int]:
        """How many voters of a process live in each postcode area, where this node knows
        it: residents it verified, and holders of register slots it bound."""
        rows = await self._db.fetch_all(
            "SELECT area, count(*) FROM ("
            " SELECT voters.voter, coalesce(r.postcode_area, b.postcode_area) AS area"
            f" FROM ({_VOTERS}) voters"
            " LEFT JOIN residents r ON r.actor_uri = voters.voter"
            " LEFT JOIN register_bindings b"
            " ON b.actor_uri = voters.voter AND b.revoked_at IS NULL"
            ") known WHERE area IS NOT NULL GROUP BY area ORDER BY area",
            (process_uri, process_uri),
        )
        return {row[0]: int(row[1]) for row in rows}
