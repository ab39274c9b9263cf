"""Panel draws (loting): ``samenspraak panel create|start|join``. What is sent goes out
when the node serves; the other parties' nodes answer on their own."""

from __future__ import annotations

import argparse
from pathlib import Path

from node.cli.errors import CliError
from node.cli.opened_node import opened_node
from node.participation.processes import local_process
from node.participation.sortition import ask_to_join, create_draw, opt_in, start_draw


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``panel`` to the ``samenspraak`` parser."""
    panel = sub.add_parser("panel", help="draw panel members by lot")
    actions = panel.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="open a draw of a process for opt-ins")
    create.add_argument("directory", type=Path)
    create.add_argument("slug", help="the process")
    create.add_argument("--title", required=True)
    create.add_argument("--seats", required=True, help="how many members to draw")
    create.add_argument("--areas", required=True, help="postcode areas, e.g. 9722,9723")
    create.add_argument(
        "--stratified", action="store_true", help="share the seats over the areas in proportion"
    )
    create.add_argument(
        "--party",
        action="append",
        default=[],
        help="an actor of another node that makes the seed too (repeat for more); a process"
        " under an agreement has the other side of its agreement as a party already",
    )
    create.set_defaults(handler=panel_create)
    start = actions.add_parser("start", help="freeze the candidates and make the seed")
    start.add_argument("directory", type=Path)
    start.add_argument("draw", help="the draw's id (URL)")
    start.set_defaults(handler=panel_start)
    join = actions.add_parser("join", help="opt a resident of this node in to a draw")
    join.add_argument("directory", type=Path)
    join.add_argument("username")
    join.add_argument("draw", help="the draw's id (URL), on this node or another")
    join.set_defaults(handler=panel_join)


async def panel_create(args: argparse.Namespace) -> int:
    """``samenspraak panel create``: a draw open for opt-ins."""
    if not args.seats.isdigit():
        raise CliError(f"--seats must be a whole number, not {args.seats!r}")
    async with opened_node(args.directory) as node:
        services = node.participation_services
        process = await local_process(services, args.slug)
        panel = await create_draw(
            services,
            process,
            title=args.title,
            seats=int(args.seats),
            areas=args.areas.split(","),
            stratified=args.stratified,
            parties=args.party,
        )
    print(f"Draw open for residents of {', '.join(panel.areas)}: {panel.uri}")
    return 0


async def panel_start(args: argparse.Namespace) -> int:
    """``samenspraak panel start``: commit, and invite the other parties to commit."""
    async with opened_node(args.directory) as node:
        panel = await start_draw(node.participation_services, args.draw)
    print(f"{panel.title}: candidates frozen, the parties are asked to commit to the seed")
    return 0


async def panel_join(args: argparse.Namespace) -> int:
    """``samenspraak panel join``: a resident opts in, here or with the process's node."""
    async with opened_node(args.directory) as node:
        resident = await node.actors.by_username(args.username)
        if resident is None:
            raise CliError(f"there is no account {args.username!r} on this node")
        services = node.participation_services
        if await services.draws.get(args.draw) is not None:
            pseudonym = await opt_in(services, args.draw, resident.uri)
            print(f"{args.username} takes part in the draw as {pseudonym}")
            return 0
        await ask_to_join(services, resident, args.draw)
    print(f"{args.username} asked the process's node to take part in the draw")
    return 0
