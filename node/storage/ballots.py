"""Storage of budget rounds and the ballots residents cast in them."""

from __future__ import annotations

from collections.abc import Sequence

from node.clock import iso_now
from node.participation.models import BudgetRound
from node.participation.tally import BallotEntry
from node.storage.database import Database, Row


def _round(row: Row) -> BudgetRound:
    return BudgetRound(row["process_uri"], row["opened_at"], row["end_time"], row["closed_at"])


class BallotStore:
    """Budget rounds, the proposals on them and the ballots cast, over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_round(
        self, budget_round: BudgetRound, entries: list[BallotEntry], currency: str
    ) -> None:
        """Record an opened ballot and the proposals on it."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO budget_rounds (process_uri, opened_at, end_time) VALUES (?, ?, ?)",
                (budget_round.process_uri, budget_round.opened_at, budget_round.end_time),
            )
            await self._db.executemany(
                "INSERT INTO ballot_items (process_uri, proposal_uri, cost, currency, position)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (budget_round.process_uri, e.proposal, e.cost, currency, e.position)
                    for e in entries
                ],
            )

    async def budget_round(self, process_uri: str) -> BudgetRound | None:
        """The ballot of a process, if opened."""
        row = await self._db.fetch_one(
            "SELECT * FROM budget_rounds WHERE process_uri = ?", (process_uri,)
        )
        return _round(row) if row else None

    async def unclosed(self) -> list[BudgetRound]:
        """Every ballot not closed yet, including those past their end time."""
        rows = await self._db.fetch_all("SELECT * FROM budget_rounds WHERE closed_at IS NULL")
        return [_round(r) for r in rows]

    async def entries(self, process_uri: str) -> list[BallotEntry]:
        """The proposals on a ballot, in ballot order."""
        rows = await self._db.fetch_all(
            "SELECT proposal_uri, cost, position FROM ballot_items WHERE process_uri = ?"
            " ORDER BY position",
            (process_uri,),
        )
        return [BallotEntry(r["proposal_uri"], r["cost"], r["position"]) for r in rows]

    async def put_ballot(
        self,
        process_uri: str,
        voter: str,
        ballot_id: str,
        picks: Sequence[str],
        receipt_hash: str,
        pseudonym: str | None = None,
        credential_id: str | None = None,
    ) -> None:
        """Store a voter's ballot with the hash of its receipt, replacing an earlier one of
        the voter or, under a credential, of the same pseudonym from another account (so
        the table holds the counted ballots only, and their receipts)."""
        async with self._db.transaction():
            replaced = [voter]
            if pseudonym is not None:
                rows = await self._db.fetch_all(
                    "SELECT voter FROM ballots WHERE process_uri = ? AND pseudonym = ?",
                    (process_uri, pseudonym),
                )
                replaced += [r[0] for r in rows]
            for earlier in replaced:
                await self._remove(process_uri, earlier)
            await self._db.execute(
                "INSERT INTO ballots (process_uri, voter, ballot_id, cast_at, pseudonym,"
                " credential_id, receipt_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    process_uri,
                    voter,
                    ballot_id,
                    iso_now(),
                    pseudonym,
                    credential_id,
                    receipt_hash,
                ),
            )
            await self._db.executemany(
                "INSERT INTO ballot_picks (process_uri, voter, proposal_uri) VALUES (?, ?, ?)",
                [(process_uri, voter, p) for p in picks],
            )

    async def _remove(self, process_uri: str, voter: str) -> None:
        await self._db.execute(
            "DELETE FROM ballot_picks WHERE process_uri = ? AND voter = ?", (process_uri, voter)
        )
        await self._db.execute(
            "DELETE FROM ballots WHERE process_uri = ? AND voter = ?", (process_uri, voter)
        )

    async def remove_ballots_with_credential(self, credential_id: str) -> list[Row]:
        """Take the ballots cast under a withdrawn credential out of the ballots still
        open; return them (process_uri, voter, ballot_id)."""
        rows = await self._db.fetch_all(
            "SELECT b.process_uri, b.voter, b.ballot_id FROM ballots b"
            " JOIN budget_rounds r ON r.process_uri = b.process_uri"
            " WHERE b.credential_id = ? AND r.closed_at IS NULL",
            (credential_id,),
        )
        for row in rows:
            await self._remove(row[0], row[1])
        return rows

    async def receipt_hashes(self, process_uri: str) -> list[str]:
        """The receipt hashes of the counted ballots of a process, in hash order."""
        rows = await self._db.fetch_all(
            "SELECT receipt_hash FROM ballots WHERE process_uri = ? ORDER BY receipt_hash",
            (process_uri,),
        )
        return [r[0] for r in rows]

    async def all_picks(self, process_uri: str) -> list[list[str]]:
        """The picks of every ballot, without who cast them."""
        rows = await self._db.fetch_all(
            "SELECT b.voter, p.proposal_uri FROM ballots b LEFT JOIN ballot_picks p"
            " ON p.process_uri = b.process_uri AND p.voter = b.voter WHERE b.process_uri = ?"
            " ORDER BY b.voter",
            (process_uri,),
        )
        ballots: dict[str, list[str]] = {}
        for r in rows:
            picks = ballots.setdefault(r["voter"], [])
            if r["proposal_uri"] is not None:
                picks.append(r["proposal_uri"])
        return list(ballots.values())

    async def ballots_by_server(self, process_uri: str) -> dict[str, int]:
        """How many ballots came from each server (node/storage/participants.py)."""
        rows = await self._db.fetch_all(
            "SELECT p.server, COUNT(*) FROM ballots b JOIN process_participants p"
            " ON p.process_uri = b.process_uri AND p.actor_uri = b.voter"
            " WHERE b.process_uri = ? GROUP BY p.server",
            (process_uri,),
        )
        return {r[0]: r[1] for r in rows}

    async def picks_by_server(self, process_uri: str) -> list[tuple[str, str, int]]:
        """(server, proposal, ballots picking it) of a process, without who picked what."""
        rows = await self._db.fetch_all(
            "SELECT p.server, b.proposal_uri, COUNT(*) FROM ballot_picks b"
            " JOIN process_participants p"
            " ON p.process_uri = b.process_uri AND p.actor_uri = b.voter"
            " WHERE b.process_uri = ? GROUP BY p.server, b.proposal_uri",
            (process_uri,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def rounds_voted_by(self, voter: str) -> list[BudgetRound]:
        """The budget rounds of this node in which a voter's ballot is counted, latest
        ballot first."""
        rows = await self._db.fetch_all(
            "SELECT r.* FROM budget_rounds r JOIN ballots b ON b.process_uri = r.process_uri"
            " WHERE b.voter = ? ORDER BY b.cast_at DESC, r.process_uri",
            (voter,),
        )
        return [_round(r) for r in rows]

    async def picks_of(self, process_uri: str, voter: str) -> list[str]:
        """One voter's current picks, to show them their own ballot."""
        rows = await self._db.fetch_all(
            "SELECT proposal_uri FROM ballot_picks WHERE process_uri = ? AND voter = ?",
            (process_uri, voter),
        )
        return [r["proposal_uri"] for r in rows]

    async def close(self, process_uri: str, at: str) -> bool:
        """Close an open ballot; False when it was closed already."""
        count = await self._db.execute_rowcount(
            "UPDATE budget_rounds SET closed_at = ? WHERE process_uri = ? AND closed_at IS NULL",
            (at, process_uri),
        )
        return count == 1
