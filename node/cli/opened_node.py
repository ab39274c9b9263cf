"""The one way a command opens a node directory and closes it again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from node.config import load_config
from node.node import Node, open_node


@asynccontextmanager
async def opened_node(directory: Path) -> AsyncIterator[Node]:
    """The node in ``directory``, ready to act and federate; closed when the command ends.

    What a command queues for federation is only written here; it goes out when
    the node serves.
    """
    node = await open_node(directory, load_config(directory))
    try:
        await node.start()
        yield node
    finally:
        await node.close()
