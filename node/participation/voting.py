"""Votes on proposals, exactly as Mastodon polls travel.

When voting opens for a proposal, its process publishes a ``Question`` to its
followers. A vote is a ``Note`` naming an option and replying to the
Question (a Mastodon user's poll vote is one). Votes are secret: each is
stored once per voter (a later vote replaces the earlier one until the vote
closes) and never published; only tallies travel, as ``Update`` of the
Question, and the Question served at its id always carries the current ones.
A refused vote stores nothing and is answered with a ``Reject`` whose
``summary`` says why.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import schemas
from activitypub.vocabulary import PUBLIC, ASObject, as_list, parse_object
from federation.errors import Conflict, FetchError, NotFound, Refused
from federation.lifecycle import StateGraph
from moderation.sanitize import html_to_text
from node.clock import epoch_now, iso, iso_now, utc_now
from node.participation.models import Process, Proposal
from node.participation.tally import VoteTally, count_votes, tally_counts
from node.storage.actors import LocalActor
from node.storage.database import Database, Row
from node.storage.notifications import NotificationRepository

if TYPE_CHECKING:
    from node.node import Node


# How long changed tallies wait before their Update goes out; votes in the
# meantime ride along in the same Update.
TALLY_UPDATE_DELAY = 60.0

# The window of a vote on a question, and of a budget ballot (node/participation/ballots.py):
# closing publishes the result, so a closed window never opens again.
VOTING_WINDOW = StateGraph(
    "open",
    {"open": frozenset({"closed"}), "closed": frozenset()},
    noun="voting window state",
    refusal="voting is {current} already and cannot become {new} again: its result is"
    " published and final",
)


@dataclass(frozen=True)
class Question:
    """A vote on one proposal, hosted by the proposal's process."""

    uri: str
    process_uri: str
    proposal_uri: str
    options: tuple[str, ...]
    opened_at: str
    end_time: str
    closed_at: str | None

    @property
    def state(self) -> str:
        """``open`` or ``closed`` (a state of VOTING_WINDOW)."""
        return "closed" if self.closed_at else "open"

    def refusal(self, now: datetime) -> str | None:
        """Why a vote cannot be taken now, or None while the window is open."""
        if self.closed_at is not None:
            return f"voting on this question closed at {self.closed_at}"
        if now >= parse_moment(self.end_time):
            return f"voting on this question ended at {self.end_time}"
        return None


def parse_moment(value: str) -> datetime:
    """An RFC 3339 timestamp; raise Refused when it is not one."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refused(f"{value!r} is not a timestamp such as 2026-12-01T18:00:00Z") from exc
    if moment.tzinfo is None:
        raise Refused(f"{value!r} needs a time zone, such as Z or +01:00")
    return moment


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
        await self._db.execute(
            "INSERT OR IGNORE INTO pending_tally_updates (question_uri, since) VALUES (?, ?)",
            (question_uri, now),
        )

    async def tallies_due(self, changed_before: float) -> list[str]:
        """Questions whose tallies changed before a moment and have not been sent since."""
        rows = await self._db.fetch_all(
            "SELECT question_uri FROM pending_tally_updates WHERE since <= ? ORDER BY since",
            (changed_before,),
        )
        return [r[0] for r in rows]

    async def tallies_published(self, question_uri: str) -> None:
        """The current tallies of a question went out."""
        await self._db.execute(
            "DELETE FROM pending_tally_updates WHERE question_uri = ?", (question_uri,)
        )

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

    async def unclosed(self) -> list[Question]:
        """Every question not closed yet, including those past their end time."""
        rows = await self._db.fetch_all("SELECT * FROM questions WHERE closed_at IS NULL")
        return [_question(r) for r in rows]

    async def put_vote(self, question_uri: str, voter: str, option: str, vote_id: str) -> None:
        """Store a voter's vote, replacing an earlier one."""
        await self._db.execute(
            "INSERT INTO votes (question_uri, voter, option, vote_id, cast_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_uri, voter) DO UPDATE SET"
            " option = excluded.option, vote_id = excluded.vote_id, cast_at = excluded.cast_at",
            (question_uri, voter, option, vote_id, iso_now()),
        )

    async def option_counts(self, question_uri: str) -> dict[str, int]:
        """How many voters chose each option (one vote per voter), without who chose it."""
        # Kept up to date by triggers on the votes table (migration 0009): a read of a
        # few rows, however many people voted.
        rows = await self._db.fetch_all(
            "SELECT option, voters FROM vote_counts WHERE question_uri = ? AND voters > 0",
            (question_uri,),
        )
        return {r["option"]: r["voters"] for r in rows}

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

    async def target_of(self, object_id: str) -> str | None:
        """The question or process a sent vote went to."""
        return await self._db.fetch_value(
            "SELECT target FROM sent_votes WHERE activity_object = ?", (object_id,)
        )

    async def latest(self, voter: str, target: str) -> Row | None:
        """The last vote or ballot a local account sent to a question or process."""
        return await self._db.fetch_one(
            "SELECT * FROM sent_votes WHERE voter = ? AND target = ?"
            " ORDER BY sent_at DESC, rowid DESC LIMIT 1",
            (voter, target),
        )


