"""The operator's say over peers: ``samenspraak federation allow|block|unblock|mode|list``.

The operator acts as the node's administrators; every decision goes into the
public moderation log.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from moderation.policy import BLOCK_SEVERITIES, MODES
from node import moderator_actions
from node.cli.opened_node import opened_node
from node.moderator_actions import OPERATOR


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``federation`` and its actions to the ``samenspraak`` parser."""
    federation = sub.add_parser("federation", help="decide which nodes this node talks to")
    actions = federation.add_subparsers(dest="federation_command", required=True, metavar="ACTION")
    allow = actions.add_parser("allow", help="approve a node (for allowlist mode)")
    allow.add_argument("directory", type=Path)
    allow.add_argument("domain")
    allow.add_argument("--reason", default="")
    allow.set_defaults(handler=federation_allow)
    block = actions.add_parser("block", help="silence or suspend a node")
    block.add_argument("directory", type=Path)
    block.add_argument("domain")
    block.add_argument("--severity", choices=BLOCK_SEVERITIES, default="suspend")
    block.add_argument("--reason", required=True, help="shown in the public moderation log")
    block.set_defaults(handler=federation_block)
    unblock = actions.add_parser("unblock", help="drop the rule for a node")
    unblock.add_argument("directory", type=Path)
    unblock.add_argument("domain")
    unblock.add_argument("--reason", default="")
    unblock.set_defaults(handler=federation_unblock)
    mode = actions.add_parser("mode", help="open, blocklist or allowlist")
    mode.add_argument("directory", type=Path)
    mode.add_argument("mode", choices=MODES)
    mode.add_argument("--reason", default="")
    mode.set_defaults(handler=federation_mode)
    listing = actions.add_parser("list", help="show the mode and the rules per node")
    listing.add_argument("directory", type=Path)
    listing.set_defaults(handler=federation_list)


async def federation_list(args: argparse.Namespace) -> int:
    """``samenspraak federation list``: the mode, then one line per node with a rule."""
    async with opened_node(args.directory) as node:
        print(f"mode: {await node.moderation_store.federation_mode()}")
        for rule in await node.moderation_store.domain_rules():
            print(f"{rule.domain}\t{rule.rule}\t{rule.reason}")
    return 0


async def federation_allow(args: argparse.Namespace) -> int:
    """``samenspraak federation allow``: approve a node."""
    async with opened_node(args.directory) as node:
        await moderator_actions.allow_domain(
            node.moderator_services, OPERATOR, args.domain, args.reason
        )
    print(f"Approved {args.domain}")
    return 0


async def federation_block(args: argparse.Namespace) -> int:
    """``samenspraak federation block``: silence or suspend a node; its follows end."""
    async with opened_node(args.directory) as node:
        outcome = await moderator_actions.block_domain(
            node.moderator_services, OPERATOR, args.domain, args.severity, args.reason
        )
    print(
        f"Blocked {args.domain} ({args.severity}): {outcome.follows_removed} follows "
        f"removed, {outcome.deliveries_cancelled} queued deliveries cancelled"
    )
    return 0


async def federation_unblock(args: argparse.Namespace) -> int:
    """``samenspraak federation unblock``: drop the rule for a node."""
    async with opened_node(args.directory) as node:
        await moderator_actions.unblock_domain(
            node.moderator_services, OPERATOR, args.domain, args.reason
        )
    print(f"Dropped the rule for {args.domain}")
    return 0


async def federation_mode(args: argparse.Namespace) -> int:
    """``samenspraak federation mode``: open, blocklist or allowlist."""
    async with opened_node(args.directory) as node:
        await moderator_actions.set_mode(node.moderator_services, OPERATOR, args.mode, args.reason)
    print(f"Federation mode is now {args.mode}")
    return 0
