"""The federation policy's decisions, mode by mode and rule by rule, and the spam
rules as a node's configuration gives them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from federation.errors import NotAllowed
from moderation.policy import FederationPolicy, candidate_domains, judge
from moderation.ports import DomainRule
from moderation.rate_limit import Rate
from moderation.spam import spam_rules_from_settings
from node.web.refusals import http_status


def rule(domain: str, kind: str, reason: str = "") -> DomainRule:
    return DomainRule(domain, kind, reason, "2026-11-26T06:00:00Z")


class MemoryRules:
    """An in-memory FederationRuleStore."""

    def __init__(self, mode: str, *rules: DomainRule) -> None:
        self.mode = mode
        self.rules = {r.domain: r for r in rules}

    async def federation_mode(self) -> str:
        return self.mode

    async def set_federation_mode(self, mode: str) -> None:
        self.mode = mode

    async def domain_rule(self, domain: str) -> DomainRule | None:
        return self.rules.get(domain)

    async def set_domain_rule(self, domain: str, kind: str, reason: str) -> None:
        self.rules[domain] = rule(domain, kind, reason)

    async def remove_domain_rule(self, domain: str) -> bool:
        return self.rules.pop(domain, None) is not None


def test_a_rule_for_a_domain_covers_its_subdomains_but_a_port_matches_only_exactly() -> None:
    assert candidate_domains("wijk.Groningen.nl") == ["wijk.groningen.nl", "groningen.nl"]
    assert candidate_domains("127.0.0.1:8701") == ["127.0.0.1:8701"]


def test_open_mode_accepts_everyone_even_with_rules() -> None:
    assert judge("open", "spam.example", rule("spam.example", "suspend")).accepted


def test_blocklist_refuses_suspended_and_limits_silenced_domains() -> None:
    suspended = judge("blocklist", "spam.example", rule("spam.example", "suspend", "spam"))
    assert not suspended.accepted and "blocked by this node: spam" in suspended.reason
    silenced = judge("blocklist", "loud.example", rule("loud.example", "silence"))
    assert silenced.accepted and silenced.silenced
    assert judge("blocklist", "fine.example", None).accepted


def test_allowlist_accepts_only_approved_domains() -> None:
    assert judge("allowlist", "wijk.example", rule("wijk.example", "allow")).accepted
    assert not judge("allowlist", "other.example", None).accepted
    assert not judge("allowlist", "spam.example", rule("spam.example", "suspend")).accepted


async def test_policy_refuses_at_the_inbox_with_403_and_never_refuses_its_own_host() -> None:
    rules = MemoryRules("blocklist", rule("spam.example", "suspend"))
    policy = FederationPolicy(rules, "own.example")
    with pytest.raises(NotAllowed) as refused:
        await policy.check_inbox("mail.spam.example")
    assert http_status(refused.value) == 403
    assert await policy.may_deliver("wijk.example")
    rules.mode = "allowlist"
    assert not await policy.may_deliver("wijk.example")
    assert await policy.may_deliver("own.example")


async def test_a_change_of_rules_takes_effect_on_the_next_question() -> None:
    rules = MemoryRules("blocklist")
    policy = FederationPolicy(rules, "own.example")
    assert await policy.may_deliver("spam.example")
    await rules.set_domain_rule("spam.example", "suspend", "spam")
    assert not await policy.may_deliver("spam.example")


def test_spam_rules_are_read_from_the_moderation_table_with_clear_errors() -> None:
    rules = spam_rules_from_settings(
        {
            "report_threshold": 5,
            "new_account_days": 2,
            "rates": {"inbox": "100/60"},
            "new_account_rates": {"post": "3/600"},
        }
    )
    assert rules.report_threshold == 5 and rules.new_account_age == timedelta(days=2)
    assert rules.rates["inbox"] == Rate(100, 60) and rules.rates["post"] == Rate(30, 300)
    assert rules.new_account_rates["post"] == Rate(3, 600)
    with pytest.raises(ValueError, match="count/seconds"):
        spam_rules_from_settings({"rates": {"post": "veel"}})
    with pytest.raises(ValueError, match="no rate limit for shout"):
        spam_rules_from_settings({"rates": {"shout": "1/1"}})
    with pytest.raises(ValueError, match="unknown moderation settings: threshold"):
        spam_rules_from_settings({"threshold": 2})
