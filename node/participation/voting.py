"""Votes on proposals, exactly as Mastodon polls travel.

When voting opens for a proposal, its process publishes a ``Question`` to its
followers. A vote is a ``Note`` naming an option and replying to the
Question (a Mastodon user's poll vote is one). Votes are secret: each is
stored once per voter (a later vote replaces the earlier one until the vote
closes) and never published; only tallies travel, as ``Update`` of the
Question, and the Question served at its id always carries the current ones.
A refused vote stores nothing and is answered with a ``Reject`` whose
``summary`` says why.

In a process under an agreement a vote carries a credential from the registrar
and is stored once per credential pseudonym instead of per voter, so one
resident with accounts on several nodes has one vote
(node/participation/credentials.py); ``votersCount`` counts pseudonyms there.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import schemas
from activitypub.vocabulary import PUBLIC, ASObject, as_list, parse_object
from federation.errors import Conflict, FetchError, NotFound, Refused, coded
from federation.lifecycle import StateGraph
from moderation.sanitize import html_to_text
from node.clock import epoch_now, iso, iso_now, utc_now
from node.i18n import N_, readable_moment, translator
from node.participation.credentials import counted_under, credential_to_send
from node.participation.eligibility import claim_place
from node.participation.mail_notices import mail_voting_opened
from node.participation.models import Process, Proposal, Question, parse_moment
from node.participation.moves import record_move
from node.participation.processes import known_process
from node.participation.receipts import new_receipt, receipt_hash
from node.participation.tally import (
    ServerCount,
    VoteTally,
    by_server,
    count_votes,
    tally_counts,
)
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


# How long changed tallies wait before their Update goes out; votes in the
# meantime ride along in the same Update.
TALLY_UPDATE_DELAY = 60.0

# The window of a vote on a question, and of a budget ballot (node/participation/ballots.py):
# closing publishes the result, so a closed window never opens again.
VOTING_WINDOW = StateGraph(
    "open",
    {"open": frozenset({"closed"}), "closed": frozenset()},
    noun="voting window state",
    code="vote",
    refusal="voting is {current} already and cannot become {new} again: its result is"
    " published and final",
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


async def known_questions(services: ParticipationServices, limit: int = 50) -> list[KnownQuestion]:
    """The polls of processes this node hosts or follows, newest first, with the tallies
    their process last published."""
    rows = await services.db.fetch_all(
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


def receipts_url(question: Question) -> str:
    """The receipt hashes of a question's counted votes, published once it closed."""
    return f"{question.uri}/receipts"


def question_document(
    services: ParticipationServices,
    question: Question,
    proposal: Proposal,
    process: Process,
    tally: VoteTally,
    servers: tuple[ServerCount, ...] | None = None,
) -> dict[str, Any]:
    """The Question as Mastodon reads a poll, with current tallies; a closed one carries
    its ``voteResult`` (schema ``result``), with the tallies per server when given."""
    title = html.escape(proposal.title)
    language = services.config.language
    doc: dict[str, Any] = {
        "id": question.uri,
        "type": "Question",
        "attributedTo": process.uri,
        "audience": process.uri,
        "name": proposal.title,
        "content": f"<p><strong>{title}</strong></p><p>"
        + html.escape(
            translator(language)(
                N_("Vote until %(moment)s: %(options)s."),
                moment=readable_moment(question.end_time, language),
                options=", ".join(question.options),
            )
        )
        + "</p>",
        "context": proposal.uri,
        "url": question.uri,
        "to": [PUBLIC],
        "cc": [services.urls.followers(process.slug)],
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
            "receipts": receipts_url(question),
        }
        if servers is not None:
            doc["voteResult"] |= servers_document(
                servers,
                lambda counts: [{"option": o, "count": counts.get(o, 0)} for o in question.options],
                "tallies",
            )
    return doc


def servers_document(
    servers: tuple[ServerCount, ...],
    choices: Callable[[Mapping[str, int]], object],
    key: str,
) -> dict[str, Any]:
    """``serversCount`` and ``byServer`` of a result: each named server, then the small
    ones together, with their counts under ``key`` as ``choices`` lists them."""
    return {
        "serversCount": sum(s.servers for s in servers),
        "byServer": [
            {
                **({"server": s.server} if s.server else {"serversCount": s.servers}),
                "votersCount": s.voters,
                key: choices(s.counts),
            }
            for s in servers
        ],
    }


