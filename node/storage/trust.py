"""The hosts this node trusts to attest the residency of their members (``trusted_nodes``).

Trust is per node and decided by its moderators (``samenspraak trust add``): a
``trusted-nodes`` process counts verified residents of these hosts, and of no others.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from federation.errors import Refused
from node.clock import iso_now
from node.storage.database import Database


def normalise_host(text: str) -> str:
    """``https://Wijert.example/`` or ``wijert.example`` → ``wijert.example`` (port kept)."""
    text = text.strip()
    host = urlsplit(text).netloc if "://" in text else text.split("/", 1)[0]
    host = host.lower()
    if not host or any(c.isspace() for c in host) or "@" in host:
        raise Refused(f"{text!r} is not a host name such as wijert.example or 127.0.0.1:8702")
    return host


class TrustList:
    """The trusted hosts of this node, over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, host: str) -> bool:
        """Trust a host; False when it was trusted already."""
        count = await self._db.execute_rowcount(
            "INSERT OR IGNORE INTO trusted_nodes (host, added_at) VALUES (?, ?)",
            (normalise_host(host), iso_now()),
        )
        return count > 0

    async def remove(self, host: str) -> bool:
        """Stop trusting a host; False when it was not trusted."""
        count = await self._db.execute_rowcount(
            "DELETE FROM trusted_nodes WHERE host = ?", (normalise_host(host),)
        )
        return count > 0

    async def hosts(self) -> list[str]:
        """Every trusted host, alphabetically."""
        rows = await self._db.fetch_all("SELECT host FROM trusted_nodes ORDER BY host")
        return [r["host"] for r in rows]

    async def is_trusted(self, host: str) -> bool:
        """Whether residency attested by this host is believed."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM trusted_nodes WHERE host = ?", (host.lower(),)
        )
        return found == 1
