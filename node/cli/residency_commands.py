"""Who lives in the area: ``samenspraak addresses import``, ``samenspraak verify``,
``samenspraak letter-code``, ``samenspraak letters`` and ``samenspraak trust add|remove|list``.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from node.cli.errors import CliError
from node.cli.opened_node import opened_node
from node.letter_sheet import letters_pdf
from node.participation.addresses import import_register, read_register_file
from node.participation.letters import issue_area_letters
from node.participation.models import Residency
from node.participation.verification import (
    MAX_ACCOUNTS_PER_ADDRESS,
    issue_letter_code,
    revoke,
    verify_by_address,
    verify_by_letter_code,
    verify_in_person,
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``addresses``, ``verify``, ``letter-code`` and ``trust`` to the parser."""
    addresses = sub.add_parser("addresses", help="the municipal address register")
    address_actions = addresses.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = address_actions.add_parser(
        "import",
        help="import (replace) the register from CSV",
        description="Refused rows are listed by line; with any of them nothing is imported"
        " unless --skip-refused says to import the other rows.",
    )
    load.add_argument("directory", type=Path)
    load.add_argument("csv", type=Path, help="postcode;huisnummer;huisletter;... extract")
    what = load.add_mutually_exclusive_group()
    what.add_argument(
        "--preview", action="store_true", help="only show what would be imported and refused"
    )
    what.add_argument(
        "--skip-refused", action="store_true", help="import the rows that can be, without the rest"
    )
    load.set_defaults(handler=addresses_import)

    verify = sub.add_parser(
        "verify",
        help="verify that a local account lives in the area",
        description=f"One address verifies at most {MAX_ACCOUNTS_PER_ADDRESS} accounts.",
    )
    verify.add_argument("directory", type=Path)
    verify.add_argument("username")
    how = verify.add_mutually_exclusive_group(required=True)
    how.add_argument("--postcode", help="with --number: look the address up in the register")
    how.add_argument("--letter-code", metavar="CODE", help="a code posted to the address")
    how.add_argument("--in-person", metavar="POSTCODE", help="a moderator saw proof of address")
    how.add_argument("--revoke", action="store_true", help="withdraw the verification")
    verify.add_argument("--number", help="house number with letter/addition: 12, 12a, 12-1")
    verify.add_argument("--moderator", help="the moderator who verified in person")
    verify.set_defaults(handler=verify_resident)

    letter = sub.add_parser("letter-code", help="issue a one-time code to post to an address")
    letter.add_argument("directory", type=Path)
    letter.add_argument("--postcode", required=True)
    letter.add_argument("--number", required=True)
    letter.set_defaults(handler=letter_code)

    letters = sub.add_parser(
        "letters",
        help="letters with fresh codes for every address of a postcode area, as a PDF",
        description="Earlier codes keep working; each code works once.",
    )
    letters.add_argument("directory", type=Path)
    letters.add_argument("--area", required=True, help="four-digit postcode area, e.g. 9722")
    letters.add_argument("--pdf", required=True, type=Path, metavar="FILE", help="where to write")
    letters.set_defaults(handler=area_letters)

    trust = sub.add_parser("trust", help="nodes whose residency attestations this node believes")
    trust_actions = trust.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, handler in (("add", trust_add), ("remove", trust_remove)):
        action = trust_actions.add_parser(name, help=f"{name} a trusted node")
        action.add_argument("directory", type=Path)
        action.add_argument("host", help="host[:port] or URL of the other node")
        action.set_defaults(handler=handler)
    trust_list = trust_actions.add_parser("list", help="list trusted nodes")
    trust_list.add_argument("directory", type=Path)
    trust_list.set_defaults(handler=trusted_list)


async def addresses_import(args: argparse.Namespace) -> int:
    """``samenspraak addresses import``: replace the address register with a CSV extract,
    after listing the rows it refuses (as /organise/register shows them)."""
    async with opened_node(args.directory) as node:
        if not args.csv.is_file():
            raise CliError(f"{args.csv} is not a file")
        reading = await read_register_file(args.csv)
        print(f"{len(reading.addresses)} addresses with {reading.slots} registered residents")
        if reading.refused:
            print(f"{len(reading.refused)} row(s) refused:")
            for line in reading.report():
                print(f"  {line}")
        if args.preview:
            print("Nothing imported (--preview)")
            return 0
        if reading.refused and not args.skip_refused:
            raise CliError(
                f"{len(reading.refused)} row(s) refused, nothing imported: correct them, or"
                " import the other rows with --skip-refused"
            )
        count = await import_register(node.db, reading)
    print(f"Imported {count} addresses; the previous register was replaced")
    return 0


def _describe(residency: Residency) -> str:
    area = f"{residency.area_name} ({residency.postcode_area})" if residency.area_name else ""
    return f"{area or residency.postcode_area} by {residency.method}"


async def verify_resident(args: argparse.Namespace) -> int:
    """``samenspraak verify``: verify a local account by address, letter code or in person."""
    async with opened_node(args.directory) as node:
        if args.revoke:
            removed = await revoke(node.participation_services, args.username)
            print(f"{args.username}: verification {'withdrawn' if removed else 'was not there'}")
            return 0
        if args.letter_code:
            residency = await verify_by_letter_code(
                node.participation_services, args.username, args.letter_code
            )
        elif args.in_person:
            if not args.moderator:
                raise CliError("--in-person needs --moderator NAME")
            residency = await verify_in_person(
                node.participation_services,
                args.username,
                args.moderator,
                args.in_person,
                args.number,
            )
        else:
            if not args.number:
                raise CliError("--postcode needs --number")
            residency = await verify_by_address(
                node.participation_services, args.username, args.postcode, args.number
            )
    print(f"{args.username} is verified as a resident of {_describe(residency)}")
    return 0


async def letter_code(args: argparse.Namespace) -> int:
    """``samenspraak letter-code``: a one-time code to post to a registered address."""
    async with opened_node(args.directory) as node:
        code, address = await issue_letter_code(
            node.participation_services, args.postcode, args.number
        )
    print(f"Letter for {address.street} {address.house} {address.postcode} {address.city}:")
    print(f"  code: {code}  (works once; only its hash is stored)")
    return 0


async def area_letters(args: argparse.Namespace) -> int:
    """``samenspraak letters``: the PDF of letters /organise/register prints."""
    async with opened_node(args.directory) as node:
        letters = await issue_area_letters(node.participation_services, args.area)
        base = node.urls.base
        pdf = letters_pdf(letters, node.config.name, base, f"{base}/verify", node.config.language)
    await asyncio.to_thread(args.pdf.write_bytes, pdf)
    codes = sum(len(letter.codes) for letter in letters)
    print(f"Wrote {len(letters)} letters with {codes} codes to {args.pdf}")
    return 0


async def trusted_list(args: argparse.Namespace) -> int:
    """``samenspraak trust list``: the trusted nodes, one host a line."""
    async with opened_node(args.directory) as node:
        for host in await node.trust.hosts():
            print(host)
    return 0


async def trust_add(args: argparse.Namespace) -> int:
    """``samenspraak trust add``: believe another node's residency attestations."""
    async with opened_node(args.directory) as node:
        changed = await node.trust.add(args.host)
    print(f"{args.host}: {'now trusted' if changed else 'was trusted already'}")
    return 0


async def trust_remove(args: argparse.Namespace) -> int:
    """``samenspraak trust remove``: stop believing another node's attestations."""
    async with opened_node(args.directory) as node:
        changed = await node.trust.remove(args.host)
    print(f"{args.host}: {'no longer trusted' if changed else 'was not trusted'}")
    return 0
