"""SQLite storage of processes, proposals, the status trail, supports and responses."""

from __future__ import annotations

import json

from node.clock import iso_now
from node.participation.models import (
    DEFAULT_VOTING_OPTIONS,
    Budget,
    Money,
    OfficialResponse,
    Phase,
    Process,
    Proposal,
    StatusChange,
)
from node.storage.change_marks import ChangeMarks
from node.storage.database import Database, Row

# How many of their own proposals, supports or votes a resident sees on one page.
OWN_LIST_LIMIT = 100


def _process(row: Row) -> Process:
    budget = None
    if row["budget_amount"] is not None:
        budget = Budget(
            amount=row["budget_amount"],
            currency=row["budget_currency"],
            min_picks=row["min_picks"],
            max_picks=row["max_picks"],
        )
    options = json.loads(row["voting_options"]) if row["voting_options"] else None
    return Process(
        uri=row["uri"],
        local=bool(row["local"]),
        slug=row["slug"],
        title=row["title"],
        summary=row["summary"],
        archetype=row["archetype"],
        phases=tuple(Phase(**p) for p in json.loads(row["phases"])),
        current_phase=row["current_phase"],
        eligibility=row["eligibility"],
        threshold_count=row["threshold_count"],
        threshold_share=row["threshold_share"],
        electorate_size=row["electorate_size"],
        budget=budget,
        voting_options=tuple(options) if options else DEFAULT_VOTING_OPTIONS,
        hosted_by=row["hosted_by"],
        per_server_cap=row["per_server_cap"],
        min_account_age_days=row["min_account_age_days"],
        agreement=row["agreement_uri"],
    )


def _proposal(row: Row) -> Proposal:
    cost = None
    if row["cost_amount"] is not None:
        cost = Money(row["cost_amount"], row["cost_currency"])
    return Proposal(
        uri=row["uri"],
        process_uri=row["process_uri"],
        author=row["author"],
        title=row["title"],
        cost=cost,
        area=row["area"],
        status=row["status"],
        progress=row["progress"],
        awaiting_response=bool(row["awaiting_response"]),
        question_uri=row["question_uri"],
        local=bool(row["local"]),
        published=row["published"],
        merged_into=row["merged_into"],
    )


def _status_change(row: Row) -> StatusChange:
    return StatusChange(
        proposal_uri=row["proposal_uri"],
        status=row["status"],
        previous_status=row["previous_status"],
        reason=row["reason"],
        actor=row["actor"],
        progress=row["progress"],
        published=row["published"],
    )


