"""Storage of polls (``questions``), the votes they received and the votes this node's
residents sent to other nodes' polls.
"""

from __future__ import annotations

import json

from node.clock import iso_now
from node.participation.models import Question
from node.storage.change_marks import ChangeMarks
from node.storage.database import Database, Row


def _question(row: Row) -> Question:
    return Question(
        uri=row["uri"],
        process_uri=row["process_uri"],
        proposal_uri=row["proposal_uri"],
        options=tuple(json.loads(row["options"])),
        opened_at=row["opened_at"],
        end_time=row["end_time"],
        closed_at=row["closed_at"],
    )


class VotingStore:
    """Questions and their votes, over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Questions whose tallies changed since their last Update went out.
        self.tally_marks = ChangeMarks(db, "pending_tally_updates", "question_uri")

    async def add_question(self, question: Question) -> None:
        """Record a newly opened question."""
        await self._db.execute(
            "INSERT INTO questions (uri, process_uri, proposal_uri, options, opened_at, end_time)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                question.uri,
                question.process_uri,
                question.proposal_uri,
                json.dumps(list(question.options)),
                question.opened_at,
                question.end_time,
            ),
        )

    async def mark_tallies_changed(self, question_uri: str, now: float) -> None:
        """Note that a question's tallies changed; the first change since the last Update
        sets the clock."""
        await self.tally_marks.mark(question_uri, now)

    async def tallies_published(self, question_uri: str) -> None:
        """The current tallies of a question went out."""
        await self.tally_marks.clear(question_uri)

    async def question(self, uri: str) -> Question | None:
        """A question this node hosts, by id."""
        row = await self._db.lookup("SELECT * FROM questions WHERE uri = ?", (uri,))
        return _question(row) if row else None

    async def question_for(self, proposal_uri: str) -> Question | None:
        """The question a proposal is put to, if voting on it was opened."""
        row = await self._db.fetch_one(
            "SELECT * FROM questions WHERE proposal_uri = ?", (proposal_uri,)
        )
        return _question(row) if row else None

    async def questions_of(self, process_uri: str) -> list[Question]:
        """Every question of a process, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM questions WHERE process_uri = ? ORDER BY opened_at, uri",
            (process_uri,),
        )
        return [_question(r) for r in rows]

    async def voted_by(self, voter: str) -> list[Question]:
        """The questions of this node in which a voter's vote is counted, latest vote first."""
        rows = await self._db.fetch_all(
            "SELECT q.* FROM questions q JOIN votes v ON v.question_uri = q.uri"
            " WHERE v.voter = ? ORDER BY v.cast_at DESC, q.uri",
            (voter,),
        )
        return [_question(r) for r in rows]

    async def unclosed(self) -> list[Question]:
        """Every question not closed yet, including those past their end time."""
        rows = await self._db.fetch_all("SELECT * FROM questions WHERE closed_at IS NULL")
        return [_question(r) for r in rows]

    async def put_vote(
        self,
        question_uri: str,
        voter: str,
        option: str,
        vote_id: str,
        receipt_hash: str,
        pseudonym: str | None = None,
        credential_id: str | None = None,
    ) -> None:
        """Store a voter's vote with the hash of its receipt, replacing an earlier one of
        the voter or, under a credential, of the same pseudonym from another account (so
        the table holds the counted votes only, and their receipts)."""
        if pseudonym is not None:
            await self._db.execute(
                "DELETE FROM votes WHERE question_uri = ? AND pseudonym = ? AND voter != ?",
                (question_uri, pseudonym, voter),
            )
        await self._db.execute(
            "INSERT INTO votes (question_uri, voter, option, vote_id, cast_at, pseudonym,"
            " credential_id, receipt_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (question_uri, voter)"
            " DO UPDATE SET option = excluded.option, vote_id = excluded.vote_id,"
            " cast_at = excluded.cast_at, pseudonym = excluded.pseudonym,"
            " credential_id = excluded.credential_id, receipt_hash = excluded.receipt_hash",
            (
                question_uri,
                voter,
                option,
                vote_id,
                iso_now(),
                pseudonym,
                credential_id,
                receipt_hash,
            ),
        )

    async def question_of_vote(self, vote_id: str, voter: str) -> str | None:
        """The question a voter's counted vote with this id is on, if any."""
        return await self._db.fetch_value(
            "SELECT question_uri FROM votes WHERE vote_id = ? AND voter = ?", (vote_id, voter)
        )

    async def remove_vote(self, question_uri: str, voter: str) -> None:
        """Take a voter's vote, and its receipt, out of a question."""
        await self._db.execute(
            "DELETE FROM votes WHERE question_uri = ? AND voter = ?", (question_uri, voter)
        )

    async def remove_votes_with_credential(self, credential_id: str) -> list[Row]:
        """Take the votes counted under a withdrawn credential out of the questions still
        open; return them (question_uri, process_uri, voter, vote_id)."""
        rows = await self._db.fetch_all(
            "SELECT v.question_uri, q.process_uri, v.voter, v.vote_id FROM votes v"
            " JOIN questions q ON q.uri = v.question_uri"
            " WHERE v.credential_id = ? AND q.closed_at IS NULL",
            (credential_id,),
        )
        for row in rows:
            await self.remove_vote(row["question_uri"], row["voter"])
        return rows

    async def receipt_hashes(self, question_uri: str) -> list[str]:
        """The receipt hashes of the counted votes of a question, in hash order (which
        says nothing of who voted when)."""
        rows = await self._db.fetch_all(
            "SELECT receipt_hash FROM votes WHERE question_uri = ? ORDER BY receipt_hash",
            (question_uri,),
        )
        return [r[0] for r in rows]

    async def option_counts(self, question_uri: str) -> dict[str, int]:
        """How many voters chose each option (one vote per voter), without who chose it."""
        # Kept up to date by triggers on the votes table (migration 0009): a read of a
        # few rows, however many people voted.
        rows = await self._db.fetch_all(
            "SELECT option, voters FROM vote_counts WHERE question_uri = ? AND voters > 0",
            (question_uri,),
        )
        return {r["option"]: r["voters"] for r in rows}

    async def option_counts_by_server(self, question_uri: str) -> list[tuple[str, str, int]]:
        """(server, option, voters) of a question, from the servers its voters came from
        (node/storage/participants.py), without who chose what."""
        rows = await self._db.fetch_all(
            "SELECT p.server, v.option, COUNT(*) FROM votes v"
            " JOIN questions q ON q.uri = v.question_uri"
            " JOIN process_participants p"
            " ON p.process_uri = q.process_uri AND p.actor_uri = v.voter"
            " WHERE v.question_uri = ? GROUP BY p.server, v.option",
            (question_uri,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def voters(self, question_uri: str) -> list[str]:
        """Who voted (never what): the tallies go back to them."""
        rows = await self._db.fetch_all(
            "SELECT voter FROM votes WHERE question_uri = ? ORDER BY voter", (question_uri,)
        )
        return [r["voter"] for r in rows]

    async def vote_of(self, question_uri: str, voter: str) -> str | None:
        """The option one voter chose, for showing the voter their own vote."""
        return await self._db.fetch_value(
            "SELECT option FROM votes WHERE question_uri = ? AND voter = ?",
            (question_uri, voter),
        )

    async def close(self, question_uri: str, at: str) -> bool:
        """Close an open question; False when it was closed already."""
        count = await self._db.execute_rowcount(
            "UPDATE questions SET closed_at = ? WHERE uri = ? AND closed_at IS NULL",
            (at, question_uri),
        )
        return count == 1


class SentVotes:
    """On the voter's side: votes and ballots sent to other nodes, and their refusals."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def sent(self, object_id: str, voter: str, target: str, choice: str) -> None:
        """Remember a vote or ballot sent to a remote process."""
        await self._db.execute(
            "INSERT INTO sent_votes (activity_object, voter, target, choice, state, sent_at)"
            " VALUES (?, ?, ?, ?, 'sent', ?)",
            (object_id, voter, target, choice, iso_now()),
        )

    async def refused(self, object_id: str, reason: str) -> bool:
        """Mark a sent vote refused by the process; False when it is not ours."""
        count = await self._db.execute_rowcount(
            "UPDATE sent_votes SET state = 'refused', reason = ? WHERE activity_object = ?",
            (reason, object_id),
        )
        return count == 1

    async def sent_by(self, object_id: str) -> tuple[str, str] | None:
        """The voter and the question or process of a vote or ballot sent elsewhere."""
        row = await self._db.fetch_one(
            "SELECT voter, target FROM sent_votes WHERE activity_object = ?", (object_id,)
        )
        return (row["voter"], row["target"]) if row else None

    async def target_of(self, object_id: str) -> str | None:
        """The question or process a sent vote went to."""
        return await self._db.fetch_value(
            "SELECT target FROM sent_votes WHERE activity_object = ?", (object_id,)
        )

    async def standing(self, voter: str, target: str) -> str | None:
        """The choice of the last vote a local account sent to a question that its process
        has not refused: what counts there for them, as far as this node knows."""
        return await self._db.fetch_value(
            "SELECT choice FROM sent_votes WHERE voter = ? AND target = ? AND state != 'refused'"
            " ORDER BY sent_at DESC, rowid DESC LIMIT 1",
            (voter, target),
        )

    async def targets_of(self, voter: str) -> list[str]:
        """The questions and processes on other nodes a local account sent votes or ballots
        to, the latest first."""
        rows = await self._db.fetch_all(
            "SELECT target FROM sent_votes WHERE voter = ? GROUP BY target"
            " ORDER BY MAX(sent_at) DESC, target",
            (voter,),
        )
        return [r["target"] for r in rows]

    async def latest(self, voter: str, target: str) -> Row | None:
        """The last vote or ballot a local account sent to a question or process."""
        return await self._db.fetch_one(
            "SELECT * FROM sent_votes WHERE voter = ? AND target = ?"
            " ORDER BY sent_at DESC, rowid DESC LIMIT 1",
            (voter, target),
        )


class Receipts:
    """On the voter's side: the receipt codes this node's residents were given."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def keep(self, vote_id: str, voter: str, target: str, code: str) -> None:
        """Keep the receipt of a vote or ballot (once per vote)."""
        await self._db.execute(
            "INSERT INTO vote_receipts (vote_id, voter, target, code, issued_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (vote_id) DO NOTHING",
            (vote_id, voter, target, code, iso_now()),
        )

    async def of_vote(self, vote_id: str) -> str | None:
        """The receipt of one vote or ballot, once the process counted it."""
        return await self._db.fetch_value(
            "SELECT code FROM vote_receipts WHERE vote_id = ?", (vote_id,)
        )

    async def latest(self, voter: str, target: str) -> str | None:
        """The receipt of the last vote of a resident on a question or process counted
        here (where every counted vote gets its receipt at once)."""
        return await self._db.fetch_value(
            "SELECT code FROM vote_receipts WHERE voter = ? AND target = ?"
            " ORDER BY issued_at DESC, rowid DESC LIMIT 1",
            (voter, target),
        )
