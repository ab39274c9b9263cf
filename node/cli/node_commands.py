"""``samenspraak init|serve|account|demo|config-reference``: creating, serving and
populating nodes, and the reference of their configuration."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.log import access_logger

from node.cli import processes
from node.cli.directory_lock import held_directory
from node.cli.errors import CliError
from node.cli.log_format import LOG_FORMATS
from node.cli.opened_node import opened_node
from node.clock import iso
from node.config import (
    KINDS,
    NodeConfig,
    config_reference,
    load_config,
    validate_database,
    validate_domain,
    validate_handle,
    validate_trusted_proxies,
)
from node.demo import run_demo
from node.moderator_actions import OPERATOR
from node.participation import signup
from node.roles import change_role
from node.runner import ensure_port_free, start_node, until_stopped
from node.settings import current_values, save_settings
from node.setup import create_account, initialise
from node.storage import database
from node.storage.accounts import ROLES


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``init``, ``serve``, ``account`` and ``demo`` to the ``samenspraak`` parser."""
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
    init.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        help="address or network of a reverse proxy whose X-Forwarded-For is believed"
        " (may be given more than once)",
    )
    init.add_argument(
        "--database",
        default="",
        help="a postgresql:// URL of an empty database; SQLite in DIRECTORY without it",
    )
    init.set_defaults(handler=init_node)

    serve = sub.add_parser("serve", help="serve a node")
    serve.add_argument("directory", type=Path)
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    _log_format_option(serve)
    processes.add_serve_options(serve)
    serve.set_defaults(handler=serve_node, serves_until_stopped=True)

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
    create.set_defaults(handler=account_create)
    listing = account_sub.add_parser("list", help="list local accounts")
    listing.add_argument("directory", type=Path)
    listing.set_defaults(handler=account_list)
    approve = account_sub.add_parser("approve", help="approve an account opened on the pages")
    approve.add_argument("directory", type=Path)
    approve.add_argument("name")
    approve.set_defaults(handler=account_approve)
    reject = account_sub.add_parser(
        "reject", help="reject and remove an account waiting for approval"
    )
    reject.add_argument("directory", type=Path)
    reject.add_argument("name")
    reject.add_argument("--reason", required=True, help="sent to the applicant by e-mail")
    reject.set_defaults(handler=account_reject)
    role = account_sub.add_parser(
        "role", help="give an account another role (shown in the moderation log)"
    )
    role.add_argument("directory", type=Path)
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    role.add_argument("--reason", required=True, help="shown in the public moderation log")
    role.set_defaults(handler=account_role)
    invite = account_sub.add_parser("invite", help="make an invitation link for one account")
    invite.add_argument("directory", type=Path)
    invite.add_argument(
        "--days", type=int, default=signup.INVITATION_DAYS, help="how long the link works"
    )
    invite.set_defaults(handler=account_invite)

    settings = sub.add_parser(
        "settings",
        help="show or change the settings the administrators' page changes (checked first)",
    )
    settings.add_argument("directory", type=Path)
    settings.add_argument(
        "changes",
        nargs="*",
        metavar="TABLE.KEY=VALUE",
        help="e.g. look.colour=#1d4ed8, node.languages=nl,en; repeat node.rules=... per rule",
    )
    settings.set_defaults(handler=node_settings)

    demo = sub.add_parser("demo", help="build and serve the demo network on 127.0.0.1")
    demo.add_argument("--base-port", type=int, default=8700)
    demo.add_argument(
        "--directory",
        type=Path,
        default=None,
        help="where to keep the demo nodes (default: a fresh temporary folder)",
    )
    _log_format_option(demo)
    demo.set_defaults(handler=demo_network, serves_until_stopped=True)

    reference = sub.add_parser(
        "config-reference", help="write the reference of every samenspraak.toml key"
    )
    reference.add_argument(
        "--output", type=Path, default=None, help="the file to write (default: standard output)"
    )
    reference.set_defaults(handler=write_config_reference)


def _log_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="json: one JSON object per line, for log collectors",
    )


async def init_node(args: argparse.Namespace) -> int:
    """``samenspraak init``: a new node directory with its organisation and an admin."""
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
        database=validate_database(args.database),
        trusted_proxies=validate_trusted_proxies(args.trusted_proxy, "--trusted-proxy"),
    )
    if not config.name:
        raise CliError("--name must not be empty")
    admin = await initialise(args.directory, config)
    print(f"Created node {config.name} in {args.directory}")
    print(f"  organisation: @{handle}@{domain}  ({config.base_url}/actors/{handle})")
    print(f"  admin login:  {admin.actor.username}  one-time password: {admin.password}")
    print(f"Serve it with: samenspraak serve {args.directory}")
    return 0


