"""Storage of the address register (the node's extract of the BAG): one row per
house, keyed by postcode and house number.
"""

from __future__ import annotations

from node.participation.models import Address, HouseNumber
from node.storage.database import Database, Row


def _address(row: Row) -> Address:
    return Address(
        postcode=row["postcode"],
        house=HouseNumber(row["house_number"], row["house_letter"], row["addition"]),
        street=row["street"],
        city=row["city"],
        wijk=row["wijk"],
        residents=row["residents"],
    )


class AddressRegister:
    """The register over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace_all(self, addresses: list[Address]) -> int:
        """Replace the whole register with a new extract, in one transaction."""
        async with self._db.transaction():
            await self._db.execute("DELETE FROM addresses")
            await self._db.executemany(
                "INSERT INTO addresses (postcode, house_number, house_letter, addition, street,"
                " city, wijk, residents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        a.postcode,
                        a.house.number,
                        a.house.letter,
                        a.house.addition,
                        a.street,
                        a.city,
                        a.wijk,
                        a.residents,
                    )
                    for a in addresses
                ],
            )
        return len(addresses)

    async def find(self, postcode: str, house: HouseNumber) -> Address | None:
        """The home at a normalised postcode and house number, if the register has it."""
        row = await self._db.fetch_one(
            "SELECT * FROM addresses WHERE postcode = ? AND house_number = ?"
            " AND house_letter = ? AND addition = ?",
            (postcode, house.number, house.letter, house.addition),
        )
        return _address(row) if row else None

    async def in_area(self, postcode_area: str) -> list[Address]:
        """The homes of a four-digit postcode area, by street and house number."""
        rows = await self._db.fetch_all(
            "SELECT * FROM addresses WHERE substr(postcode, 1, 4) = ?"
            " ORDER BY street, house_number, house_letter, addition, postcode",
            (postcode_area,),
        )
        return [_address(row) for row in rows]

    async def area_name(self, postcode_area: str) -> str | None:
        """The wijk of a four-digit postcode area, when the register knows it."""
        return await self._db.fetch_value(
            "SELECT wijk FROM addresses WHERE substr(postcode, 1, 4) = ?"
            " GROUP BY wijk ORDER BY count(*) DESC LIMIT 1",
            (postcode_area,),
        )

    async def count(self) -> int:
        """How many homes the register holds."""
        return await self._db.fetch_value("SELECT count(*) FROM addresses")
