"""Test only: serve a node that SIGKILLs itself in the middle of an incoming proposal.

Run as ``python -m tests.integration.crash_launcher DIRECTORY``. The node is the
ordinary one, except that registering a proposal kills the process, after the
proposal's Note is stored and before the proposal is saved and announced: the
crash point of ``tests/integration/test_inbox_crash_recovery.py``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from node.config import load_config
from node.participation.models import Proposal
from node.runner import start_node
from node.storage.participation import ParticipationStore


async def _die_instead_of_saving(store: ParticipationStore, proposal: Proposal) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def _serve(directory: Path) -> None:
    await start_node(directory, load_config(directory))
    await asyncio.Event().wait()


if __name__ == "__main__":
    ParticipationStore.save_proposal = _die_instead_of_saving  # type: ignore[method-assign]
    asyncio.run(_serve(Path(sys.argv[1])))
