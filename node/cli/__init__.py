"""The ``samenspraak`` command: one parser, one handler per subcommand, one error boundary.

A surface, like the pages and the client API: each command parses its
arguments, opens the node directory, calls the domain and prints. This module
builds the parser (``build_parser``) and runs the chosen handler
(``main``); each ``*_commands`` module adds the subcommands of what it acts on
and gives every one a handler with ``set_defaults(handler=...)``.

Imports: the domain, ``node.storage``, ``node.setup``, ``node.runner``,
``node.demo`` and everything below. Nothing in the domain or in
``node.storage`` may import it (contracts in ``[tool.importlinter]`` of
``pyproject.toml``).

Modules:

- ``__main__`` — ``python -m node.cli``: the command without its installed script.
- ``agreement_commands`` — ``samenspraak agreement offer|accept|decline|end|list`` and
  ``samenspraak registrar code|bind``.
- ``backup_commands`` — ``samenspraak backup|restore|migrate``.
- ``directory_lock`` — one serving process per node directory: a lock file held
  while ``serve`` runs.
- ``errors`` — the one error boundary (``run_within_error_boundary``): a problem
  the user can fix is one line on standard error, exit status 2.
- ``log_format`` — plain log lines, or one JSON object per line (``--log-format json``).
- ``federation_commands`` — ``samenspraak federation allow|block|unblock|mode|list``.
- ``moderation_commands`` — ``samenspraak moderation``: queue, resolve, hide,
  restore, remove, suspend, unsuspend.
- ``node_commands`` — ``samenspraak init|serve|account|demo|config-reference``.
- ``opened_node`` — the one way a command opens a node directory and closes it
  again (``opened_node``).
- ``panel_commands`` — ``samenspraak panel create|start|join``: panel draws by lot.
- ``process_commands`` — ``samenspraak process create|phase|close|list`` and
  ``samenspraak proposal list|status``.
- ``processes`` — several processes for one node: ``samenspraak serve --workers N``
  and ``samenspraak worker``.
- ``residency_commands`` — ``samenspraak addresses import``, ``verify``,
  ``letter-code`` and ``trust add|remove|list``.
- ``voting_commands`` — ``samenspraak vote open|close`` and ``budget open|close``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Sequence

from node.cli import (
    agreement_commands,
    backup_commands,
    federation_commands,
    moderation_commands,
    node_commands,
    panel_commands,
    process_commands,
    processes,
    residency_commands,
    voting_commands,
)
from node.cli.errors import run_within_error_boundary
from node.cli.log_format import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand and its handler."""
    parser = argparse.ArgumentParser(
        prog="samenspraak", description="Run a Samenspraak participation node."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.set_defaults(serves_until_stopped=False, log_format="text")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for commands in (
        node_commands,
        backup_commands,
        process_commands,
        residency_commands,
        voting_commands,
        agreement_commands,
        panel_commands,
        moderation_commands,
        federation_commands,
        processes,
    ):
        commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``samenspraak`` command."""
    args = build_parser().parse_args(argv)
    configure_logging(args.log_format, args.verbose)
    if args.serves_until_stopped:
        # Ctrl-C must stop a serving command even when it was started from a shell
        # that set SIGINT to be ignored (background jobs); SIGTERM stops it the same way.
        # This covers start-up; once serving, node/runner.py until_stopped takes both.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    return run_within_error_boundary(lambda: asyncio.run(args.handler(args)))
