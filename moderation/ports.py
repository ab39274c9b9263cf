"""What moderation needs from storage, stated as small protocols.

``node/`` implements them over SQLite; nothing in ``moderation/`` knows SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from moderation.log import LogEntry
from moderation.rate_limit import Decision, Rate

REPORT_STATES = ("open", "resolved", "dismissed")
HIDE_CAUSES = ("hide", "remove", "reports", "suspension")
SANCTION_LEVELS = ("silenced", "suspended")
DOMAIN_RULES = ("allow", "silence", "suspend")


@dataclass(frozen=True)
class NewReport:
    """A report as filed by a resident or received as a Flag from another node."""

    uri: str | None
    reporter: str
    target_account: str
    object_ids: tuple[str, ...]
    comment: str
    origin_host: str | None


@dataclass(frozen=True)
class Report:
    """A report in the moderator queue."""

    id: int
    uri: str | None
    reporter: str
    target_account: str
    object_ids: tuple[str, ...]
    comment: str
    origin_host: str | None
    state: str
    created_at: str


@dataclass(frozen=True)
class Reporters:
    """Who reported an object, counted as the report threshold counts them.

    Every local account counts on its own: this node vouches for its accounts. A
    remote server counts once however many actors it sends reports from, because
    any server can mint actors.
    """

    local_accounts: int
    remote_servers: int


@dataclass(frozen=True)
class HiddenObject:
    """Why an object is hidden, and by whom (a local account, a process, a rule)."""

    object_uri: str
    cause: str
    reason: str
    hidden_by: str
    created_at: str


@dataclass(frozen=True)
class DomainRule:
    """A node's rule about another node: allowed, silenced or suspended."""

    domain: str
    rule: str
    reason: str
    created_at: str


@dataclass(frozen=True)
class AccountFacts:
    """What the spam rules need to know about a local account."""

    created_at: str
    verified: bool


class ReportStore(Protocol):
    """The moderator queue."""

    async def add_report(self, report: NewReport) -> int | None:
        """Store a report; None when a report with that uri was stored before."""
        ...

    async def report(self, report_id: int) -> Report | None:
        """A report by its number."""
        ...

    async def open_reports(self) -> list[Report]:
        """Reports waiting for a moderator, oldest first."""
        ...

    async def set_report_state(self, report_id: int, state: str) -> bool:
        """Resolve or dismiss a report; False when there is no such report."""
        ...

    async def distinct_reporters(self, object_uri: str) -> Reporters:
        """How many different local accounts and remote servers reported an object."""
        ...


class HiddenContentStore(Protocol):
    """Objects hidden by moderators, by a process, by reports or by a suspension."""

    async def hide_object(self, uri: str, cause: str, reason: str, hidden_by: str) -> bool:
        """Hide an object with a public reason; False when it was hidden already."""
        ...

    async def unhide_object(self, uri: str) -> HiddenObject | None:
        """Show an object again; return what hid it, or None when it was not hidden."""
        ...

    async def hidden(self, uri: str) -> HiddenObject | None:
        """Why an object is hidden, or None."""
        ...

    async def audience_of(self, uri: str) -> str | None:
        """The process (``audience``) an object was posted in, if known."""
        ...

    async def hide_by_author(self, author: str, reason: str, hidden_by: str) -> int:
        """Hide every visible object of an account (a suspension); return how many."""
        ...

    async def unhide_by_author(self, author: str) -> int:
        """Show again what a suspension hid; return how many."""
        ...


class SanctionStore(Protocol):
    """Silenced and suspended accounts, local and remote."""

    async def sanction(self, account: str) -> str | None:
        """``"silenced"``, ``"suspended"`` or None."""
        ...

    async def set_sanction(self, account: str, level: str, reason: str) -> None:
        """Silence or suspend an account."""
        ...

    async def lift_sanction(self, account: str) -> bool:
        """Lift a sanction; False when there was none."""
        ...


class ModerationLogStore(Protocol):
    """The public moderation log."""

    async def add_log_entry(
        self,
        action: str,
        subject_kind: str,
        subject: str,
        reason: str,
        role: str,
        process_uri: str | None = None,
    ) -> LogEntry:
        """Append a decision to the log."""
        ...

    async def log_entries(self, limit: int = 100) -> list[LogEntry]:
        """The latest decisions, newest first."""
        ...


class FederationRuleStore(Protocol):
    """The node's federation mode and its rules per domain."""

    async def federation_mode(self) -> str:
        """``open``, ``blocklist`` or ``allowlist``."""
        ...

    async def set_federation_mode(self, mode: str) -> None:
        """Change the mode."""
        ...

    async def domain_rule(self, domain: str) -> DomainRule | None:
        """The rule for exactly this domain."""
        ...

    async def set_domain_rule(self, domain: str, rule: str, reason: str) -> None:
        """Add or replace the rule for a domain."""
        ...

    async def remove_domain_rule(self, domain: str) -> bool:
        """Drop the rule for a domain; False when there was none."""
        ...


class AccountFactsSource(Protocol):
    """Age and verification of local accounts."""

    async def account_facts(self, account: str) -> AccountFacts | None:
        """Facts about a local account, or None when it is not one."""
        ...


class ModerationStore(
    ReportStore,
    HiddenContentStore,
    SanctionStore,
    ModerationLogStore,
    FederationRuleStore,
    AccountFactsSource,
    Protocol,
):
    """Everything moderation keeps, as one node implements it."""


class SharedBuckets(Protocol):
    """Rate-limit buckets that every process of one node reads and spends together, so
    that N web processes give a subject its allowance once, not N times."""

    async def take(self, action: str, subject: str, rate: Rate) -> Decision:
        """Spend one ``action`` of ``subject`` at ``rate`` if its bucket has one left."""
        ...
