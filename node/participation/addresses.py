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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from federation.errors import Refused
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
# A city's extract (Groningen: some 120 000 addresses) is about 8 MB.
MAX_REGISTER_BYTES = 16 * 1024 * 1024


class AddressError(ValueError):
    """A postcode or house number that cannot be read; ``code`` and ``values`` name the
    reason in the pages' catalogue."""

    def __init__(self, text: str, code: str = "", **values: object) -> None:
        super().__init__(text)
        self.code = code
        self.values = values


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


class RegisterRefused(Refused):
    """An extract refused as a whole (no CSV with the register's header, not UTF-8, too
    big, no row that can be read): nothing of it is imported. ``refused`` holds its rows
    refused one by one, when it has them."""

    def __init__(self, reason: str, *, refused: tuple[RefusedRow, ...] = (), **kwargs: Any) -> None:
        super().__init__(reason, **kwargs)
        self.refused = refused


@dataclass(frozen=True)
class RefusedRow:
    """A row of an extract that is not imported: its line, why (``text`` in English for
    the CLI; ``code`` and ``values`` for the pages' catalogue)."""

    line: int
    code: str
    values: Mapping[str, object]
    text: str


@dataclass(frozen=True)
class RegisterReading:
    """An extract as read: the addresses it holds and the rows refused, by line."""

    addresses: tuple[Address, ...]
    refused: tuple[RefusedRow, ...]

    @property
    def slots(self) -> int:
        """How many registered residents (register slots) the addresses hold."""
        return sum(address.residents for address in self.addresses)

    def report(self) -> list[str]:
        """The refused rows as the CLI prints them, one a line."""
        return [f"line {row.line}: {row.text}" for row in self.refused]


def normalise_postcode(text: str) -> str:
    """``9713 xt`` → ``9713XT``; raise AddressError for anything that is not a Dutch postcode."""
    match = POSTCODE_PATTERN.match(text or "")
    if not match:
        raise AddressError(
            f"{text!r} is not a Dutch postcode (four digits and two letters)",
            "register_postcode",
            value=text,
        )
    return f"{match[1]}{match[2].upper()}"


def parse_house_number(text: str) -> HouseNumber:
    """``12``, ``12a``, ``12 A``, ``12-1``, ``12a-2`` → a HouseNumber; raise AddressError."""
    match = HOUSE_NUMBER_PATTERN.match(text or "")
    if not match or int(match[1]) == 0:
        raise AddressError(
            f"{text!r} is not a house number such as 12, 12a or 12-1",
            "register_house_number",
            value=text,
        )
    return HouseNumber(int(match[1]), (match[2] or "").lower(), (match[3] or "").upper())


def parse_register(text: str) -> list[Address]:
    """Read a register extract; raise RegisterImportError naming every bad line."""
    try:
        reading = read_register_text(text)
    except RegisterRefused as exc:
        raise RegisterImportError([exc.reason]) from exc
    if reading.refused:
        raise RegisterImportError(reading.report())
    return list(reading.addresses)


def read_register(raw: bytes) -> RegisterReading:
    """Read an uploaded extract (``samenspraak addresses import`` and /organise/register):
    its addresses and its refused rows. An extract that is no register as a whole is
    refused with RegisterRefused: over ``MAX_REGISTER_BYTES``, not UTF-8, without the
    register's header, or without one row that can be imported."""
    if len(raw) > MAX_REGISTER_BYTES:
        raise register_too_large()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterRefused(
            "the file is not a CSV text in UTF-8", detail=str(exc), code="register_not_text"
        ) from exc
    reading = read_register_text(text)
    if not reading.addresses:
        shown = "".join(f"\n  {line}" for line in reading.report()[:MAX_REPORTED_PROBLEMS])
        raise RegisterRefused(
            f"the file has no row that can be imported{':' if shown else ''}{shown}",
            code="register_no_rows",
            refused=reading.refused,
        )
    return reading


def register_too_large() -> RegisterRefused:
    """The refusal of an extract over ``MAX_REGISTER_BYTES`` (also of an upload the page
    stopped reading at that size)."""
    megabytes = MAX_REGISTER_BYTES // (1024 * 1024)
    return RegisterRefused(
        f"the file is over the limit of {megabytes} MB",
        code="register_too_large",
        values={"megabytes": megabytes},
    )


