"""Agreements between a municipality and a neighbourhood (``samenspraak agreement
offer|accept|decline|end|list``) and the registrar they name (``samenspraak registrar
code|bind``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from node.cli.errors import CliError
from node.cli.opened_node import opened_node
from node.participation.agreements import (
    accept_agreement,
    decline_agreement,
    end_agreement,
    offer_agreement,
)
from node.participation.models import ARCHETYPES, Agreement, Money
from node.participation.registrar import (
    bind_by_address,
    bind_by_letter_code,
    bind_in_person,
    issue_slot_code,
)
from node.storage.registrar import Binding


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``agreement`` and its actions to the parser."""
    agreement = sub.add_parser("agreement", help="agreements (afspraken per wijk)")
    actions = agreement.add_subparsers(dest="action", required=True, metavar="ACTION")

    offer = actions.add_parser("offer", help="offer a neighbourhood node an agreement")
    offer.add_argument("directory", type=Path)
    offer.add_argument("--to", required=True, help="the neighbourhood's organisation actor id")
    offer.add_argument("--theme", required=True, help="what it is about, e.g. Wijkbudget 2027")
    offer.add_argument("--delegates", default="decide", help=",".join(ARCHETYPES))
    offer.add_argument(
        "--area",
        action="append",
        required=True,
        metavar="PC4[=NAME][@REGISTRAR]",
        help="a postcode area it covers, its name, and the registrar's organisation actor"
        " id (this node when left out); repeat for more areas",
    )
    offer.add_argument("--budget", default=None, help="the delegated amount")
    offer.add_argument("--currency", default="EUR")
    offer.add_argument("--from", dest="start", required=True, help="start, RFC 3339")
    offer.add_argument("--until", dest="end", required=True, help="end, RFC 3339")
    offer.set_defaults(handler=agreement_offer)

    for name, handler, needs_reason in (
        ("accept", agreement_accept, False),
        ("decline", agreement_decline, True),
        ("end", agreement_end, True),
    ):
        action = actions.add_parser(name, help=f"{name} an agreement")
        action.add_argument("directory", type=Path)
        action.add_argument("agreement", help="the agreement's id (URL)")
        if needs_reason:
            action.add_argument("--reason", required=True, help="why, in plain words")
        action.set_defaults(handler=handler)

    listing = actions.add_parser("list", help="the agreements this node is party to")
    listing.add_argument("directory", type=Path)
    listing.set_defaults(handler=agreement_list)

    registrar = sub.add_parser("registrar", help="register slots of the areas this node registers")
    registrar_actions = registrar.add_subparsers(dest="action", required=True, metavar="ACTION")
    code = registrar_actions.add_parser("code", help="a one-time code to post to one resident")
    code.add_argument("directory", type=Path)
    code.add_argument("--postcode", required=True)
    code.add_argument("--number", required=True)
    code.add_argument("--resident", type=int, default=1, help="the resident number, from 1")
    code.set_defaults(handler=registrar_code)
    bind = registrar_actions.add_parser("bind", help="bind a register slot to an account")
    bind.add_argument("directory", type=Path)
    bind.add_argument("actor", help="the account's actor id, on any node")
    how = bind.add_mutually_exclusive_group(required=True)
    how.add_argument("--letter-code", metavar="CODE", help="a code posted for the slot")
    how.add_argument("--postcode", help="with --number: the first free slot of the address")
    how.add_argument("--in-person", metavar="POSTCODE", help="a moderator saw proof")
    bind.add_argument("--number", help="house number with letter/addition")
    bind.add_argument("--resident", type=int, default=1, help="with --in-person")
    bind.add_argument("--moderator", help="with --in-person: who saw the proof")
    bind.set_defaults(handler=registrar_bind)