@dataclass(frozen=True)
class KnownQuestion:
    """A poll this node knows (its own or another node's), as residents see it."""

    uri: str
    title: str
    options: tuple[str, ...]
    counts: dict[str, int]
    voters_count: int
    end_time: str | None
    closed: bool
    local: bool


async def known_questions(node: Node, limit: int = 50) -> list[KnownQuestion]:
    """The polls of processes this node hosts or follows, newest first, with the tallies
    their process last published."""
    rows = await node.db.fetch_all(
        "SELECT uri, local, document FROM objects WHERE as_type = 'Question'"
        " AND deleted_at IS NULL ORDER BY published DESC, id DESC LIMIT ?",
        (limit,),
    )
    found = []
    for row in rows:
        document = json.loads(row["document"])
        choices = [c for c in as_list(document.get("oneOf")) if isinstance(c, Mapping)]
        counts = {
            str(c.get("name")): int((c.get("replies") or {}).get("totalItems") or 0)
            for c in choices
        }
        end_time = document.get("endTime")
        ended = isinstance(end_time, str) and parse_moment(end_time) <= utc_now()
        found.append(
            KnownQuestion(
                uri=row["uri"],
                title=str(document.get("name") or html_to_text(document.get("content") or "")),
                options=tuple(counts),
                counts=counts,
                voters_count=int(document.get("votersCount") or 0),
                end_time=end_time if isinstance(end_time, str) else None,
                closed="closed" in document or ended,
                local=bool(row["local"]),
            )
        )
    return found


def recount_url(question: Question) -> str:
    """The open-data export of a question's tallies."""
    return f"{question.uri}/tallies.csv"


def question_document(
    node: Node,
    question: Question,
    proposal: Proposal,
    process: Process,
    tally: VoteTally,
) -> dict[str, Any]:
    """The Question as Mastodon reads a poll, with current tallies; a closed one carries
    its ``voteResult`` (schema ``result``)."""
    title = html.escape(proposal.title)
    options = ", ".join(html.escape(o) for o in question.options)
    doc: dict[str, Any] = {
        "id": question.uri,
        "type": "Question",
        "attributedTo": process.uri,
        "audience": process.uri,
        "name": proposal.title,
        "content": f"<p><strong>{title}</strong></p><p>Stem tot {question.end_time}: "
        f"{options}.</p>",
        "context": proposal.uri,
        "url": question.uri,
        "to": [PUBLIC],
        "cc": [node.urls.followers(process.slug)],
        "published": question.opened_at,
        "updated": iso_now(),
        "endTime": question.end_time,
        "oneOf": [
            {
                "type": "Note",
                "name": t.option,
                "replies": {"type": "Collection", "totalItems": t.count},
            }
            for t in tally.tallies
        ],
        "votersCount": tally.voters_count,
    }
    if question.closed_at is not None:
        doc["closed"] = question.closed_at
        doc["voteResult"] = {
            "type": "VoteResult",
            "proposal": proposal.uri,
            "tallies": [{"option": t.option, "count": t.count} for t in tally.tallies],
            "votersCount": tally.voters_count,
            "eligibleCount": max(process.electorate_size, tally.voters_count),
            "closedAt": question.closed_at,
            "recount": recount_url(question),
        }
    return doc


async def current_tally(node: Node, question: Question) -> VoteTally:
    """The tallies of a question from its stored votes."""
    return tally_counts(question.options, await VotingStore(node.db).option_counts(question.uri))


