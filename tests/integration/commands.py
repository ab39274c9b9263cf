"""``samenspraak`` commands run as an operator runs them: in a process of their own."""

from __future__ import annotations

import asyncio
import sys


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
