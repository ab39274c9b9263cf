"""Commands for verification, trust, votes and budget ballots.

``samenspraak addresses import DIR CSV``, ``samenspraak verify DIR USERNAME ...``,
``samenspraak letter-code DIR --postcode P --number N``,
``samenspraak trust add|remove|list DIR [HOST]``,
``samenspraak vote open|close DIR ...`` and ``samenspraak budget open|close DIR SLUG``.
Every refusal is one line (exit status 2); what is published goes out when the
node serves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from federation.errors import FederationError
from node.config import ConfigError, load_config
from node.node import Node, open_node
from node.participation.addresses import RegisterImportError, import_register
from node.participation.ballots import close_budget, money, open_budget_ballot
from node.participation.processes import local_process
from node.participation.trust import TrustList
from node.participation.verification import (
    MAX_ACCOUNTS_PER_ADDRESS,
    Residency,
    issue_letter_code,
    revoke,
    verify_by_address,
    verify_by_letter_code,
    verify_in_person,
)
from node.participation.voting import close_due_votes, close_vote, open_vote

COMMANDS = ("addresses", "verify", "letter-code", "trust", "vote", "budget")


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add the voting and verification subcommands to the ``samenspraak`` parser."""
    addresses = sub.add_parser("addresses", help="the municipal address register")
    address_actions = addresses.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = address_actions.add_parser("import", help="import (replace) the register from CSV")
    load.add_argument("directory", type=Path)
    load.add_argument("csv", type=Path, help="postcode;huisnummer;huisletter;... extract")

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

    letter = sub.add_parser("letter-code", help="issue a one-time code to post to an address")
    letter.add_argument("directory", type=Path)
    letter.add_argument("--postcode", required=True)
    letter.add_argument("--number", required=True)

    trust = sub.add_parser("trust", help="nodes whose residency attestations this node believes")
    trust_actions = trust.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name in ("add", "remove"):
        action = trust_actions.add_parser(name, help=f"{name} a trusted node")
        action.add_argument("directory", type=Path)
        action.add_argument("host", help="host[:port] or URL of the other node")
    trust_list = trust_actions.add_parser("list", help="list trusted nodes")
    trust_list.add_argument("directory", type=Path)

    vote = sub.add_parser("vote", help="votes on proposals")
    vote_actions = vote.add_subparsers(dest="action", required=True, metavar="ACTION")
    vote_open = vote_actions.add_parser("open", help="put a proposal to the vote")
    vote_open.add_argument("directory", type=Path)
    vote_open.add_argument("proposal", help="the proposal's id (URL)")
    vote_open.add_argument("--until", required=True, help="end time, e.g. 2026-12-15T18:00:00Z")
    vote_close = vote_actions.add_parser("close", help="close a vote and publish its result")
    vote_close.add_argument("directory", type=Path)
    vote_close.add_argument("question", nargs="?", help="the question's id; omit with --due")
    vote_close.add_argument("--due", action="store_true", help="close every vote past its end")

    budget = sub.add_parser("budget", help="budget ballots")
    budget_actions = budget.add_subparsers(dest="action", required=True, metavar="ACTION")
    budget_open = budget_actions.add_parser("open", help="open the ballot of a process")
    budget_open.add_argument("directory", type=Path)
    budget_open.add_argument("slug")
    budget_open.add_argument("--until", required=True, help="end time, e.g. 2026-12-15T18:00:00Z")
    budget_close = budget_actions.add_parser("close", help="close the ballot, publish the result")
    budget_close.add_argument("directory", type=Path)
    budget_close.add_argument("slug")


async def run(args: argparse.Namespace) -> int:
    """Run one of the COMMANDS."""
    node = await open_node(args.directory, load_config(args.directory))
    try:
        handler = {
            "addresses": _addresses,
            "verify": _verify,
            "letter-code": _letter_code,
            "trust": _trust,
            "vote": _vote,
            "budget": _budget,
        }[args.command]
        return await handler(node, args)
    except FederationError as exc:
        raise ConfigError(exc.message) from exc
    except RegisterImportError as exc:
        raise ConfigError(str(exc)) from exc
    finally:
        await node.close()


