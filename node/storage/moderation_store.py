"""Moderation over SQLite: the report queue, hidden content, sanctions, process
moderators, the federation policy and the public log."""

from __future__ import annotations

import json
from typing import Any

from moderation.log import LogEntry
from moderation.ports import (
    AccountFacts,
    DomainRule,
    HiddenObject,
    NewReport,
    Report,
    Reporters,
)
from node.clock import iso_now
from node.storage.database import Database, Row

DEFAULT_MODE = "open"

# Public listings leave out limited and suspended accounts and, in blocklist mode,
# everything from silenced or suspended nodes (and their subdomains); the posts
# themselves stay reachable by their address.
LISTED_OBJECT_SQL = (
    "COALESCE(objects.attributed_to, '') NOT IN (SELECT account FROM account_sanctions)"
    " AND NOT EXISTS (SELECT 1 FROM domain_rules d WHERE d.rule <> 'allow'"
    " AND (SELECT value FROM federation_settings WHERE key = 'mode') = 'blocklist'"
    " AND (objects.uri LIKE '%://' || d.domain || '/%'"
    " OR objects.uri LIKE '%.' || d.domain || '/%'))"
)


def _hidden(row: Row) -> HiddenObject:
    return HiddenObject(
        object_uri=row["object_uri"],
        cause=row["cause"],
        reason=row["reason"],
        hidden_by=row["hidden_by"],
        created_at=row["created_at"],
    )


def _log_entry(row: Row) -> LogEntry:
    return LogEntry(
        id=row["id"],
        action=row["action"],
        subject_kind=row["subject_kind"],
        subject=row["subject"],
        reason=row["reason"],
        role=row["role"],
        process_uri=row["process_uri"],
        created_at=row["created_at"],
    )


