"""The ``samenspraak`` command."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from node.config import (
    KINDS,
    ConfigError,
    NodeConfig,
    load_config,
    validate_domain,
    validate_handle,
)
from node.storage.accounts import ROLES


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="samenspraak", description="Run a Samenspraak participation node."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = sub.add_parser("init", help="create a node directory")
    init.add_argument("directory", type=Path)
    init.add_argument("--domain", required=True, help="HOST[:PORT] the node is reached at")
    init.add_argument("--name", required=True, help='display name, e.g. "Wijkraad Oosterpark"')
    init.add_argument("--handle", required=True, help="the organisation's account name")
    init.add_argument("--kind", choices=KINDS, default="collective")
    init.add_argument("--dev", action="store_true", help="plain HTTP on loopback (development)")
    init.add_argument(
        "--authorized-fetch",
        action="store_true",
        help="require signed GETs of ActivityPub documents",
    )

    serve = sub.add_parser("serve", help="serve a node")
    serve.add_argument("directory", type=Path)
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)

    account = sub.add_parser("account", help="manage local accounts")
    account_sub = account.add_subparsers(dest="account_command", required=True, metavar="ACTION")
    create = account_sub.add_parser("create", help="add a local person")
    create.add_argument("directory", type=Path)
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, default="resident")
    create.add_argument("--display-name", default=None)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    listing = account_sub.add_parser("list", help="list local accounts")
    listing.add_argument("directory", type=Path)

    from node.participation import commands as participation_commands

    participation_commands.add_commands(sub)

    from node import moderation_commands

    moderation_commands.add_commands(sub)
    from node.participation import voting_commands

    voting_commands.add_commands(sub)

    demo = sub.add_parser("demo", help="build and serve the demo network on 127.0.0.1")
    demo.add_argument("--base-port", type=int, default=8700)
    demo.add_argument(
        "--directory",
        type=Path,
        default=None,
        help="where to keep the demo nodes (default: a fresh temporary folder)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``samenspraak`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "demo":
        # Ctrl-C must stop the demo even when it was started from a shell that set
        # SIGINT to be ignored (background jobs); SIGTERM stops it the same way.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return asyncio.run(_dispatch(args)) if args.command != "serve" else _serve(args)
    except (CliError, ConfigError) as exc:
        print(f"samenspraak: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "init":
        return await _init(args)
    if args.command == "account":
        return await _account(args)
    if args.command in ("process", "proposal"):
        from node.participation import commands as participation_commands

        return await participation_commands.run(args)
    from node.participation import voting_commands

    if args.command in voting_commands.COMMANDS:
        return await voting_commands.run(args)
    if args.command in ("federation", "moderation"):
        from node import moderation_commands

        return await moderation_commands.run(args)
    if args.command == "demo":
        from node.demo import run_demo

        await run_demo(args.base_port, args.directory)
        return 0
    raise CliError(f"unknown command {args.command}")


async def _init(args: argparse.Namespace) -> int:
    from node.setup import initialise

    domain = validate_domain(args.domain, args.dev)
    handle = validate_handle(args.handle)
    port = int(domain.rsplit(":", 1)[1]) if ":" in domain else 8700
    config = NodeConfig(
        domain=domain,
        name=args.name.strip(),
        handle=handle,
        kind=args.kind,
        dev=args.dev,
        authorized_fetch=args.authorized_fetch,
        port=port,
    )
    if not config.name:
        raise CliError("--name must not be empty")
    admin = await initialise(args.directory, config)
    print(f"Created node {config.name} in {args.directory}")
    print(f"  organisation: @{handle}@{domain}  ({config.base_url}/actors/{handle})")
    print(f"  admin login:  {admin.actor.username}  one-time password: {admin.password}")
    print(f"Serve it with: samenspraak serve {args.directory}")
    return 0


async def _account(args: argparse.Namespace) -> int:
    from node.node import open_node
    from node.setup import create_account

    node = await open_node(args.directory, load_config(args.directory))
    try:
        if args.account_command == "list":
            for account in await node.accounts.all():
                print(
                    f"{account.username}\t{account.role}\t{account.actor_uri}\t{account.created_at}"
                )
            return 0
        password = None
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CliError("no password on standard input")
        created = await create_account(
            node.db, node.urls, args.name, args.role, password, args.display_name
        )
        print(f"Created {created.role} {created.actor.username} ({created.actor.uri})")
        if created.generated:
            print(f"  password: {created.password}")
        return 0
    finally:
        await node.close()


def ensure_port_free(host: str, port: int) -> None:
    """Fail early, with a clear message, when the port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server itself will: connections of a previous run lingering in
        # TIME_WAIT must not count as "in use", a listening socket does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliError(f"port {port} on {host} is already in use") from exc
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _serve(args: argparse.Namespace) -> int:
    from node.node import open_node
    from node.web.app import create_app

    config = load_config(args.directory).with_server(args.host, args.port)
    ensure_port_free(config.host, config.port)

    async def make_app() -> web.Application:
        node = await open_node(args.directory, config)
        return create_app(node)

    print(f"Serving {config.name} at {config.base_url} (listening on {config.host}:{config.port})")
    web.run_app(make_app(), host=config.host, port=config.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
