"""The operator's commands: ``samenspraak federation allow|block|unblock|mode|list`` and
``samenspraak moderation queue|resolve|hide|restore|remove|suspend|unsuspend``.

The operator acts as the node's administrators; every decision goes into the
public moderation log. Anything that federates (a process's hide, a Flag) is
queued and goes out when the node serves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from federation.errors import FederationError
from moderation.policy import BLOCK_SEVERITIES, MODES
from node import moderator_actions
from node.config import ConfigError, load_config
from node.moderator_actions import OPERATOR
from node.node import Node, open_node


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add the ``federation`` and ``moderation`` subcommands to the ``samenspraak`` parser."""
    federation = sub.add_parser("federation", help="decide which nodes this node talks to")
    actions = federation.add_subparsers(dest="federation_command", required=True, metavar="ACTION")
    allow = actions.add_parser("allow", help="approve a node (for allowlist mode)")
    allow.add_argument("directory", type=Path)
    allow.add_argument("domain")
    allow.add_argument("--reason", default="")
    block = actions.add_parser("block", help="silence or suspend a node")
    block.add_argument("directory", type=Path)
    block.add_argument("domain")
    block.add_argument("--severity", choices=BLOCK_SEVERITIES, default="suspend")
    block.add_argument("--reason", required=True, help="shown in the public moderation log")
    unblock = actions.add_parser("unblock", help="drop the rule for a node")
    unblock.add_argument("directory", type=Path)
    unblock.add_argument("domain")
    unblock.add_argument("--reason", default="")
    mode = actions.add_parser("mode", help="open, blocklist or allowlist")
    mode.add_argument("directory", type=Path)
    mode.add_argument("mode", choices=MODES)
    mode.add_argument("--reason", default="")
    listing = actions.add_parser("list", help="show the mode and the rules per node")
    listing.add_argument("directory", type=Path)

    moderate = sub.add_parser("moderation", help="handle reports, hide posts, suspend accounts")
    actions = moderate.add_subparsers(dest="moderation_command", required=True, metavar="ACTION")
    queue = actions.add_parser("queue", help="list open reports")
    queue.add_argument("directory", type=Path)
    resolve = actions.add_parser("resolve", help="close a report")
    resolve.add_argument("directory", type=Path)
    resolve.add_argument("report", type=int, help="the report's number, from the queue")
    resolve.add_argument("--dismiss", action="store_true", help="close it without action")
    for name, help_text in (
        ("hide", "hide a post with a public reason"),
        ("remove", "remove a post for good"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("directory", type=Path)
        action.add_argument("object", help="the post's id (URL)")
        action.add_argument("--reason", required=True, help="shown instead of the post")
    restore = actions.add_parser("restore", help="show a hidden post again")
    restore.add_argument("directory", type=Path)
    restore.add_argument("object", help="the post's id (URL)")
    suspend = actions.add_parser("suspend", help="suspend a local or remote account")
    suspend.add_argument("directory", type=Path)
    suspend.add_argument("account", help="a local user name or an account's id (URL)")
    suspend.add_argument("--reason", required=True, help="shown in the public moderation log")
    unsuspend = actions.add_parser("unsuspend", help="lift a suspension or limit")
    unsuspend.add_argument("directory", type=Path)
    unsuspend.add_argument("account", help="a local user name or an account's id (URL)")
    unsuspend.add_argument("--reason", default="")


async def run(args: argparse.Namespace) -> int:
    """Run a ``federation`` or ``moderation`` subcommand."""
    node = await open_node(args.directory, load_config(args.directory))
    await node.start()
    try:
        if args.command == "federation":
            return await _federation(node, args)
        return await _moderation(node, args)
    except FederationError as exc:
        raise ConfigError(exc.message) from exc
    finally:
        await node.close()


async def _federation(node: Node, args: argparse.Namespace) -> int:
    command = args.federation_command
    if command == "list":
        print(f"mode: {await node.moderation.federation_mode()}")
        for rule in await node.moderation.domain_rules():
            print(f"{rule.domain}\t{rule.rule}\t{rule.reason}")
        return 0
    if command == "allow":
        await moderator_actions.allow_domain(node, OPERATOR, args.domain, args.reason)
        print(f"Approved {args.domain}")
    elif command == "block":
        outcome = await moderator_actions.block_domain(
            node, OPERATOR, args.domain, args.severity, args.reason
        )
        print(
            f"Blocked {args.domain} ({args.severity}): {outcome.follows_removed} follows "
            f"removed, {outcome.deliveries_cancelled} queued deliveries cancelled"
        )
    elif command == "unblock":
        await moderator_actions.unblock_domain(node, OPERATOR, args.domain, args.reason)
        print(f"Dropped the rule for {args.domain}")
    else:
        await moderator_actions.set_mode(node, OPERATOR, args.mode, args.reason)
        print(f"Federation mode is now {args.mode}")
    return 0


async def _account_id(node: Node, value: str) -> str:
    if value.startswith(("https://", "http://")):
        return value
    actor = await node.actors.by_username(value.lstrip("@"))
    if actor is None:
        raise ConfigError(f"no local account {value!r}; give a remote account as its URL")
    return actor.uri


async def _moderation(node: Node, args: argparse.Namespace) -> int:
    command = args.moderation_command
    if command == "queue":
        reports = await node.moderation.open_reports()
        for report in reports:
            print(f"#{report.id}\t{report.created_at}\t{report.target_account}")
            for uri in report.object_ids:
                print(f"\t{uri}")
            if report.comment:
                print(f"\t{report.comment}")
        print(f"{len(reports)} open reports")
        return 0
    if command == "resolve":
        state = "dismissed" if args.dismiss else "resolved"
        await moderator_actions.close_report(node, OPERATOR, args.report, state)
        print(f"Report #{args.report} {state}")
    elif command == "hide":
        await moderator_actions.hide(node, OPERATOR, args.object, args.reason)
        print(f"Hidden: {args.object}")
    elif command == "remove":
        await moderator_actions.remove(node, OPERATOR, args.object, args.reason)
        print(f"Removed: {args.object}")
    elif command == "restore":
        await moderator_actions.restore(node, OPERATOR, args.object)
        print(f"Restored: {args.object}")
    elif command == "suspend":
        account = await _account_id(node, args.account)
        await moderator_actions.suspend(node, OPERATOR, account, args.reason)
        print(f"Suspended {account}")
    else:
        account = await _account_id(node, args.account)
        await moderator_actions.unsuspend(node, OPERATOR, account, args.reason)
        print(f"Lifted the sanction on {account}")
    return 0
