"""What the inbox asks before it reads a signature: may this host, and this actor, post here?

Both checks are cheap (the host's allowance is one indexed row where processes share
it), so a refused or flooding node costs almost nothing and never uses up another
node's allowance.
"""

from __future__ import annotations

from federation.errors import NotAllowed
from moderation.policy import FederationPolicy
from moderation.ports import SanctionStore
from moderation.spam import Limits


class InboxGate:
    """The federation policy, the per-host rate limit and suspended remote accounts."""

    def __init__(self, policy: FederationPolicy, limits: Limits, sanctions: SanctionStore) -> None:
        self._policy = policy
        self._limits = limits
        self._sanctions = sanctions

    async def check_host(self, host: str) -> None:
        """Refused nodes get 403; a host over its allowance gets 429."""
        await self._policy.check_inbox(host)
        await self._limits.hit("inbox", f"host:{host}")

    async def check_actor(self, actor: str) -> None:
        """Activities of a suspended account are refused with 403."""
        if await self._sanctions.sanction(actor) == "suspended":
            raise NotAllowed(f"{actor} is suspended on this node")
