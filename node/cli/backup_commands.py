"""``samenspraak backup|restore|migrate``: a node's database kept safe and brought up to date."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from node.config import DATABASE_FILE, load_config
from node.storage.backup import back_up, restore
from node.storage.database import Database


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``backup``, ``restore`` and ``migrate`` to the ``samenspraak`` parser."""
    backup = sub.add_parser(
        "backup", help="write a consistent backup of a node, also while it serves"
    )
    backup.add_argument("directory", type=Path)
    backup.add_argument("file", type=Path, help="the archive to write (.tar.gz)")
    backup.set_defaults(handler=backup_node)

    restoring = sub.add_parser("restore", help="restore a backup into a new node directory")
    restoring.add_argument("file", type=Path)
    restoring.add_argument("directory", type=Path)
    restoring.set_defaults(handler=restore_node)

    migrate = sub.add_parser("migrate", help="apply the database migrations a node lacks")
    migrate.add_argument("directory", type=Path)
    migrate.set_defaults(handler=migrate_node)


async def backup_node(args: argparse.Namespace) -> int:
    """``samenspraak backup``: the node's configuration, media and a database snapshot."""
    # In a thread: the copy reads the whole database, and a serving node in this
    # process (the demo, the tests) keeps answering meanwhile.
    size = await asyncio.to_thread(back_up, args.directory, args.file)
    print(f"Backed up {args.directory} to {args.file} ({size} bytes)")
    return 0


async def restore_node(args: argparse.Namespace) -> int:
    """``samenspraak restore``: a new node directory from a backup, ready to serve."""
    await asyncio.to_thread(restore, args.file, args.directory)
    config = load_config(args.directory)
    print(f"Restored {config.name} ({config.domain}) into {args.directory}")
    print(f"Serve it with: samenspraak serve {args.directory}")
    return 0


async def migrate_node(args: argparse.Namespace) -> int:
    """``samenspraak migrate``: apply pending migrations (``serve`` does it at start too)."""
    load_config(args.directory)
    db = await Database.open(args.directory / DATABASE_FILE)
    await db.close()
    print(f"The database of {args.directory} is up to date")
    return 0