async def _parts(node: Node, question: Question) -> tuple[Proposal, Process]:
    proposal = await node.participation.get_proposal(question.proposal_uri)
    process = await node.participation.get_process(question.process_uri)
    if proposal is None or process is None:
        raise NotFound(
            "the proposal or process this vote is about no longer exists", detail=question.uri
        )
    return proposal, process


async def open_vote(node: Node, proposal_uri: str, end_time: str) -> Question:
    """Put a local proposal to the vote: its process publishes a Question to its followers."""
    proposal = await node.participation.get_proposal(proposal_uri)
    if proposal is None:
        raise NotFound(
            "there is no such proposal on this node", detail=proposal_uri, code="proposal_unknown"
        )
    process = await node.participation.get_process(proposal.process_uri)
    if process is None or not process.local:
        raise Refused("only the node hosting a process can open a vote in it")
    if process.current_phase != "voting":
        raise Refused(
            f"{process.title} is in its {process.current_phase} phase; a vote opens only in"
            " the voting phase"
        )
    store = VotingStore(node.db)
    if await store.question_for(proposal.uri) is not None:
        raise Conflict(f"voting on {proposal.title!r} has already been opened")
    if parse_moment(end_time) <= utc_now():
        raise Refused(f"the vote must end in the future, not at {end_time}")
    question = Question(
        uri=node.urls.new_object(),
        process_uri=process.uri,
        proposal_uri=proposal.uri,
        options=process.voting_options,
        opened_at=iso_now(),
        end_time=iso(parse_moment(end_time)),
        closed_at=None,
    )
    document = question_document(
        node, question, proposal, process, count_votes(question.options, [])
    )
    followers = node.urls.followers(process.slug)

    async def store_question() -> None:
        await store.add_question(question)
        await node.objects.save_local_object(document)
        await node.participation.save_proposal(replace(proposal, question_uri=question.uri))
        record = await node.objects.record(proposal.uri)
        if record is not None and record.local:
            await node.objects.save_local_object({**record.document, "question": question.uri})

    await node.outbox.send(
        process.uri,
        {
            "id": f"{question.uri}/activity",
            "type": "Create",
            "object": document,
            "to": [PUBLIC],
            "cc": [followers],
        },
        [followers, proposal.author],
        local_write=store_question,
    )
    return question


async def current_question_document(
    node: Node, question: Question, proposal: Proposal, process: Process
) -> dict[str, Any]:
    """The Question with the tallies as they stand now."""
    return question_document(node, question, proposal, process, await current_tally(node, question))


async def publish_tallies(node: Node, question: Question) -> dict[str, Any]:
    """Store the Question with its current tallies and send it as an Update to the process's
    followers and to everyone who voted."""
    proposal, process = await _parts(node, question)
    document = await current_question_document(node, question, proposal, process)
    if question.closed_at is not None:
        problems = schemas.validate("result", document)
        if problems:
            raise RuntimeError(f"the result of {question.uri} is invalid: {problems}")
    followers = node.urls.followers(process.slug)
    voters = await VotingStore(node.db).voters(question.uri)

    async def store() -> None:
        await node.objects.save_local_object(document)

    await node.outbox.send(
        process.uri,
        {
            "id": node.outbox.new_activity_id(),
            "type": "Update",
            "object": document,
            "to": [PUBLIC],
            "cc": [followers],
        },
        [followers, *voters],
        local_write=store,
    )
    return document


async def record_vote(
    node: Node, question_uri: str, voter: str, option: str | None, vote_id: str
) -> VoteTally:
    """Count one vote on a local question, or refuse it (Refused) storing nothing."""
    store = VotingStore(node.db)
    question = await store.question(question_uri)
    if question is None:
        raise NotFound(
            "there is no such vote on this node", detail=question_uri, code="vote_unknown"
        )
    proposal, process = await _parts(node, question)
    reason = question.refusal(utc_now())
    if reason is None and process.current_phase != "voting":
        reason = (
            f"{process.title} is in its {process.current_phase} phase; votes are taken only"
            " in the voting phase"
        )
    if reason is None and option not in question.options:
        reason = f"{option!r} is not an option; choose one of: {', '.join(question.options)}"
    if reason is None:
        reason = await node.eligibility(process, voter)
    if reason is not None:
        raise Refused(f"vote refused: {reason}")
    assert option is not None
    # Only this database is awaited here, and every statement is a write by key or the
    # indexed count of the tally, so it runs without a hand-off to aiosqlite's thread
    # per statement (which cost more than the statements).
    async with node.db.transaction(inline=True):
        await store.put_vote(question.uri, voter, option, vote_id)
        await store.mark_tallies_changed(question.uri, epoch_now())
        tally = await current_tally(node, question)
        # Mastodon re-fetches an open poll while it is shown: serve current tallies.
        await node.objects.save_local_object(
            question_document(node, question, proposal, process, tally)
        )
    return tally


