"""``samenspraak`` commands run as an operator runs them: in a process of their own."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from node.config import DATABASE_FILE
from node.storage.database import Database


async def samenspraak(*arguments: str) -> tuple[int, str, str]:
    """Run ``samenspraak ARGUMENTS``; its exit status, standard output and standard error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "node.cli",
        *arguments,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def rows_in(directory: Path, table: str) -> int:
    """Rows in a table of a node directory's database (no node running)."""

    async def count() -> int:
        db = await Database.open(directory / DATABASE_FILE)
        try:
            return int(await db.fetch_value(f"SELECT COUNT(*) FROM {table}"))
        finally:
            await db.close()

    return asyncio.run(count())