def parse_area(text: str) -> tuple[str, str | None, str | None]:
    """``9722=De Wijert@https://gemeente.example/actors/gemeente`` → its three parts."""
    rest, _, registrar = text.partition("@")
    code, _, name = rest.partition("=")
    if not code.strip():
        raise CliError(f"--area {text!r} needs a postcode area, such as 9722")
    return code.strip(), name.strip() or None, registrar.strip() or None


def _describe(agreement: Agreement) -> str:
    areas = ", ".join(f"{a.postcode_area} (registrar {a.registrar})" for a in agreement.areas)
    return f"{agreement.uri}: {agreement.theme!r} {agreement.state}; areas {areas}"


async def agreement_offer(args: argparse.Namespace) -> int:
    """``samenspraak agreement offer``: the municipality offers an agreement."""
    budget = None
    if args.budget is not None:
        try:
            budget = Money(float(args.budget), args.currency.upper())
        except ValueError as exc:
            raise CliError(f"--budget {args.budget!r} is not an amount") from exc
    async with opened_node(args.directory) as node:
        agreement = await offer_agreement(
            node.participation_services,
            neighbourhood=args.to,
            theme=args.theme.strip(),
            delegates=[d.strip() for d in args.delegates.split(",") if d.strip()],
            areas=[parse_area(a) for a in args.area],
            start=args.start,
            end=args.end,
            budget=budget,
        )
    print(f"Offered {_describe(agreement)}")
    return 0


async def agreement_accept(args: argparse.Namespace) -> int:
    """``samenspraak agreement accept``: the neighbourhood accepts an offered agreement."""
    async with opened_node(args.directory) as node:
        agreement = await accept_agreement(node.participation_services, args.agreement)
    print(_describe(agreement))
    return 0


async def agreement_decline(args: argparse.Namespace) -> int:
    """``samenspraak agreement decline``: the neighbourhood declines an offered agreement."""
    async with opened_node(args.directory) as node:
        agreement = await decline_agreement(
            node.participation_services, args.agreement, args.reason
        )
    print(_describe(agreement))
    return 0


async def agreement_end(args: argparse.Namespace) -> int:
    """``samenspraak agreement end``: either party ends an agreement."""
    async with opened_node(args.directory) as node:
        agreement = await end_agreement(node.participation_services, args.agreement, args.reason)
    print(_describe(agreement))
    return 0


async def agreement_list(args: argparse.Namespace) -> int:
    """``samenspraak agreement list``: one agreement a line."""
    async with opened_node(args.directory) as node:
        for agreement in await node.participation_services.agreements.all():
            print(_describe(agreement))
    return 0


async def registrar_code(args: argparse.Namespace) -> int:
    """``samenspraak registrar code``: a one-time code for one registered resident."""
    async with opened_node(args.directory) as node:
        code, address = await issue_slot_code(
            node.participation_services, args.postcode, args.number, args.resident
        )
    print(f"Letter for resident {args.resident} of {address.street} {address.house}:")
    print(f"  code: {code}  (works once; only its hash is stored)")
    return 0


def _bound(binding: Binding) -> str:
    return (
        f"{binding.actor_uri} holds resident slot {binding.resident_number} of"
        f" {binding.address_key} (postcode area {binding.postcode_area}, {binding.method})"
    )


async def registrar_bind(args: argparse.Namespace) -> int:
    """``samenspraak registrar bind``: bind a register slot to an account on any node."""
    async with opened_node(args.directory) as node:
        services = node.participation_services
        if args.letter_code:
            binding = await bind_by_letter_code(services, args.letter_code, args.actor)
        elif args.in_person:
            if not args.moderator or not args.number:
                raise CliError("--in-person needs --number and --moderator NAME")
            binding = await bind_in_person(
                services, args.moderator, args.in_person, args.number, args.resident, args.actor
            )
        else:
            if not args.number:
                raise CliError("--postcode needs --number")
            binding = await bind_by_address(services, args.postcode, args.number, args.actor)
    print(_bound(binding))
    return 0
