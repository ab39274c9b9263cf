"""Storage of verified residents: which local account lives at which registered
address, by which method, and the hashed letter codes mailed to addresses.
"""

from __future__ import annotations

from node.clock import iso_now
from node.participation.models import Address, Residency
from node.storage.database import Database, Row


def _residency(row: Row) -> Residency:
    return Residency(
        actor_uri=row["actor_uri"],
        postcode_area=row["postcode_area"],
        area_name=row["area_name"],
        method=row["method"],
        address_key=row["address_key"],
        verified_by=row["verified_by"],
        verified_at=row["verified_at"],
    )


class ResidentRegistry:
    """Verified residents and issued letter codes, over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, actor_uri: str) -> Residency | None:
        """The residency of a local account, if verified."""
        row = await self._db.fetch_one("SELECT * FROM residents WHERE actor_uri = ?", (actor_uri,))
        return _residency(row) if row else None

    async def all(self) -> list[Residency]:
        """Every verified resident."""
        rows = await self._db.fetch_all("SELECT * FROM residents ORDER BY verified_at, actor_uri")
        return [_residency(r) for r in rows]

    async def accounts_at(self, key: str, other_than: str) -> int:
        """How many other accounts an address has verified."""
        return await self._db.fetch_value(
            "SELECT count(*) FROM residents WHERE address_key = ? AND actor_uri != ?",
            (key, other_than),
        )

    async def save(self, residency: Residency) -> None:
        """Record or replace a verification."""
        await self._db.execute(
            "INSERT INTO residents (actor_uri, postcode_area, area_name, method, address_key,"
            " verified_by, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (actor_uri) DO UPDATE SET postcode_area = excluded.postcode_area,"
            " area_name = excluded.area_name, method = excluded.method,"
            " address_key = excluded.address_key, verified_by = excluded.verified_by,"
            " verified_at = excluded.verified_at",
            (
                residency.actor_uri,
                residency.postcode_area,
                residency.area_name,
                residency.method,
                residency.address_key,
                residency.verified_by,
                residency.verified_at,
            ),
        )

    async def remove(self, actor_uri: str) -> bool:
        """Forget a verification; False when there was none."""
        count = await self._db.execute_rowcount(
            "DELETE FROM residents WHERE actor_uri = ?", (actor_uri,)
        )
        return count > 0

    async def add_letter_code(self, code_hash: str, address: Address) -> None:
        """Remember an issued code, by its hash only."""
        await self._db.execute(
            "INSERT INTO letter_codes (code_hash, address_key, postcode_area, area_name,"
            " issued_at) VALUES (?, ?, ?, ?, ?)",
            (code_hash, address.key, address.postcode_area, address.wijk, iso_now()),
        )

    async def letter_code(self, code_hash: str) -> Row | None:
        """An issued code by its hash."""
        return await self._db.fetch_one(
            "SELECT * FROM letter_codes WHERE code_hash = ?", (code_hash,)
        )

    async def redeem_letter_code(self, code_hash: str, actor_uri: str) -> bool:
        """Mark a code used; False when it was used already (it works once)."""
        count = await self._db.execute_rowcount(
            "UPDATE letter_codes SET redeemed_by = ?, redeemed_at = ?"
            " WHERE code_hash = ? AND redeemed_at IS NULL",
            (actor_uri, iso_now(), code_hash),
        )
        return count == 1
