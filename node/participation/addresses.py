"""The municipal address register: reading the CSV extract and looking addresses up.

The extract is semicolon-separated UTF-8 with the columns
``postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;wijk``
and, as the municipal register gives it, optionally ``ingeschrevenen``: how many
residents are registered at the address (1 when the column is left out). Each
of them is a register slot the registrar binds to one actor
(node/participation/registrar.py).
Postcodes are normalised (``9713xt``, ``9713 XT`` and ``9713XT`` are one
postcode); house letters are kept lower-case and additions upper-case, so
``12A`` and ``12a`` are the same home.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from node.participation.models import Address, HouseNumber
from node.storage.addresses import AddressRegister
from node.storage.database import Database

COLUMNS = (
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "straatnaam",
    "woonplaats",
    "wijk",
)
RESIDENTS_COLUMN = "ingeschrevenen"
MAX_RESIDENTS_PER_ADDRESS = 999
POSTCODE_PATTERN = re.compile(r"^\s*([1-9]\d{3})\s*([A-Za-z]{2})\s*$")
# 12, 12a, 12 A, 12-1, 12a-2, 12 bis: number, an optional single letter, an
# optional addition after a dash or a space.
HOUSE_NUMBER_PATTERN = re.compile(
    r"^\s*(\d{1,5})\s*([A-Za-z](?![A-Za-z0-9]))?\s*(?:[-\s]\s*([A-Za-z0-9]{1,4}))?\s*$"
)
MAX_REPORTED_PROBLEMS = 20


class AddressError(ValueError):
    """A postcode or house number that cannot be read."""


class RegisterImportError(ValueError):
    """An extract with bad rows; nothing of it was imported."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        suffix = f"\n  ... and {more} more" if more else ""
        super().__init__(
            f"{len(problems)} bad row(s), nothing imported:\n  " + "\n  ".join(shown) + suffix
        )
        self.problems = problems


def normalise_postcode(text: str) -> str:
    """``9713 xt`` → ``9713XT``; raise AddressError for anything that is not a Dutch postcode."""
    match = POSTCODE_PATTERN.match(text or "")
    if not match:
        raise AddressError(f"{text!r} is not a Dutch postcode (four digits and two letters)")
    return f"{match[1]}{match[2].upper()}"


def parse_house_number(text: str) -> HouseNumber:
    """``12``, ``12a``, ``12 A``, ``12-1``, ``12a-2`` → a HouseNumber; raise AddressError."""
    match = HOUSE_NUMBER_PATTERN.match(text or "")
    if not match or int(match[1]) == 0:
        raise AddressError(f"{text!r} is not a house number such as 12, 12a or 12-1")
    return HouseNumber(int(match[1]), (match[2] or "").lower(), (match[3] or "").upper())


def parse_register(text: str) -> list[Address]:
    """Read a register extract; raise RegisterImportError naming every bad line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    rows = _csv_rows(reader)
    header = next(rows, None)
    names = tuple(h.strip().lower() for h in header or ())
    if names not in (COLUMNS, (*COLUMNS, RESIDENTS_COLUMN)):
        raise RegisterImportError(
            [f"line 1: the header must be {';'.join(COLUMNS)}[;{RESIDENTS_COLUMN}]"]
        )
    problems: list[str] = []
    addresses: list[Address] = []
    seen: dict[str, int] = {}
    for row in rows:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            problems.append(f"line {line}: {len(row)} columns, expected {len(names)}")
            continue
        postcode, number, letter, addition, street, city, wijk = (c.strip() for c in row[:7])
        try:
            residents = _residents(row[7].strip()) if len(row) > len(COLUMNS) else 1
            address = Address(
                postcode=normalise_postcode(postcode),
                house=_house_from_columns(number, letter, addition),
                street=street,
                city=city,
                wijk=wijk,
                residents=residents,
            )
        except AddressError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        missing = [n for n, v in (("straatnaam", street), ("wijk", wijk)) if not v]
        if missing:
            problems.append(f"line {line}: empty {' and '.join(missing)}")
            continue
        if address.key in seen:
            problems.append(f"line {line}: {address.key} is already on line {seen[address.key]}")
            continue
        seen[address.key] = line
        addresses.append(address)
    if problems:
        raise RegisterImportError(problems)
    return addresses


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The rows of a register extract; a line the csv module cannot read (a field over
    its size limit, say) refuses the import naming that line."""
    try:
        yield from reader
    except csv.Error as exc:
        line = getattr(reader, "line_num", 0)
        raise RegisterImportError([f"line {line}: {exc}"]) from exc


def _residents(text: str) -> int:
    if not re.fullmatch(r"\d{1,3}", text, re.ASCII) or int(text) == 0:
        raise AddressError(
            f"ingeschrevenen {text!r} is not a whole number from 1 to {MAX_RESIDENTS_PER_ADDRESS}"
        )
    return int(text)


def _house_from_columns(number: str, letter: str, addition: str) -> HouseNumber:
    # Dutch house numbers run from 1 to 99999 (the BAG's limit), as in HOUSE_NUMBER_PATTERN.
    if not re.fullmatch(r"\d{1,5}", number, re.ASCII) or int(number) == 0:
        raise AddressError(f"huisnummer {number!r} is not a whole number from 1 to 99999")
    if letter and not (len(letter) == 1 and letter.isalpha()):
        raise AddressError(f"huisletter {letter!r} must be a single letter")
    if addition and not addition.isalnum():
        raise AddressError(f"huisnummertoevoeging {addition!r} must be letters or digits")
    return HouseNumber(int(number), letter.lower(), addition.upper())


async def import_register(db: Database, path: Path) -> int:
    """Import an extract file, replacing the register; return how many homes it holds."""
    raw = await asyncio.to_thread(path.read_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterImportError([f"{path} is not UTF-8: {exc}"]) from exc
    return await AddressRegister(db).replace_all(parse_register(text))
