"""Federation policy: which nodes this node talks to.

Three modes: ``open`` (every node), ``blocklist`` (every node except blocked
domains, which are silenced or suspended) and ``allowlist`` (only approved
nodes). A rule for a domain also covers its subdomains, as Mastodon's domain
blocks do. Who counts as a trusted node for voting eligibility is a separate
list, owned by the eligibility rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.errors import NotAllowed
from moderation.ports import DomainRule, FederationRuleStore

MODES = ("open", "blocklist", "allowlist")
BLOCK_SEVERITIES = ("silence", "suspend")


@dataclass(frozen=True)
class HostVerdict:
    """What the policy says about one host."""

    accepted: bool
    silenced: bool
    reason: str


ACCEPTED = HostVerdict(accepted=True, silenced=False, reason="")


def candidate_domains(host: str) -> list[str]:
    """The host itself, then its parent domains, most specific first.

    A host with a port (development nodes) only matches exactly.
    """
    host = host.lower()
    if ":" in host:
        return [host]
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]


def judge(mode: str, host: str, rule: DomainRule | None) -> HostVerdict:
    """The verdict for a host under a mode, given the most specific rule that matches it."""
    if mode == "allowlist":
        if rule is not None and rule.rule == "allow":
            return ACCEPTED
        return HostVerdict(False, False, f"{host} is not on this node's list of approved nodes")
    if mode == "blocklist" and rule is not None:
        if rule.rule == "suspend":
            because = f": {rule.reason}" if rule.reason else ""
            return HostVerdict(False, False, f"{host} is blocked by this node{because}")
        if rule.rule == "silence":
            return HostVerdict(True, True, f"{host} is limited by this node")
    return ACCEPTED


class FederationPolicy:
    """Reads the mode and the domain rules from storage on every question, so a
    change (from the CLI, in another process) takes effect at once."""

    def __init__(self, store: FederationRuleStore, own_host: str) -> None:
        self._store = store
        self._own_host = own_host.lower()

    async def matching_rule(self, host: str) -> DomainRule | None:
        """The most specific rule covering a host."""
        for domain in candidate_domains(host):
            rule = await self._store.domain_rule(domain)
            if rule is not None:
                return rule
        return None

    async def verdict(self, host: str) -> HostVerdict:
        """What the policy says about a host; our own host is always accepted."""
        if host.lower() == self._own_host:
            return ACCEPTED
        mode = await self._store.federation_mode()
        return judge(mode, host, await self.matching_rule(host))

    async def check_inbox(self, host: str) -> None:
        """Refuse a POST from a host this node does not federate with (403)."""
        verdict = await self.verdict(host)
        if not verdict.accepted:
            raise NotAllowed(verdict.reason)

    async def may_deliver(self, host: str) -> bool:
        """Whether anything may be sent to a host."""
        return (await self.verdict(host)).accepted