def read_register_text(text: str) -> RegisterReading:
    """Read an extract's text: every address it holds and every row refused, by line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    rows = _csv_rows(reader)
    header = next(rows, None)
    names = tuple(h.strip().lower() for h in header or ())
    if names not in (COLUMNS, (*COLUMNS, RESIDENTS_COLUMN)):
        raise RegisterRefused(
            f"line 1: the header must be {';'.join(COLUMNS)}[;{RESIDENTS_COLUMN}]",
            code="register_header",
            values={"header": ";".join(COLUMNS), "optional": RESIDENTS_COLUMN},
        )
    refused: list[RefusedRow] = []
    addresses: list[Address] = []
    seen: dict[str, int] = {}
    for row in rows:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            address = _address_of_row(row, len(names))
        except AddressError as exc:
            refused.append(RefusedRow(line, exc.code, exc.values, str(exc)))
            continue
        if address.key in seen:
            first = seen[address.key]
            refused.append(
                RefusedRow(
                    line,
                    "register_duplicate",
                    {"address": address.key, "line": first},
                    f"{address.key} is already on line {first}",
                )
            )
            continue
        seen[address.key] = line
        addresses.append(address)
    return RegisterReading(tuple(addresses), tuple(refused))


def _address_of_row(row: list[str], columns: int) -> Address:
    if len(row) != columns:
        raise AddressError(
            f"{len(row)} columns, expected {columns}",
            "register_columns",
            count=len(row),
            expected=columns,
        )
    postcode, number, letter, addition, street, city, wijk = (c.strip() for c in row[:7])
    residents = _residents(row[7].strip()) if len(row) > len(COLUMNS) else 1
    address = Address(
        postcode=normalise_postcode(postcode),
        house=_house_from_columns(number, letter, addition),
        street=street,
        city=city,
        wijk=wijk,
        residents=residents,
    )
    missing = [n for n, v in (("straatnaam", street), ("wijk", wijk)) if not v]
    if missing:
        names = " and ".join(missing)
        raise AddressError(f"empty {names}", "register_empty", columns=", ".join(missing))
    return address


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The rows of a register extract; a line the csv module cannot read (a field over
    its size limit, say) refuses the import naming that line."""
    try:
        yield from reader
    except csv.Error as exc:
        line = getattr(reader, "line_num", 0)
        raise RegisterRefused(
            f"line {line}: {exc}", code="register_unreadable", values={"line": line}
        ) from exc


def _residents(text: str) -> int:
    if not re.fullmatch(r"\d{1,3}", text, re.ASCII) or int(text) == 0:
        raise AddressError(
            f"ingeschrevenen {text!r} is not a whole number from 1 to {MAX_RESIDENTS_PER_ADDRESS}",
            "register_residents",
            value=text,
            most=MAX_RESIDENTS_PER_ADDRESS,
        )
    return int(text)


def _house_from_columns(number: str, letter: str, addition: str) -> HouseNumber:
    # Dutch house numbers run from 1 to 99999 (the BAG's limit), as in HOUSE_NUMBER_PATTERN.
    if not number:
        raise AddressError("huisnummer is empty", "register_house_number_missing")
    if not re.fullmatch(r"\d{1,5}", number, re.ASCII) or int(number) == 0:
        raise AddressError(
            f"huisnummer {number!r} is not a whole number from 1 to 99999",
            "register_house_number",
            value=number,
        )
    if letter and not (len(letter) == 1 and letter.isalpha()):
        raise AddressError(
            f"huisletter {letter!r} must be a single letter", "register_house_letter", value=letter
        )
    if addition and not addition.isalnum():
        raise AddressError(
            f"huisnummertoevoeging {addition!r} must be letters or digits",
            "register_addition",
            value=addition,
        )
    return HouseNumber(int(number), letter.lower(), addition.upper())


async def import_register(db: Database, reading: RegisterReading) -> int:
    """Replace the register with the addresses of a reading (its refused rows left out, as
    the organiser saw them in the preview); return how many homes it now holds."""
    return await AddressRegister(db).replace_all(list(reading.addresses))


async def read_register_file(path: Path) -> RegisterReading:
    """``read_register`` of a file on disk."""
    return read_register(await asyncio.to_thread(path.read_bytes))
