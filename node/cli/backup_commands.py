"""``samenspraak backup|restore|migrate|migrate-to-postgres``: a node's database kept
safe, brought up to date, and moved from SQLite to PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from node.cli.directory_lock import held_directory
from node.cli.errors import CliError
from node.config import DATABASE_FILE, load_config, set_database, validate_database
from node.storage.backup import back_up, restore
from node.storage.database import Database, without_password


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``backup``, ``restore``, ``migrate`` and ``migrate-to-postgres`` to the
    ``samenspraak`` parser."""
    backup = sub.add_parser(
        "backup", help="write a consistent backup of a node, also while it serves"
    )
    backup.add_argument("directory", type=Path)
    backup.add_argument("file", type=Path, help="the archive to write (.tar.gz)")
    backup.set_defaults(handler=backup_node)

    restoring = sub.add_parser("restore", help="restore a backup into a new node directory")
    restoring.add_argument("file", type=Path)
    restoring.add_argument("directory", type=Path)
    restoring.add_argument(
        "--database",
        default="",
        help="for a backup of a node on PostgreSQL: the postgresql:// URL of an empty "
        "database to restore it into",
    )
    restoring.set_defaults(handler=restore_node)

    migrate = sub.add_parser("migrate", help="apply the database migrations a node lacks")
    migrate.add_argument("directory", type=Path)
    migrate.set_defaults(handler=migrate_node)

    to_postgres = sub.add_parser(
        "migrate-to-postgres",
        help="copy a stopped SQLite node into an empty PostgreSQL database and use that",
    )
    to_postgres.add_argument("directory", type=Path)
    to_postgres.add_argument("url", help="postgresql://user:password@host:port/name")
    to_postgres.set_defaults(handler=migrate_to_postgres)


async def backup_node(args: argparse.Namespace) -> int:
    """``samenspraak backup``: the node's configuration, media and a database snapshot."""
    # In a thread: the copy reads the whole database, and a serving node in this
    # process (the demo, the tests) keeps answering meanwhile.
    size = await asyncio.to_thread(back_up, args.directory, args.file)
    print(f"Backed up {args.directory} to {args.file} ({size} bytes)")
    return 0


async def restore_node(args: argparse.Namespace) -> int:
    """``samenspraak restore``: a new node directory from a backup, ready to serve."""
    await asyncio.to_thread(restore, args.file, args.directory, validate_database(args.database))
    config = load_config(args.directory)
    print(f"Restored {config.name} ({config.domain}) into {args.directory}")
    print(f"Serve it with: samenspraak serve {args.directory}")
    return 0


async def migrate_node(args: argparse.Namespace) -> int:
    """``samenspraak migrate``: apply pending migrations (``serve`` does it at start too)."""
    config = load_config(args.directory)
    db = await Database.open(config.database_location(args.directory))
    await db.close()
    print(f"The database of {args.directory} is up to date")
    return 0


async def migrate_to_postgres(args: argparse.Namespace) -> int:
    """``samenspraak migrate-to-postgres``: copy the node's SQLite database into PostgreSQL,
    check the copy (rows per table, every tally recounted), then point the node at it."""
    config = load_config(args.directory)
    url = validate_database(args.url)
    if not url:
        raise CliError("the URL is empty; give a postgresql:// URL")
    if config.database:
        raise CliError(
            f"{args.directory} uses {without_password(config.database)} already, not SQLite"
        )
    # Here: asyncpg is an optional dependency (the extra "postgresql").
    from node.storage.to_postgres import CopyError, copy_to_postgres

    # Writes the node made during the copy would be lost: it must not serve meanwhile.
    with held_directory(args.directory, "copy"):
        try:
            report = await copy_to_postgres(args.directory / DATABASE_FILE, url)
        except CopyError as exc:
            raise CliError(f"nothing was changed: {exc}") from exc
        set_database(args.directory, url)
    for table, count in sorted(report.rows.items()):
        print(f"  {table}: {count} rows")
    recounted = ", ".join(f"{count} {what}" for what, count in report.tallies.items())
    print(f"Copied {sum(report.rows.values())} rows; recounted equal: {recounted}")
    print(
        f"{args.directory} now uses {without_password(url)}; its SQLite file is left as it "
        f"was. Serve it with: samenspraak serve {args.directory}"
    )
    return 0
