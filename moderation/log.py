"""The public moderation log: what was done, to which object, account or domain, why,
and by which role.

An entry never names the person who reported something, nor the individual
moderator: transparency about decisions, privacy for the people involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Roles as the log shows them; the reporter is deliberately not among them.
ROLE_NODE_MODERATORS = "node moderators"
ROLE_PROCESS_MODERATORS = "process moderators"
ROLE_ADMIN = "node administrators"
ROLE_AUTOMATIC = "automatic rule"
ROLE_ORGANISERS = "organisers"

ACTION_LABELS = {
    "hide": ("verborgen", "hidden"),
    "restore": ("hersteld", "restored"),
    "remove": ("verwijderd", "removed"),
    "warn": ("gewaarschuwd", "warned"),
    "silence": ("beperkt", "limited"),
    "suspend": ("geschorst", "suspended"),
    "unsuspend": ("schorsing opgeheven", "suspension lifted"),
    "block": ("geblokkeerd", "blocked"),
    "allow": ("toegelaten", "allowed"),
    "unblock": ("blokkade opgeheven", "unblocked"),
    "mode": ("federatiebeleid gewijzigd", "federation policy changed"),
    "role": ("rol gewijzigd", "role changed"),
    "approve": ("aanmelding goedgekeurd", "sign-up approved"),
    "reject": ("aanmelding afgewezen", "sign-up rejected"),
    "invite": ("uitnodiging gemaakt, geldig tot", "invitation made, valid until"),
    "letters": (
        "brieven met codes gemaakt voor postcodegebied",
        "letters with codes made for postcode area",
    ),
}


@dataclass(frozen=True)
class LogEntry:
    """One public moderation decision."""

    id: int
    action: str
    subject_kind: str
    subject: str
    reason: str
    role: str
    process_uri: str | None
    created_at: str

    @property
    def label_nl(self) -> str:
        """The action in Dutch, for the page."""
        return ACTION_LABELS.get(self.action, (self.action, self.action))[0]

    @property
    def label_en(self) -> str:
        """The action in English, for the page."""
        return ACTION_LABELS.get(self.action, (self.action, self.action))[1]


def public_entry(entry: LogEntry) -> dict[str, Any]:
    """The JSON form of an entry, as ``/moderation.json`` publishes it."""
    return {
        "id": entry.id,
        "action": entry.action,
        "subject_kind": entry.subject_kind,
        "subject": entry.subject,
        "reason": entry.reason,
        "role": entry.role,
        "process": entry.process_uri,
        "created_at": entry.created_at,
    }
