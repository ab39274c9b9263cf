"""The operator's moderation:
``samenspraak moderation queue|resolve|hide|restore|remove|suspend|unsuspend``.

The operator acts as the node's administrators; every decision goes into the
public moderation log. Anything that federates (a process's hide, a Flag) is
queued and goes out when the node serves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from node import moderator_actions
from node.cli.errors import CliError
from node.cli.opened_node import opened_node
from node.moderator_actions import OPERATOR
from node.node import Node


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``moderation`` and its actions to the ``samenspraak`` parser."""
    moderate = sub.add_parser("moderation", help="handle reports, hide posts, suspend accounts")
    actions = moderate.add_subparsers(dest="moderation_command", required=True, metavar="ACTION")
    queue = actions.add_parser("queue", help="list open reports")
    queue.add_argument("directory", type=Path)
    queue.set_defaults(handler=moderation_queue)
    resolve = actions.add_parser("resolve", help="close a report")
    resolve.add_argument("directory", type=Path)
    resolve.add_argument("report", type=int, help="the report's number, from the queue")
    resolve.add_argument("--dismiss", action="store_true", help="close it without action")
    resolve.set_defaults(handler=moderation_resolve)
    for name, help_text, handler in (
        ("hide", "hide a post with a public reason", moderation_hide),
        ("remove", "remove a post for good", moderation_remove),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("directory", type=Path)
        action.add_argument("object", help="the post's id (URL)")
        action.add_argument("--reason", required=True, help="shown instead of the post")
        action.set_defaults(handler=handler)
    restore = actions.add_parser("restore", help="show a hidden post again")
    restore.add_argument("directory", type=Path)
    restore.add_argument("object", help="the post's id (URL)")
    restore.set_defaults(handler=moderation_restore)
    suspend = actions.add_parser("suspend", help="suspend a local or remote account")
    suspend.add_argument("directory", type=Path)
    suspend.add_argument("account", help="a local user name or an account's id (URL)")
    suspend.add_argument("--reason", required=True, help="shown in the public moderation log")
    suspend.set_defaults(handler=moderation_suspend)
    unsuspend = actions.add_parser("unsuspend", help="lift a suspension or limit")
    unsuspend.add_argument("directory", type=Path)
    unsuspend.add_argument("account", help="a local user name or an account's id (URL)")
    unsuspend.add_argument("--reason", default="")
    unsuspend.set_defaults(handler=moderation_unsuspend)


async def moderation_queue(args: argparse.Namespace) -> int:
    """``samenspraak moderation queue``: the open reports with what they point at."""
    async with opened_node(args.directory) as node:
        reports = await node.moderation_store.open_reports()
    for report in reports:
        print(f"#{report.id}\t{report.created_at}\t{report.target_account}")
        for uri in report.object_ids:
            print(f"\t{uri}")
        if report.comment:
            print(f"\t{report.comment}")
    print(f"{len(reports)} open reports")
    return 0


async def moderation_resolve(args: argparse.Namespace) -> int:
    """``samenspraak moderation resolve``: close a report, acted on or dismissed."""
    state = "dismissed" if args.dismiss else "resolved"
    async with opened_node(args.directory) as node:
        await moderator_actions.close_report(node.moderator_services, OPERATOR, args.report, state)
    print(f"Report #{args.report} {state}")
    return 0


async def moderation_hide(args: argparse.Namespace) -> int:
    """``samenspraak moderation hide``: show a public reason instead of a post."""
    async with opened_node(args.directory) as node:
        await moderator_actions.hide(node.moderator_services, OPERATOR, args.object, args.reason)
    print(f"Hidden: {args.object}")
    return 0


async def moderation_remove(args: argparse.Namespace) -> int:
    """``samenspraak moderation remove``: remove a post for good."""
    async with opened_node(args.directory) as node:
        await moderator_actions.remove(node.moderator_services, OPERATOR, args.object, args.reason)
    print(f"Removed: {args.object}")
    return 0


async def moderation_restore(args: argparse.Namespace) -> int:
    """``samenspraak moderation restore``: show a hidden post again."""
    async with opened_node(args.directory) as node:
        await moderator_actions.restore(node.moderator_services, OPERATOR, args.object)
    print(f"Restored: {args.object}")
    return 0


async def _account_id(node: Node, value: str) -> str:
    if value.startswith(("https://", "http://")):
        return value
    actor = await node.actors.by_username(value.lstrip("@"))
    if actor is None:
        raise CliError(f"no local account {value!r}; give a remote account as its URL")
    return actor.uri


async def moderation_suspend(args: argparse.Namespace) -> int:
    """``samenspraak moderation suspend``: suspend a local or remote account."""
    async with opened_node(args.directory) as node:
        account = await _account_id(node, args.account)
        await moderator_actions.suspend(node.moderator_services, OPERATOR, account, args.reason)
    print(f"Suspended {account}")
    return 0


async def moderation_unsuspend(args: argparse.Namespace) -> int:
    """``samenspraak moderation unsuspend``: lift a suspension or limit."""
    async with opened_node(args.directory) as node:
        account = await _account_id(node, args.account)
        await moderator_actions.unsuspend(node.moderator_services, OPERATOR, account, args.reason)
    print(f"Lifted the sanction on {account}")
    return 0