class ParticipationStore:
    """Reads and writes the participation tables; multi-row changes run in the caller's
    transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Proposals of local processes whose support count has not gone out yet.
        self.changed_counts = ChangeMarks(db, "pending_support_counts", "proposal_uri")

    async def get_process(self, uri: str) -> Process | None:
        """A process, local or remote, by its Group actor id."""
        row = await self.db.lookup("SELECT * FROM processes WHERE uri = ?", (uri,))
        return _process(row) if row else None

    async def local_process_by_slug(self, slug: str) -> Process | None:
        """A process this node hosts, by the slug in its address."""
        row = await self.db.fetch_one(
            "SELECT * FROM processes WHERE local = 1 AND slug = ?", (slug,)
        )
        return _process(row) if row else None

    async def local_processes(self) -> list[Process]:
        """Every process this node hosts, newest first."""
        return await self._processes(local=True)

    async def remote_processes(self) -> list[Process]:
        """Every process of another node known here (followed, or met in a post), newest first."""
        return await self._processes(local=False)

    async def _processes(self, *, local: bool) -> list[Process]:
        rows = await self.db.fetch_all(
            "SELECT * FROM processes WHERE local = ? ORDER BY created_at DESC", (int(local),)
        )
        return [_process(r) for r in rows]

    async def remote_processes_by_slug(self, slug: str) -> list[Process]:
        """The processes of other nodes whose address ends in ``slug``."""
        rows = await self.db.fetch_all(
            "SELECT * FROM processes WHERE local = 0 AND slug = ?", (slug,)
        )
        return [_process(r) for r in rows]

    async def save_process(self, process: Process) -> None:
        """Insert a process or replace what we knew of it."""
        now = iso_now()
        budget = process.budget
        await self.db.execute(
            "INSERT INTO processes (uri, local, slug, title, summary, archetype, phases,"
            " current_phase, eligibility, threshold_count, threshold_share, electorate_size,"
            " budget_amount, budget_currency, min_picks, max_picks, voting_options, hosted_by,"
            " per_server_cap, min_account_age_days, agreement_uri, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (uri) DO UPDATE SET slug = excluded.slug,"
            " title = excluded.title, summary = excluded.summary,"
            " archetype = excluded.archetype, phases = excluded.phases,"
            " current_phase = excluded.current_phase, eligibility = excluded.eligibility,"
            " threshold_count = excluded.threshold_count,"
            " threshold_share = excluded.threshold_share,"
            " electorate_size = excluded.electorate_size,"
            " budget_amount = excluded.budget_amount, budget_currency = excluded.budget_currency,"
            " min_picks = excluded.min_picks, max_picks = excluded.max_picks,"
            " voting_options = excluded.voting_options, hosted_by = excluded.hosted_by,"
            " per_server_cap = excluded.per_server_cap,"
            " min_account_age_days = excluded.min_account_age_days,"
            " agreement_uri = excluded.agreement_uri, updated_at = excluded.updated_at",
            (
                process.uri,
                int(process.local),
                process.slug,
                process.title,
                process.summary,
                process.archetype,
                json.dumps([p.__dict__ for p in process.phases]),
                process.current_phase,
                process.eligibility,
                process.threshold_count,
                process.threshold_share,
                process.electorate_size,
                budget.amount if budget else None,
                budget.currency if budget else None,
                budget.min_picks if budget else None,
                budget.max_picks if budget else None,
                json.dumps(list(process.voting_options)),
                process.hosted_by,
                process.per_server_cap,
                process.min_account_age_days,
                process.agreement,
                now,
                now,
            ),
        )

    async def get_proposal(self, uri: str) -> Proposal | None:
        """A proposal by its id."""
        row = await self.db.lookup("SELECT * FROM proposals WHERE uri = ?", (uri,))
        return _proposal(row) if row else None

    async def proposals_of(self, process_uri: str) -> list[Proposal]:
        """The proposals of a process, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM proposals WHERE process_uri = ? ORDER BY published, uri",
            (process_uri,),
        )
        return [_proposal(r) for r in rows]

    async def proposals_by(self, author: str, limit: int = OWN_LIST_LIMIT) -> list[Proposal]:
        """The proposals of one author, in any process, newest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM proposals WHERE author = ? ORDER BY published DESC, uri LIMIT ?",
            (author, limit),
        )
        return [_proposal(r) for r in rows]

    async def supported_by(self, actor: str, limit: int = OWN_LIST_LIMIT) -> list[Proposal]:
        """The proposals one actor supports, the latest support first."""
        rows = await self.db.fetch_all(
            "SELECT p.* FROM proposals p JOIN supports s ON s.proposal_uri = p.uri"
            " WHERE s.actor = ? ORDER BY s.created_at DESC, p.uri LIMIT ?",
            (actor, limit),
        )
        return [_proposal(r) for r in rows]

    async def save_proposal(self, proposal: Proposal) -> None:
        """Insert a proposal or replace what we knew of it."""
        cost = proposal.cost
        await self.db.execute(
            "INSERT INTO proposals (uri, process_uri, author, title, cost_amount, cost_currency,"
            " area, status, progress, awaiting_response, question_uri, local, published,"
            " updated_at, merged_into) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (uri) DO UPDATE SET title = excluded.title,"
            " cost_amount = excluded.cost_amount, cost_currency = excluded.cost_currency,"
            " area = excluded.area, status = excluded.status, progress = excluded.progress,"
            " awaiting_response = excluded.awaiting_response,"
            " question_uri = excluded.question_uri, updated_at = excluded.updated_at,"
            " merged_into = excluded.merged_into",
            (
                proposal.uri,
                proposal.process_uri,
                proposal.author,
                proposal.title,
                cost.amount if cost else None,
                cost.currency if cost else None,
                proposal.area,
                proposal.status,
                proposal.progress,
                int(proposal.awaiting_response),
                proposal.question_uri,
                int(proposal.local),
                proposal.published,
                iso_now(),
                proposal.merged_into,
            ),
        )

    async def add_status_change(self, change: StatusChange) -> bool:
        """Append a step to the trail; False when that exact step is already recorded."""
        count = await self.db.execute_rowcount(
            "INSERT OR IGNORE INTO status_changes (proposal_uri, status, previous_status,"
            " reason, actor, progress, published) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                change.proposal_uri,
                change.status,
                change.previous_status,
                change.reason,
                change.actor,
                change.progress,
                change.published,
            ),
        )
        return count > 0

    async def status_trail(self, proposal_uri: str) -> list[StatusChange]:
        """Every status change of a proposal, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM status_changes WHERE proposal_uri = ? ORDER BY published, id",
            (proposal_uri,),
        )
        return [_status_change(r) for r in rows]

    async def decision_log(self, process_uri: str) -> list[StatusChange]:
        """Every status change of every proposal of a process, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT s.* FROM status_changes s JOIN proposals p ON p.uri = s.proposal_uri"
            " WHERE p.process_uri = ? ORDER BY s.published, s.id",
            (process_uri,),
        )
        return [_status_change(r) for r in rows]

    async def take_newer_view(self, proposal_uri: str, seen_at: float) -> bool:
        """Note the time of a remote process's view of a proposal; False, and nothing
        noted, when a view as new or newer was taken already."""
        taken = await self.db.execute_rowcount(
            "INSERT INTO process_views (proposal_uri, seen_at) VALUES (?, ?)"
            " ON CONFLICT (proposal_uri) DO UPDATE SET seen_at = excluded.seen_at"
            " WHERE excluded.seen_at > process_views.seen_at",
            (proposal_uri, seen_at),
        )
        return taken > 0

    async def add_support(self, activity_id: str, proposal_uri: str, actor: str) -> bool:
        """Count a support; False when this actor already supports the proposal."""
        count = await self.db.execute_rowcount(
            "INSERT OR IGNORE INTO supports (activity_id, proposal_uri, actor, created_at)"
            " VALUES (?, ?, ?, ?)",
            (activity_id, proposal_uri, actor, iso_now()),
        )
        return count > 0

    async def remove_support(self, proposal_uri: str, actor: str) -> bool:
        """Withdraw a support; False when there was none."""
        count = await self.db.execute_rowcount(
            "DELETE FROM supports WHERE proposal_uri = ? AND actor = ?", (proposal_uri, actor)
        )
        return count > 0

    async def support_activity(self, proposal_uri: str, actor: str) -> str | None:
        """The id of the Like that counts as this actor's support, if any."""
        return await self.db.fetch_value(
            "SELECT activity_id FROM supports WHERE proposal_uri = ? AND actor = ?",
            (proposal_uri, actor),
        )

    async def support_by_activity(self, activity_id: str) -> tuple[str, str] | None:
        """(proposal, actor) of the support a Like activity counts as, if any."""
        row = await self.db.fetch_one(
            "SELECT proposal_uri, actor FROM supports WHERE activity_id = ?", (activity_id,)
        )
        return (row["proposal_uri"], row["actor"]) if row else None

    async def support_count(self, proposal_uri: str) -> int:
        """How many actors support a proposal or a duplicate merged into it (one who
        supported both counts once)."""
        return await self.db.fetch_value(
            "SELECT count(DISTINCT s.actor) FROM supports s"
            " JOIN proposals p ON p.uri = s.proposal_uri"
            " WHERE p.uri = ? OR p.merged_into = ?",
            (proposal_uri, proposal_uri),
        )

    async def support_counts(self, process_uri: str) -> dict[str, int]:
        """How many actors support each proposal of a process (those with any), with
        the supporters of the duplicates merged into it."""
        rows = await self.db.fetch_all(
            "SELECT t.uri, count(DISTINCT s.actor) FROM proposals t"
            " JOIN proposals p ON p.uri = t.uri OR p.merged_into = t.uri"
            " JOIN supports s ON s.proposal_uri = p.uri WHERE t.process_uri = ?"
            " GROUP BY t.uri",
            (process_uri,),
        )
        return {r[0]: int(r[1]) for r in rows}

    async def supported_in(self, process_uri: str, actor: str) -> set[str]:
        """The proposals of a process that ``actor`` supports."""
        rows = await self.db.fetch_all(
            "SELECT s.proposal_uri FROM supports s JOIN proposals p ON p.uri = s.proposal_uri"
            " WHERE p.process_uri = ? AND s.actor = ?",
            (process_uri, actor),
        )
        return {r[0] for r in rows}

    async def merged_into(self, proposal_uri: str) -> list[Proposal]:
        """The duplicates merged into a proposal."""
        rows = await self.db.fetch_all(
            "SELECT * FROM proposals WHERE merged_into = ? ORDER BY published", (proposal_uri,)
        )
        return [_proposal(r) for r in rows]

    async def supporters(self, proposal_uri: str) -> list[str]:
        """The actors supporting a proposal, earliest first."""
        rows = await self.db.fetch_all(
            "SELECT actor FROM supports WHERE proposal_uri = ? ORDER BY created_at, activity_id",
            (proposal_uri,),
        )
        return [r["actor"] for r in rows]

    async def save_stance(self, comment_uri: str, proposal_uri: str, stance: str | None) -> None:
        """Record that a comment belongs to a proposal's thread, with its stance if any."""
        await self.db.execute(
            "INSERT INTO comment_stances (comment_uri, proposal_uri, stance) VALUES (?, ?, ?)"
            " ON CONFLICT (comment_uri) DO UPDATE SET stance = excluded.stance",
            (comment_uri, proposal_uri, stance),
        )

    async def stances_of(self, proposal_uri: str) -> dict[str, str | None]:
        """Comment id → stance for every comment in a proposal's thread."""
        rows = await self.db.fetch_all(
            "SELECT comment_uri, stance FROM comment_stances WHERE proposal_uri = ?",
            (proposal_uri,),
        )
        return {r["comment_uri"]: r["stance"] for r in rows}

    async def stances_in(self, process_uri: str) -> dict[str, list[str | None]]:
        """The stances of the comments under each proposal of a process."""
        rows = await self.db.fetch_all(
            "SELECT c.proposal_uri, c.stance FROM comment_stances c"
            " JOIN proposals p ON p.uri = c.proposal_uri WHERE p.process_uri = ?",
            (process_uri,),
        )
        found: dict[str, list[str | None]] = {}
        for row in rows:
            found.setdefault(row[0], []).append(row[1])
        return found

    async def proposal_of_comment(self, comment_uri: str) -> str | None:
        """The proposal whose thread a comment is in."""
        return await self.db.fetch_value(
            "SELECT proposal_uri FROM comment_stances WHERE comment_uri = ?", (comment_uri,)
        )

    async def add_official_response(self, response: OfficialResponse) -> None:
        """Record a reply as the official response to a proposal."""
        await self.db.execute(
            "INSERT OR IGNORE INTO official_responses (response_uri, proposal_uri, actor,"
            " published) VALUES (?, ?, ?, ?)",
            (response.response_uri, response.proposal_uri, response.actor, response.published),
        )

    async def official_response_counts(self, process_uri: str) -> dict[str, int]:
        """How many official responses each proposal of a process has (those with any)."""
        rows = await self.db.fetch_all(
            "SELECT r.proposal_uri, count(*) FROM official_responses r"
            " JOIN proposals p ON p.uri = r.proposal_uri WHERE p.process_uri = ?"
            " GROUP BY r.proposal_uri",
            (process_uri,),
        )
        return {r[0]: int(r[1]) for r in rows}

    async def official_responses(self, proposal_uri: str) -> list[OfficialResponse]:
        """Official responses to a proposal, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM official_responses WHERE proposal_uri = ? ORDER BY published",
            (proposal_uri,),
        )
        return [
            OfficialResponse(r["response_uri"], r["proposal_uri"], r["actor"], r["published"])
            for r in rows
        ]