class ModerationRepository:
    """Implements moderation's ModerationStore."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_report(self, report: NewReport) -> int | None:
        """Store a report with its objects; None when its uri is known already."""
        async with self._db.transaction():
            if report.uri is not None and await self._db.fetch_value(
                "SELECT 1 FROM reports WHERE uri = ?", (report.uri,)
            ):
                return None
            report_id = await self._db.execute(
                "INSERT INTO reports (uri, reporter, target_account, comment, origin_host,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    report.uri,
                    report.reporter,
                    report.target_account,
                    report.comment,
                    report.origin_host,
                    iso_now(),
                ),
            )
            await self._db.executemany(
                "INSERT OR IGNORE INTO report_objects (report_id, object_uri) VALUES (?, ?)",
                [(report_id, uri) for uri in report.object_ids],
            )
        return report_id

    async def report(self, report_id: int) -> Report | None:
        """A report by number."""
        reports = await self._reports("WHERE id = ?", (report_id,))
        return reports[0] if reports else None

    async def open_reports(self) -> list[Report]:
        """Open reports, oldest first."""
        return await self._reports("WHERE state = 'open'", ())

    async def _reports(self, where: str, params: tuple[object, ...]) -> list[Report]:
        rows = await self._db.fetch_all(f"SELECT * FROM reports {where} ORDER BY id", params)
        found = []
        for row in rows:
            objects = await self._db.fetch_all(
                "SELECT object_uri FROM report_objects WHERE report_id = ? ORDER BY object_uri",
                (row["id"],),
            )
            found.append(
                Report(
                    id=row["id"],
                    uri=row["uri"],
                    reporter=row["reporter"],
                    target_account=row["target_account"],
                    object_ids=tuple(o[0] for o in objects),
                    comment=row["comment"],
                    origin_host=row["origin_host"],
                    state=row["state"],
                    created_at=row["created_at"],
                )
            )
        return found

    async def set_report_state(self, report_id: int, state: str) -> bool:
        """Resolve or dismiss a report."""
        changed = await self._db.execute_rowcount(
            "UPDATE reports SET state = ? WHERE id = ?", (state, report_id)
        )
        return changed > 0

    async def distinct_reporters(self, object_uri: str) -> Reporters:
        """Different local reporters and different reporting servers of an object.

        A local report has no ``origin_host``; a Flag carries its sender's host.
        """
        row = await self._db.fetch_one(
            "SELECT COUNT(DISTINCT CASE WHEN r.origin_host IS NULL THEN r.reporter END),"
            " COUNT(DISTINCT r.origin_host) FROM reports r"
            " JOIN report_objects o ON o.report_id = r.id WHERE o.object_uri = ?",
            (object_uri,),
        )
        assert row is not None
        return Reporters(local_accounts=int(row[0]), remote_servers=int(row[1]))

    async def hide_object(self, uri: str, cause: str, reason: str, hidden_by: str) -> bool:
        """Hide an object; the reason is what pages show instead of it."""
        async with self._db.transaction():
            added = await self._db.execute_rowcount(
                "INSERT OR IGNORE INTO hidden_objects (object_uri, cause, reason, hidden_by,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (uri, cause, reason, hidden_by, iso_now()),
            )
            if added:
                await self._db.execute(
                    "UPDATE objects SET hidden_reason = ? WHERE uri = ?", (reason, uri)
                )
        return added > 0

    async def unhide_object(self, uri: str) -> HiddenObject | None:
        """Show an object again."""
        async with self._db.transaction():
            hidden = await self.hidden(uri)
            if hidden is not None:
                await self._db.execute("DELETE FROM hidden_objects WHERE object_uri = ?", (uri,))
                await self._db.execute(
                    "UPDATE objects SET hidden_reason = NULL WHERE uri = ?", (uri,)
                )
        return hidden

    async def hidden(self, uri: str) -> HiddenObject | None:
        """Why an object is hidden."""
        row = await self._db.fetch_one("SELECT * FROM hidden_objects WHERE object_uri = ?", (uri,))
        return _hidden(row) if row else None

    async def audience_of(self, uri: str) -> str | None:
        """The process an object was posted in."""
        return await self._db.fetch_value("SELECT audience FROM objects WHERE uri = ?", (uri,))

    async def hide_by_author(self, author: str, reason: str, hidden_by: str) -> int:
        """Hide every object of an account that is not hidden yet."""
        async with self._db.transaction():
            count = await self._db.execute_rowcount(
                "INSERT OR IGNORE INTO hidden_objects (object_uri, cause, reason, hidden_by,"
                " created_at) SELECT uri, 'suspension', ?, ?, ? FROM objects"
                " WHERE attributed_to = ?",
                (reason, hidden_by, iso_now(), author),
            )
            await self._db.execute(
                "UPDATE objects SET hidden_reason = ? WHERE attributed_to = ?"
                " AND hidden_reason IS NULL",
                (reason, author),
            )
        return count

    async def unhide_by_author(self, author: str) -> int:
        """Show again what a suspension of this account hid."""
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE objects SET hidden_reason = NULL WHERE uri IN (SELECT object_uri FROM"
                " hidden_objects WHERE cause = 'suspension' AND object_uri IN"
                " (SELECT uri FROM objects WHERE attributed_to = ?))",
                (author,),
            )
            return await self._db.execute_rowcount(
                "DELETE FROM hidden_objects WHERE cause = 'suspension' AND object_uri IN"
                " (SELECT uri FROM objects WHERE attributed_to = ?)",
                (author,),
            )

    async def sanction(self, account: str) -> str | None:
        """The sanction on an account."""
        row = await self._db.lookup(
            "SELECT level FROM account_sanctions WHERE account = ?", (account,)
        )
        return row[0] if row is not None else None

    async def set_sanction(self, account: str, level: str, reason: str) -> None:
        """Silence or suspend an account."""
        await self._db.execute(
            "INSERT INTO account_sanctions (account, level, reason, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET level = excluded.level,"
            " reason = excluded.reason, created_at = excluded.created_at",
            (account, level, reason, iso_now()),
        )

    async def lift_sanction(self, account: str) -> bool:
        """Lift a sanction."""
        removed = await self._db.execute_rowcount(
            "DELETE FROM account_sanctions WHERE account = ?", (account,)
        )
        return removed > 0

    async def add_log_entry(
        self,
        action: str,
        subject_kind: str,
        subject: str,
        reason: str,
        role: str,
        process_uri: str | None = None,
    ) -> LogEntry:
        """Append to the public log."""
        entry_id = await self._db.execute(
            "INSERT INTO moderation_log (action, subject_kind, subject, reason, role,"
            " process_uri, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (action, subject_kind, subject, reason, role, process_uri, iso_now()),
        )
        row = await self._db.fetch_one("SELECT * FROM moderation_log WHERE id = ?", (entry_id,))
        assert row is not None
        return _log_entry(row)

    async def log_entries(self, limit: int = 100) -> list[LogEntry]:
        """The latest entries, newest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM moderation_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_log_entry(r) for r in rows]

    async def federation_mode(self) -> str:
        """The federation mode; open until a moderator changes it."""
        row = await self._db.lookup("SELECT value FROM federation_settings WHERE key = 'mode'")
        return (row[0] if row is not None else None) or DEFAULT_MODE

    async def set_federation_mode(self, mode: str) -> None:
        """Change the federation mode."""
        await self._db.execute(
            "INSERT INTO federation_settings (key, value) VALUES ('mode', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (mode,),
        )

    async def domain_rule(self, domain: str) -> DomainRule | None:
        """The rule for exactly this domain."""
        row = await self._db.lookup("SELECT * FROM domain_rules WHERE domain = ?", (domain,))
        if row is None:
            return None
        return DomainRule(row["domain"], row["rule"], row["reason"], row["created_at"])

    async def domain_rules(self) -> list[DomainRule]:
        """Every domain rule, by domain."""
        rows = await self._db.fetch_all("SELECT * FROM domain_rules ORDER BY domain")
        return [DomainRule(r["domain"], r["rule"], r["reason"], r["created_at"]) for r in rows]

    async def set_domain_rule(self, domain: str, rule: str, reason: str) -> None:
        """Add or replace a domain's rule."""
        await self._db.execute(
            "INSERT INTO domain_rules (domain, rule, reason, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (domain) DO UPDATE SET rule = excluded.rule,"
            " reason = excluded.reason, created_at = excluded.created_at",
            (domain, rule, reason, iso_now()),
        )

    async def remove_domain_rule(self, domain: str) -> bool:
        """Drop a domain's rule."""
        removed = await self._db.execute_rowcount(
            "DELETE FROM domain_rules WHERE domain = ?", (domain,)
        )
        return removed > 0

    async def account_facts(self, account: str) -> AccountFacts | None:
        """Age and verification of a local account: staff and verified residents count
        as verified."""
        row = await self._db.fetch_one(
            "SELECT c.created_at, c.role, EXISTS (SELECT 1 FROM residents r"
            " WHERE r.actor_uri = a.uri) AS resident FROM accounts c"
            " JOIN local_actors a ON a.id = c.actor_id WHERE a.uri = ?",
            (account,),
        )
        if row is None:
            return None
        return AccountFacts(
            created_at=row["created_at"],
            verified=row["role"] != "resident" or bool(row["resident"]),
        )

    async def add_process_moderator(self, process_uri: str, account: str) -> None:
        """Make a local account a moderator of a process."""
        await self._db.execute(
            "INSERT OR IGNORE INTO process_moderators (process_uri, account, created_at)"
            " VALUES (?, ?, ?)",
            (process_uri, account, iso_now()),
        )

    async def is_process_moderator(self, process_uri: str, account: str) -> bool:
        """Whether an account moderates a process."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM process_moderators WHERE process_uri = ? AND account = ?",
            (process_uri, account),
        )
        return found == 1

    async def pending_delivery_hosts(self) -> list[str]:
        """Hosts with deliveries still queued, to cancel them when a domain is blocked."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT host FROM deliveries WHERE state = 'pending' ORDER BY host"
        )
        return [r[0] for r in rows]

    async def last_sent(
        self, actor: str, activity_type: str, object_id: str
    ) -> dict[str, Any] | None:
        """The latest activity of a type an actor sent about an object (to embed in an Undo)."""
        document = await self._db.fetch_value(
            "SELECT document FROM outbox WHERE actor = ? AND type = ? AND object = ?"
            " ORDER BY id DESC LIMIT 1",
            (actor, activity_type, object_id),
        )
        return json.loads(document) if document else None

    async def follow_pairs(self) -> list[tuple[str, str]]:
        """Every (follower, followed) pair, to drop those of a blocked domain."""
        rows = await self._db.fetch_all("SELECT follower, followed FROM follows ORDER BY id")
        return [(r[0], r[1]) for r in rows]