async def question_servers(
    services: ParticipationServices, question: Question, process: Process
) -> tuple[ServerCount, ...] | None:
    """The tallies of an open process's question per server its voters came from; None
    for other processes, whose voters are residents verified by known nodes."""
    if process.eligibility != "open":
        return None
    counts = await services.votes.option_counts_by_server(question.uri)
    voters: Counter[str] = Counter()
    for server, _, count in counts:
        voters[server] += count
    return by_server(voters, counts)


async def current_tally(services: ParticipationServices, question: Question) -> VoteTally:
    """The tallies of a question from its stored votes."""
    return tally_counts(question.options, await services.votes.option_counts(question.uri))


async def counted_receipts(services: ParticipationServices, question: Question) -> list[str]:
    """The receipt hashes of a closed question's counted votes, one per voter; NotFound while
    the vote is open (the list is published when it closes)."""
    if question.closed_at is None:
        raise NotFound(
            "the receipts of this vote are published when it closes",
            detail=question.uri,
        )
    return await services.votes.receipt_hashes(question.uri)


async def _parts(services: ParticipationServices, question: Question) -> tuple[Proposal, Process]:
    proposal = await services.store.get_proposal(question.proposal_uri)
    process = await services.store.get_process(question.process_uri)
    if proposal is None or process is None:
        raise NotFound(
            "the proposal or process this vote is about no longer exists", detail=question.uri
        )
    return proposal, process