async def serve_node(args: argparse.Namespace) -> int:
    """``samenspraak serve``: serve the node, with its workers, until stopped."""
    config = load_config(args.directory).with_server(args.host, args.port)
    if args.listen_fd is not None:
        # One of the web processes of serve --workers, whose parent holds the directory.
        return await processes.serve_web_process(args, config)
    if processes.several_processes(args):
        processes.require_shared_database(args.directory, config, "--workers or --no-jobs")
    with held_directory(args.directory):
        try:
            if args.workers > 1:
                return await processes.serve_with_workers(args, config)
            ensure_port_free(config.host, config.port)
            running = await start_node(
                args.directory, config, access_log=access_logger, run_workers=not args.no_jobs
            )
        except Exception as exc:
            if not database.database_error(exc):
                raise
            raise CliError(f"cannot serve {args.directory}: its database: {exc}") from exc
        print(
            f"Serving {config.name} at {config.base_url} "
            f"(listening on {config.host}:{config.port})",
            flush=True,
        )
        try:
            await until_stopped()
        finally:
            await running.stop()
    return 0


async def account_create(args: argparse.Namespace) -> int:
    """``samenspraak account create``: a local person, with a given or generated password."""
    async with opened_node(args.directory) as node:
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


async def account_list(args: argparse.Namespace) -> int:
    """``samenspraak account list``: one line per local account."""
    async with opened_node(args.directory) as node:
        for account in await node.accounts.all():
            print(f"{account.username}\t{account.role}\t{account.actor_uri}\t{account.created_at}")
    return 0


async def account_approve(args: argparse.Namespace) -> int:
    """``samenspraak account approve``: let in an account waiting for approval; its owner
    gets a mail when the node serves."""
    async with opened_node(args.directory) as node:
        approved = await signup.approve_signup(node.participation_services, args.name)
    print(f"Approved {approved.username}; a mail to {approved.email} is queued")
    return 0


async def account_reject(args: argparse.Namespace) -> int:
    """``samenspraak account reject``: turn down and remove an account waiting for approval,
    with a reason mailed to its owner."""
    async with opened_node(args.directory) as node:
        rejected = await signup.reject_signup(node.participation_services, args.name, args.reason)
    print(f"Rejected and removed {rejected.username}; a mail to {rejected.email} is queued")
    return 0


async def account_role(args: argparse.Namespace) -> int:
    """``samenspraak account role``: give an account another role, as an administrator does
    on /admin/roles; the public moderation log shows it."""
    async with opened_node(args.directory) as node:
        entry = await change_role(
            node.moderator_services, OPERATOR, args.name, args.role, args.reason
        )
    print(f"{args.name} is now {args.role} (moderation log entry {entry.id}: {entry.reason})")
    return 0


async def node_settings(args: argparse.Namespace) -> int:
    """``samenspraak settings``: without changes, the settings /admin/settings shows; with
    ``TABLE.KEY=VALUE`` changes, write them as the page does once the file passes the
    start's checks (the node applies them when it starts again)."""
    if not args.changes:
        for name, value in current_values(args.directory).items():
            # A list (node.rules) one item a line, as it is given: repeated.
            for item in value.splitlines() or [""]:
                print(f"{name}\t{item}")
        return 0
    changes: dict[str, str] = {}
    for change in args.changes:
        name, sep, value = change.partition("=")
        if not sep:
            raise CliError(f"write a change as TABLE.KEY=VALUE, not {change!r}")
        # A list (node.rules) takes one item per repetition: node.rules=A node.rules=B.
        changes[name] = f"{changes[name]}\n{value}" if name in changes else value
    _, _, changed = save_settings(args.directory, changes)
    print(f"Saved: {', '.join(changed) or 'nothing changed'}")
    return 0


async def account_invite(args: argparse.Namespace) -> int:
    """``samenspraak account invite``: an invitation link that opens one account."""
    async with opened_node(args.directory) as node:
        admin = await node.organisation()
        link, expires = await signup.invite(node.participation_services, admin.uri, args.days)
    print(f"Invitation link (works once, until {iso(datetime.fromtimestamp(expires, UTC))}):")
    print(f"  {link}")
    return 0


async def demo_network(args: argparse.Namespace) -> int:
    """``samenspraak demo``: the three-node demo network on 127.0.0.1, until stopped."""
    if not args.verbose:
        # The demo opens with its banner: how its databases were migrated is for
        # serve and migrate to tell (and for -v here).
        logging.getLogger(database.__name__).setLevel(logging.WARNING)
    await run_demo(args.base_port, args.directory)
    return 0


async def write_config_reference(args: argparse.Namespace) -> int:
    """``samenspraak config-reference``: docs/CONFIGURATION.md, from node/config.py."""
    text = config_reference()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"Wrote {args.output}")
    return 0
