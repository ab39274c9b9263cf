"""Storage of agreements between a municipality and a neighbourhood: the document, its
state, the areas with their registrars, and the history of its state."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

from node.participation.models import Agreement, AgreementArea, AgreementChange, Money
from node.storage.database import Database, Row


def _agreement(row: Row) -> Agreement:
    return replace(
        _offered(row["document"]),
        uri=row["uri"],
        municipality=row["municipality"],
        neighbourhood=row["neighbourhood"],
        state=row["state"],
        offered_at=row["offered_at"],
    )


# Every vote in a delegated process reads its agreement; the document never changes
# once offered (only the state does, read from its row), so it is parsed once.
@functools.lru_cache(maxsize=256)
def _offered(document_json: str) -> Agreement:
    """The terms of an agreement document as stored; the row supplies the rest."""
    document = json.loads(document_json)
    budget = document.get("budget")
    return Agreement(
        uri="",
        municipality="",
        neighbourhood="",
        theme=str(document.get("name") or ""),
        delegates=tuple(_many(document["delegates"])),
        budget=Money(float(budget["amount"]), str(budget["currency"])) if budget else None,
        areas=tuple(
            AgreementArea(str(a["postcodeArea"]), a.get("name"), _id(a["registrar"]))
            for a in _many(document["areas"])
        ),
        start=str(document["startTime"]),
        end=str(document["endTime"]),
        state="",
        offered_at="",
    )


def _many(value: Any) -> list[Any]:
    # One value or a list, as JSON-LD may leave a property.
    return value if isinstance(value, list) else [value]


def _id(value: object) -> str:
    # A reference as compacted JSON-LD leaves it: an id, or an object with one.
    return str(value["id"]) if isinstance(value, dict) else str(value)


class AgreementStore:
    """Agreements this node is a party to, over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, agreement: Agreement, document: dict[str, object], actor: str) -> None:
        """Record an offered agreement with its areas and the first line of its history."""
        await self._db.execute(
            "INSERT INTO agreements (uri, municipality, neighbourhood, state, document,"
            " offered_at) VALUES (?, ?, ?, 'offered', ?, ?)",
            (
                agreement.uri,
                agreement.municipality,
                agreement.neighbourhood,
                json.dumps(document),
                agreement.offered_at,
            ),
        )
        await self._db.executemany(
            "INSERT INTO agreement_areas (agreement_uri, postcode_area, registrar, name)"
            " VALUES (?, ?, ?, ?)",
            [(agreement.uri, a.postcode_area, a.registrar, a.name) for a in agreement.areas],
        )
        await self.record_change(agreement.uri, "offered", actor, agreement.offered_at, "")

    async def get(self, uri: str) -> Agreement | None:
        """An agreement by its id (read for every vote in a delegated process)."""
        row = await self._db.lookup("SELECT * FROM agreements WHERE uri = ?", (uri,))
        return _agreement(row) if row else None

    async def document(self, uri: str) -> dict[str, object] | None:
        """The agreement document as it was offered."""
        raw = await self._db.fetch_value("SELECT document FROM agreements WHERE uri = ?", (uri,))
        return json.loads(raw) if raw else None

    async def all(self) -> list[Agreement]:
        """Every agreement, newest first."""
        rows = await self._db.fetch_all("SELECT * FROM agreements ORDER BY offered_at DESC, uri")
        return [_agreement(r) for r in rows]

    async def move(
        self, uri: str, current: str, new: str, actor: str, at: str, reason: str
    ) -> bool:
        """Change the state from ``current`` to ``new`` and note it in the history; False
        when the agreement was no longer ``current`` (someone moved it first)."""
        changed = await self._db.execute_rowcount(
            "UPDATE agreements SET state = ? WHERE uri = ? AND state = ?", (new, uri, current)
        )
        if changed:
            await self.record_change(uri, new, actor, at, reason)
        return changed == 1

    async def record_change(self, uri: str, state: str, actor: str, at: str, reason: str) -> None:
        """Add one line to an agreement's history."""
        await self._db.execute(
            "INSERT INTO agreement_history (agreement_uri, state, actor, at, reason)"
            " VALUES (?, ?, ?, ?, ?)",
            (uri, state, actor, at, reason),
        )

    async def history(self, uri: str) -> list[AgreementChange]:
        """Every change of an agreement's state, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT state, actor, at, reason FROM agreement_history WHERE agreement_uri = ?"
            " ORDER BY id",
            (uri,),
        )
        return [AgreementChange(r["state"], r["actor"], r["at"], r["reason"]) for r in rows]

    async def other_registrar(
        self, postcode_area: str, registrar: str, other_than: str = ""
    ) -> tuple[str, str] | None:
        """(agreement, registrar) of an agreement on offer or accepted (those claim their
        areas) that names another registrar for the area, if any."""
        row = await self._db.fetch_one(
            "SELECT r.agreement_uri, r.registrar FROM agreement_areas r"
            " JOIN agreements a ON a.uri = r.agreement_uri"
            " WHERE r.postcode_area = ? AND r.registrar != ? AND a.uri != ?"
            " AND a.state IN ('offered', 'accepted') ORDER BY a.offered_at LIMIT 1",
            (postcode_area, registrar, other_than),
        )
        return (row[0], row[1]) if row else None

    async def delegated_processes(self, uri: str) -> list[tuple[str, str, bool]]:
        """(id, title, local) of the processes known here that name the agreement."""
        rows = await self._db.fetch_all(
            "SELECT uri, title, local FROM processes WHERE agreement_uri = ? ORDER BY title",
            (uri,),
        )
        return [(r["uri"], r["title"], bool(r["local"])) for r in rows]