async def open_vote(services: ParticipationServices, proposal_uri: str, end_time: str) -> Question:
    """Put a local proposal to the vote: its process publishes a Question to its followers."""
    proposal = await services.store.get_proposal(proposal_uri)
    if proposal is None:
        raise NotFound(
            "there is no such proposal on this node", detail=proposal_uri, code="proposal_unknown"
        )
    process = await services.store.get_process(proposal.process_uri)
    if process is None or not process.local:
        raise Refused(
            "only the node hosting a process can open a vote in it", code="not_hosted_here"
        )
    if process.current_phase != "voting":
        raise Refused(
            f"{process.title} is in its {process.current_phase} phase; a vote opens only in"
            " the voting phase",
            code="vote_wrong_phase",
            values={"process": process.title, "phase": process.current_phase},
        )
    store = services.votes
    if await store.question_for(proposal.uri) is not None:
        raise Conflict(
            f"voting on {proposal.title!r} has already been opened",
            code="vote_opened_already",
            values={"title": proposal.title},
        )
    if parse_moment(end_time) <= utc_now():
        raise Refused(f"the vote must end in the future, not at {end_time}", code="end_in_past")
    question = Question(
        uri=services.urls.new_object(),
        process_uri=process.uri,
        proposal_uri=proposal.uri,
        options=process.voting_options,
        opened_at=iso_now(),
        end_time=iso(parse_moment(end_time)),
        closed_at=None,
    )
    document = question_document(
        services, question, proposal, process, count_votes(question.options, [])
    )
    followers = services.urls.followers(process.slug)

    async def store_question() -> None:
        await store.add_question(question)
        await services.objects.save_local_object(document)
        await services.store.save_proposal(replace(proposal, question_uri=question.uri))
        record = await services.objects.record(proposal.uri)
        if record is not None and record.local:
            await services.objects.save_local_object({**record.document, "question": question.uri})

    await services.outbox.send(
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
    await mail_voting_opened(
        services, process, f"vote:{question.uri}", proposal.title, question.end_time
    )
    return question


async def current_question_document(
    services: ParticipationServices, question: Question, proposal: Proposal, process: Process
) -> dict[str, Any]:
    """The Question with the tallies as they stand now (and per server, once closed)."""
    servers = None
    if question.closed_at is not None:
        servers = await question_servers(services, question, process)
    return question_document(
        services, question, proposal, process, await current_tally(services, question), servers
    )


async def publish_tallies(services: ParticipationServices, question: Question) -> dict[str, Any]:
    """Store the Question with its current tallies and send it as an Update to the process's
    followers and to everyone who voted."""
    proposal, process = await _parts(services, question)
    document = await current_question_document(services, question, proposal, process)
    if question.closed_at is not None:
        problems = schemas.validate("result", document)
        if problems:
            raise RuntimeError(f"the result of {question.uri} is invalid: {problems}")
    followers = services.urls.followers(process.slug)
    voters = await services.votes.voters(question.uri)

    async def store() -> None:
        await services.objects.save_local_object(document)

    await services.outbox.send(
        process.uri,
        {
            "id": services.outbox.new_activity_id(),
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
    services: ParticipationServices,
    question_uri: str,
    voter: str,
    option: str | None,
    vote_id: str,
    credential: str | None = None,
    *,
    local_voter: bool = False,
) -> str:
    """Count one vote on a local question, or refuse it (Refused) storing nothing. Returns
    the vote's receipt code (node/participation/receipts.py), kept for a ``local_voter``
    in the same transaction.

    In a process under an agreement the vote counts under its ``credential``'s
    pseudonym (node/participation/credentials.py): one vote per registered resident."""
    store = services.votes
    question = await store.question(question_uri)
    if question is None:
        raise NotFound(
            "there is no such vote on this node", detail=question_uri, code="vote_unknown"
        )
    proposal, process = await _parts(services, question)
    reason = question.refusal(utc_now())
    if reason is None and process.current_phase != "voting":
        reason = (
            f"{process.title} is in its {process.current_phase} phase; votes are taken only"
            " in the voting phase"
        )
    if reason is None and option not in question.options:
        reason = f"{option!r} is not an option; choose one of: {', '.join(question.options)}"
    counted = None
    if reason is None:
        counted, reason = await counted_under(services, process, voter, credential)
    if reason is not None:
        raise Refused(f"vote refused: {reason}", **coded(reason))
    assert option is not None
    # Only this database is awaited here, and every statement is a write by key or the
    # indexed count of the tally, so it runs without a hand-off to aiosqlite's thread
    # per statement (which cost more than the statements).
    async with services.db.transaction(inline=True):
        reason = await claim_place(services, process, voter)
        if reason is not None:
            raise Refused(f"vote refused: {reason}", **coded(reason))
        receipt = new_receipt()
        await store.put_vote(
            question.uri,
            voter,
            option,
            vote_id,
            receipt_hash(receipt),
            counted.pseudonym if counted else None,
            counted.id if counted else None,
        )
        if local_voter:
            await services.receipts.keep(vote_id, voter, question.uri, receipt)
        await store.mark_tallies_changed(question.uri, epoch_now())
        tally = await current_tally(services, question)
        # Mastodon re-fetches an open poll while it is shown: serve current tallies.
        await services.objects.save_local_object(
            question_document(services, question, proposal, process, tally)
        )
    return receipt


async def withdraw_vote(services: ParticipationServices, voter: str, vote_id: str) -> bool:
    """A voter takes back a counted vote (an ``Undo`` of it): out of the tally, with its
    receipt, while the vote is open. Once it has closed or ended this is refused
    (Conflict) and nothing changes: the result and the receipts published stand. False
    when the voter has no counted vote with this id."""
    store = services.votes
    question_uri = await store.question_of_vote(vote_id, voter)
    question = await store.question(question_uri) if question_uri else None
    if question is None:
        return False
    reason = question.refusal(utc_now())
    if reason is not None:
        raise Conflict(
            f"a vote can no longer be withdrawn: {reason}; its result and receipts stand"
        )
    proposal, process = await _parts(services, question)
    async with services.db.transaction(inline=True):
        await store.remove_vote(question.uri, voter)
        await store.mark_tallies_changed(question.uri, epoch_now())
        tally = await current_tally(services, question)
        await services.objects.save_local_object(
            question_document(services, question, proposal, process, tally)
        )
    return True


async def publish_due_tallies(services: ParticipationServices, now: float | None = None) -> int:
    """Send one Update with current tallies for each question whose votes changed at least
    TALLY_UPDATE_DELAY seconds ago; return how many were sent.

    Sending an Update per vote to every voter made each vote cost more the more
    people had voted; one batched Update per question, as Mastodon does, keeps
    a vote's cost flat. The Question served at its id is always current.
    """
    store = services.votes
    moment = epoch_now() if now is None else now

    async def send(question_uri: str) -> bool:
        question = await store.question(question_uri)
        if question is None or question.closed_at is not None:
            return False
        await publish_tallies(services, question)
        return True

    return await store.tally_marks.send_due(moment - TALLY_UPDATE_DELAY, moment, send)


async def close_vote(
    services: ParticipationServices,
    question_uri: str,
    *,
    at: datetime | None = None,
    due_at: str | None = None,
) -> dict[str, Any]:
    """Close a vote at ``at`` (now by default) and publish its signed result: the closed
    Question with ``voteResult``. The close and its decision-log entry are one
    transaction; a vote closed already is refused (IllegalMove) and nothing is sent.
    ``due_at`` is the end time that made the close due, when the scheduler closes it."""
    store = services.votes
    question = await store.question(question_uri)
    if question is None:
        raise NotFound(
            "there is no such vote on this node", detail=question_uri, code="vote_unknown"
        )
    VOTING_WINDOW.require_move(question.state, "closed")
    closed_at = iso(at or utc_now())
    async with services.db.transaction():
        if not await store.close(question.uri, closed_at):
            raise Conflict(
                "this vote was closed already; its result is published and final",
                code="vote_final",
            )
        await record_move(
            services, question.process_uri, "vote-closed", question.uri, "closed", "open", due_at
        )
        await store.tallies_published(question.uri)
        result = await publish_tallies(services, replace(question, closed_at=closed_at))
    notifications = services.notifications
    for voter in await store.voters(question.uri):
        await notifications.notify("poll", voter, question.process_uri, question.uri)
    return result


async def due_votes(services: ParticipationServices, now: datetime) -> list[tuple[Question, str]]:
    """The questions to close at ``now``, each with the moment that made it due: its end
    time, or the close of its process."""
    due = []
    for question in await services.votes.unclosed():
        if parse_moment(question.end_time) <= now:
            due.append((question, question.end_time))
            continue
        process = await services.store.get_process(question.process_uri)
        if process is not None and process.current_phase == "closed":
            due.append((question, iso(now)))
    return due


async def close_due_votes(
    services: ParticipationServices, now: datetime | None = None
) -> list[str]:
    """Close every question whose end time has passed or whose process has closed, publishing
    each result; return their ids."""
    moment = now or utc_now()
    due = await due_votes(services, moment)
    for question, due_at in due:
        await close_vote(services, question.uri, at=moment, due_at=due_at)
    return [question.uri for question, _ in due]


async def _remote_question(services: ParticipationServices, question_uri: str) -> ASObject:
    record = await services.objects.record(question_uri)
    if record is not None and record.as_type == "Question" and record.deleted_at is None:
        return parse_object(record.document)
    try:
        found = await services.fetcher.fetch(question_uri)
    except FetchError as exc:
        raise NotFound(
            "the vote could not be found on the node that holds it",
            detail=f"{question_uri}: {exc}",
        ) from exc
    if found.type != "Question" or found.attributed_to is None:
        raise Refused("this poll does not belong to a process", detail=question_uri)
    return found


async def cast_vote(
    services: ParticipationServices, voter: LocalActor, question_uri: str, option: str
) -> str:
    """A local account votes: counted here when the question is ours, otherwise sent to the
    process as Mastodon sends a poll vote. Returns the vote's id."""
    await services.guard.check(voter.uri, "vote")
    vote_id = services.urls.new_object()
    local = await services.votes.question(question_uri)
    if local is not None:
        process = await services.store.get_process(local.process_uri)
        credential = await credential_to_send(services, voter, process)
        await record_vote(
            services, question_uri, voter.uri, option, vote_id, credential, local_voter=True
        )
        return vote_id
    question = await _remote_question(services, question_uri)
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
    credential = await credential_to_send(
        services, voter, await known_process(services, process_uri, fetch=True)
    )
    if credential is not None:
        vote["credential"] = credential

    async def remember() -> None:
        await services.sent_votes.sent(vote_id, voter.uri, question_uri, option)

    await services.outbox.send(
        voter.uri,
        {"id": f"{vote_id}/activity", "type": "Create", "object": vote, "to": [process_uri]},
        [process_uri],
        local_write=remember,
        personal_inboxes=True,
    )
    return vote_id