async def _addresses(node: Node, args: argparse.Namespace) -> int:
    if not args.csv.is_file():
        raise ConfigError(f"{args.csv} is not a file")
    count = await import_register(node.db, args.csv)
    print(f"Imported {count} addresses; the previous register was replaced")
    return 0


def _describe(residency: Residency) -> str:
    area = f"{residency.area_name} ({residency.postcode_area})" if residency.area_name else ""
    return f"{area or residency.postcode_area} by {residency.method}"


async def _verify(node: Node, args: argparse.Namespace) -> int:
    if args.revoke:
        removed = await revoke(node, args.username)
        print(f"{args.username}: verification {'withdrawn' if removed else 'was not there'}")
        return 0
    if args.letter_code:
        residency = await verify_by_letter_code(node, args.username, args.letter_code)
    elif args.in_person:
        if not args.moderator:
            raise ConfigError("--in-person needs --moderator NAME")
        residency = await verify_in_person(
            node, args.username, args.moderator, args.in_person, args.number
        )
    else:
        if not args.number:
            raise ConfigError("--postcode needs --number")
        residency = await verify_by_address(node, args.username, args.postcode, args.number)
    print(f"{args.username} is verified as a resident of {_describe(residency)}")
    return 0


async def _letter_code(node: Node, args: argparse.Namespace) -> int:
    code, address = await issue_letter_code(node, args.postcode, args.number)
    print(f"Letter for {address.street} {address.house} {address.postcode} {address.city}:")
    print(f"  code: {code}  (works once; only its hash is stored)")
    return 0


async def _trust(node: Node, args: argparse.Namespace) -> int:
    trust = TrustList(node.db)
    if args.action == "list":
        for host in await trust.hosts():
            print(host)
        return 0
    if args.action == "add":
        changed = await trust.add(args.host)
        print(f"{args.host}: {'now trusted' if changed else 'was trusted already'}")
    else:
        changed = await trust.remove(args.host)
        print(f"{args.host}: {'no longer trusted' if changed else 'was not trusted'}")
    return 0


async def _vote(node: Node, args: argparse.Namespace) -> int:
    if args.action == "open":
        question = await open_vote(node, args.proposal, args.until)
        print(f"Voting is open until {question.end_time}: {question.uri}")
        print(f"  options: {', '.join(question.options)}")
        return 0
    if args.due:
        closed = await close_due_votes(node)
        print(f"Closed {len(closed)} vote(s)" + "".join(f"\n  {uri}" for uri in closed))
        return 0
    if not args.question:
        raise ConfigError("name the question to close, or use --due")
    result = await close_vote(node, args.question)
    tallies = ", ".join(f"{t['option']} {t['count']}" for t in result["voteResult"]["tallies"])
    print(f"Closed: {tallies} ({result['votersCount']} voters)")
    print(f"Recount: {result['voteResult']['recount']}")
    return 0


async def _budget(node: Node, args: argparse.Namespace) -> int:
    process = await local_process(node, args.slug)
    if args.action == "open":
        entries = await open_budget_ballot(node, process.uri, args.until)
        print(f"The ballot of {process.title} is open until {args.until}")
        print(f"  {len(entries)} proposals on it")
        return 0
    document = await close_budget(node, process.uri)
    result = document["budgetResult"]
    currency = process.budget.currency if process.budget else "EUR"
    print(f"Closed: {result['votersCount']} ballots; funded:")
    for allocation in result["allocations"]:
        if allocation["selected"]:
            cost = money(allocation["cost"]["amount"], currency)
            print(f"  {allocation['proposal']}  {cost}  ({allocation['votes']} votes)")
    print(f"Recount: {result['recount']}")
    return 0
