"""Votes and budget ballots: ``samenspraak vote open|close`` and
``samenspraak budget open|close``. What is published goes out when the node serves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from node.cli.errors import CliError
from node.cli.opened_node import opened_node
from node.participation.ballots import close_budget, money, open_budget_ballot
from node.participation.processes import local_process
from node.participation.voting import close_due_votes, close_vote, open_vote


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``vote`` and ``budget`` to the ``samenspraak`` parser."""
    vote = sub.add_parser("vote", help="votes on proposals")
    vote_actions = vote.add_subparsers(dest="action", required=True, metavar="ACTION")
    open_vote_parser = vote_actions.add_parser("open", help="put a proposal to the vote")
    open_vote_parser.add_argument("directory", type=Path)
    open_vote_parser.add_argument("proposal", help="the proposal's id (URL)")
    open_vote_parser.add_argument(
        "--until", required=True, help="end time, e.g. 2026-12-15T18:00:00Z"
    )
    open_vote_parser.set_defaults(handler=vote_open)
    close_vote_parser = vote_actions.add_parser("close", help="close a vote and publish its result")
    close_vote_parser.add_argument("directory", type=Path)
    close_vote_parser.add_argument("question", nargs="?", help="the question's id; omit with --due")
    close_vote_parser.add_argument(
        "--due", action="store_true", help="close every vote past its end"
    )
    close_vote_parser.set_defaults(handler=vote_close)

    budget = sub.add_parser("budget", help="budget ballots")
    budget_actions = budget.add_subparsers(dest="action", required=True, metavar="ACTION")
    open_ballot_parser = budget_actions.add_parser("open", help="open the ballot of a process")
    open_ballot_parser.add_argument("directory", type=Path)
    open_ballot_parser.add_argument("slug")
    open_ballot_parser.add_argument(
        "--until", required=True, help="end time, e.g. 2026-12-15T18:00:00Z"
    )
    open_ballot_parser.set_defaults(handler=budget_open)
    close_ballot_parser = budget_actions.add_parser(
        "close", help="close the ballot, publish the result"
    )
    close_ballot_parser.add_argument("directory", type=Path)
    close_ballot_parser.add_argument("slug")
    close_ballot_parser.set_defaults(handler=budget_close)


async def vote_open(args: argparse.Namespace) -> int:
    """``samenspraak vote open``: publish a proposal's Question until ``--until``."""
    async with opened_node(args.directory) as node:
        question = await open_vote(node.participation_services, args.proposal, args.until)
    print(f"Voting is open until {question.end_time}: {question.uri}")
    print(f"  options: {', '.join(question.options)}")
    return 0


async def vote_close(args: argparse.Namespace) -> int:
    """``samenspraak vote close``: close one vote, or every vote past its end, and publish."""
    if not args.due and not args.question:
        raise CliError("name the question to close, or use --due")
    async with opened_node(args.directory) as node:
        if args.due:
            closed = await close_due_votes(node.participation_services)
            print(f"Closed {len(closed)} vote(s)" + "".join(f"\n  {uri}" for uri in closed))
            return 0
        result = await close_vote(node.participation_services, args.question)
    tallies = ", ".join(f"{t['option']} {t['count']}" for t in result["voteResult"]["tallies"])
    print(f"Closed: {tallies} ({result['votersCount']} voters)")
    print(f"Recount: {result['voteResult']['recount']}")
    return 0


async def budget_open(args: argparse.Namespace) -> int:
    """``samenspraak budget open``: open a process's budget ballot until ``--until``."""
    async with opened_node(args.directory) as node:
        process = await local_process(node.participation_services, args.slug)
        entries = await open_budget_ballot(node.participation_services, process.uri, args.until)
    print(f"The ballot of {process.title} is open until {args.until}")
    print(f"  {len(entries)} proposals on it")
    return 0


async def budget_close(args: argparse.Namespace) -> int:
    """``samenspraak budget close``: count the ballots and publish what is funded."""
    async with opened_node(args.directory) as node:
        process = await local_process(node.participation_services, args.slug)
        document = await close_budget(node.participation_services, process.uri)
    result = document["budgetResult"]
    currency = process.budget.currency if process.budget else "EUR"
    print(f"Closed: {result['votersCount']} ballots; funded:")
    for allocation in result["allocations"]:
        if allocation["selected"]:
            cost = money(allocation["cost"]["amount"], currency)
            print(f"  {allocation['proposal']}  {cost}  ({allocation['votes']} votes)")
    print(f"Recount: {result['recount']}")
    return 0