async def publish_due_tallies(node: Node, now: float | None = None) -> int:
    """Send one Update with current tallies for each question whose votes changed at least
    TALLY_UPDATE_DELAY seconds ago; return how many were sent.

    Sending an Update per vote to every voter made each vote cost more the more
    people had voted; one batched Update per question, as Mastodon does, keeps
    a vote's cost flat. The Question served at its id is always current.
    """
    store = VotingStore(node.db)
    moment = epoch_now() if now is None else now
    sent = 0
    for question_uri in await store.tallies_due(moment - TALLY_UPDATE_DELAY):
        question = await store.question(question_uri)
        # Cleared before sending: a vote arriving meanwhile marks the question again.
        await store.tallies_published(question_uri)
        if question is None or question.closed_at is not None:
            continue
        try:
            await publish_tallies(node, question)
        except BaseException:
            await store.mark_tallies_changed(question_uri, moment)
            raise
        sent += 1
    return sent


async def close_vote(node: Node, question_uri: str) -> dict[str, Any]:
    """Close a vote and publish its signed result: the closed Question with ``voteResult``."""
    store = VotingStore(node.db)
    question = await store.question(question_uri)
    if question is None:
        raise NotFound(
            "there is no such vote on this node", detail=question_uri, code="vote_unknown"
        )
    VOTING_WINDOW.require_move(question.state, "closed")
    closed_at = iso_now()
    async with node.db.transaction():
        await store.close(question.uri, closed_at)
        await store.tallies_published(question.uri)
        result = await publish_tallies(node, replace(question, closed_at=closed_at))
    notifications = NotificationRepository(node.db)
    for voter in await store.voters(question.uri):
        await notifications.notify("poll", voter, question.process_uri, question.uri)
    return result


async def close_due_votes(node: Node) -> list[str]:
    """Close every question whose end time has passed or whose process has closed, publishing
    each result; return their ids."""
    now = utc_now()
    due = []
    for question in await VotingStore(node.db).unclosed():
        process = await node.participation.get_process(question.process_uri)
        ended = parse_moment(question.end_time) <= now
        if ended or (process is not None and process.current_phase == "closed"):
            due.append(question.uri)
    for uri in due:
        await close_vote(node, uri)
    return due


async def _remote_question(node: Node, question_uri: str) -> ASObject:
    record = await node.objects.record(question_uri)
    if record is not None and record.as_type == "Question" and record.deleted_at is None:
        return parse_object(record.document)
    try:
        found = await node.fetcher.fetch(question_uri)
    except FetchError as exc:
        raise NotFound(
            "the vote could not be found on the node that holds it",
            detail=f"{question_uri}: {exc}",
        ) from exc
    if found.type != "Question" or found.attributed_to is None:
        raise Refused("this poll does not belong to a process", detail=question_uri)
    return found


async def cast_vote(node: Node, voter: LocalActor, question_uri: str, option: str) -> str:
    """A local account votes: counted here when the question is ours, otherwise sent to the
    process as Mastodon sends a poll vote. Returns the vote's id."""
    await node.guard.check(voter.uri, "vote")
    vote_id = node.urls.new_object()
    if await VotingStore(node.db).question(question_uri) is not None:
        await record_vote(node, question_uri, voter.uri, option, vote_id)
        return vote_id
    question = await _remote_question(node, question_uri)
    process_uri = question.attributed_to
    assert process_uri is not None
    vote = {
        "id": vote_id,
        "type": "Note",
        "name": option,
        "attributedTo": voter.uri,
        "inReplyTo": question_uri,
        "to": [process_uri],
    }

    async def remember() -> None:
        await SentVotes(node.db).sent(vote_id, voter.uri, question_uri, option)

    await node.outbox.send(
        voter.uri,
        {"id": f"{vote_id}/activity", "type": "Create", "object": vote, "to": [process_uri]},
        [process_uri],
        local_write=remember,
        personal_inboxes=True,
    )
    return vote_id
