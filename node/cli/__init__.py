"""The ``samenspraak`` command: one parser, one handler per subcommand, one error boundary.

Each module here adds the subcommands of what it acts on and gives every one a
handler with ``set_defaults(handler=...)``: ``node_commands`` (init, serve,
account, demo), ``process_commands`` (process, proposal), ``residency_commands``
(addresses, verify, letter-code, trust), ``voting_commands`` (vote, budget),
``federation_commands`` and ``moderation_commands``. A handler that needs a node
opens it with ``node.cli.opened_node.opened_node``; refusals become one line
in ``node.cli.errors.run_within_error_boundary``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence

from node.cli import (
    federation_commands,
    moderation_commands,
    node_commands,
    process_commands,
    residency_commands,
    voting_commands,
)
from node.cli.errors import run_within_error_boundary


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand and its handler."""
    parser = argparse.ArgumentParser(
        prog="samenspraak", description="Run a Samenspraak participation node."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.set_defaults(serves_until_stopped=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for commands in (
        node_commands,
        process_commands,
        residency_commands,
        voting_commands,
        moderation_commands,
        federation_commands,
    ):
        commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``samenspraak`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.serves_until_stopped:
        # Ctrl-C must stop a serving command even when it was started from a shell
        # that set SIGINT to be ignored (background jobs); SIGTERM stops it the same way.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    return run_within_error_boundary(lambda: asyncio.run(args.handler(args)))
