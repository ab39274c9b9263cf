"""Storage of the registrar (which actor holds which register slot, the codes posted per
slot, the credentials issued, the secret of their pseudonyms) and, on the counting
side, the credentials their registrar withdrew."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from node.storage.database import Database, Row


@dataclass(frozen=True)
class Binding:
    """A register slot (address × resident number) bound to one actor."""

    id: int
    address_key: str
    resident_number: int
    postcode_area: str
    actor_uri: str
    method: str
    bound_at: str

    @property
    def slot(self) -> str:
        """The slot as one string: the same for whoever holds it."""
        return f"{self.address_key}#{self.resident_number}"


def _binding(row: Row) -> Binding:
    return Binding(
        id=row["id"],
        address_key=row["address_key"],
        resident_number=row["resident_number"],
        postcode_area=row["postcode_area"],
        actor_uri=row["actor_uri"],
        method=row["method"],
        bound_at=row["bound_at"],
    )


class RegisterStore:
    """Register slots, their bindings, codes and issued credentials, over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def secret(self) -> bytes:
        """The registrar's secret for pseudonyms, made on first use and kept."""
        kept = await self._db.fetch_value("SELECT secret FROM registrar_secret WHERE id = 1")
        if kept is None:
            await self._db.execute(
                "INSERT OR IGNORE INTO registrar_secret (id, secret) VALUES (1, ?)",
                (secrets.token_hex(32),),
            )
            kept = await self._db.fetch_value("SELECT secret FROM registrar_secret WHERE id = 1")
        return bytes.fromhex(kept)

    async def holder_of(self, address_key: str, resident_number: int) -> Binding | None:
        """The binding that holds a slot now, if any."""
        row = await self._db.fetch_one(
            "SELECT * FROM register_bindings WHERE address_key = ? AND resident_number = ?"
            " AND revoked_at IS NULL",
            (address_key, resident_number),
        )
        return _binding(row) if row else None

    async def binding_of(self, actor_uri: str) -> Binding | None:
        """The slot an actor holds now, if any."""
        row = await self._db.fetch_one(
            "SELECT * FROM register_bindings WHERE actor_uri = ? AND revoked_at IS NULL",
            (actor_uri,),
        )
        return _binding(row) if row else None

    async def bound_numbers(self, address_key: str) -> set[int]:
        """The resident numbers of an address whose slots are held now."""
        rows = await self._db.fetch_all(
            "SELECT resident_number FROM register_bindings WHERE address_key = ?"
            " AND revoked_at IS NULL",
            (address_key,),
        )
        return {r[0] for r in rows}

    async def bind(
        self, address_key: str, number: int, area: str, actor_uri: str, method: str, at: str
    ) -> Binding:
        """Bind a free slot to an actor."""
        binding_id = await self._db.execute(
            "INSERT INTO register_bindings (address_key, resident_number, postcode_area,"
            " actor_uri, method, bound_at) VALUES (?, ?, ?, ?, ?, ?)",
            (address_key, number, area, actor_uri, method, at),
        )
        return Binding(binding_id, address_key, number, area, actor_uri, method, at)

    async def revoke(self, binding_id: int, at: str, reason: str) -> list[Row]:
        """Withdraw a binding and its credentials; return those credentials (id, process)."""
        await self._db.execute(
            "UPDATE register_bindings SET revoked_at = ?, revoked_reason = ? WHERE id = ?",
            (at, reason, binding_id),
        )
        rows = await self._db.fetch_all(
            "SELECT id, process_uri FROM issued_credentials WHERE binding_id = ?"
            " AND revoked_at IS NULL ORDER BY id",
            (binding_id,),
        )
        await self._db.execute(
            "UPDATE issued_credentials SET revoked_at = ? WHERE binding_id = ?"
            " AND revoked_at IS NULL",
            (at, binding_id),
        )
        return rows

    async def add_slot_code(
        self, code_hash: str, address_key: str, number: int, area: str, at: str
    ) -> None:
        """Remember a code posted for one slot, by its hash only."""
        await self._db.execute(
            "INSERT INTO slot_codes (code_hash, address_key, resident_number, postcode_area,"
            " issued_at) VALUES (?, ?, ?, ?, ?)",
            (code_hash, address_key, number, area, at),
        )

    async def slot_code(self, code_hash: str) -> Row | None:
        """A posted slot code by its hash."""
        return await self._db.fetch_one(
            "SELECT * FROM slot_codes WHERE code_hash = ?", (code_hash,)
        )

    async def redeem_slot_code(self, code_hash: str, actor_uri: str, at: str) -> bool:
        """Mark a slot code used; False when it was used already (it works once)."""
        changed = await self._db.execute_rowcount(
            "UPDATE slot_codes SET redeemed_by = ?, redeemed_at = ?"
            " WHERE code_hash = ? AND redeemed_at IS NULL",
            (actor_uri, at, code_hash),
        )
        return changed == 1

    async def record_credential(
        self, credential_id: str, binding_id: int, process_uri: str, at: str
    ) -> None:
        """Remember that a binding was given a credential for a process, to withdraw it
        with the binding; a credential given again (a new expiry) keeps its id."""
        await self._db.execute(
            "INSERT OR IGNORE INTO issued_credentials (id, binding_id, process_uri, issued_at)"
            " VALUES (?, ?, ?, ?)",
            (credential_id, binding_id, process_uri, at),
        )


class CredentialRevocations:
    """On the counting node: credentials their registrar withdrew, over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def revoked_at(self, credential_id: str) -> str | None:
        """When a credential was withdrawn, if it was (read for every vote)."""
        row = await self._db.lookup(
            "SELECT revoked_at FROM revoked_credentials WHERE credential_id = ?",
            (credential_id,),
        )
        return row[0] if row else None

    async def add(self, credential_id: str, registrar: str, at: str) -> bool:
        """Note a withdrawn credential; False when it was noted already."""
        changed = await self._db.execute_rowcount(
            "INSERT OR IGNORE INTO revoked_credentials (credential_id, registrar, revoked_at)"
            " VALUES (?, ?, ?)",
            (credential_id, registrar, at),
        )
        return changed == 1
