"""Rules against spam and floods: rate limits, new accounts, reported content.

- Every local account and every remote host has its own allowance per action
  (``moderation.rate_limit``); a refusal is a 429 with ``Retry-After``.
- New accounts that are not verified get a smaller allowance until they are
  older than ``new_account_age``.
- Content reported by ``report_threshold`` distinct reporters is hidden pending
  review, and its author is told. A local account counts as one reporter, a
  remote server as one however many of its actors report, and one remote
  server's reports alone never hide anything before a moderator looks.
- Suspended accounts cannot act at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from federation.errors import NotAllowed, RateLimited
from moderation.ports import AccountFactsSource, Reporters, SanctionStore, SharedBuckets
from moderation.rate_limit import DEFAULT_RATES, Decision, Rate, RateLimiter

# A new, unverified account can take part in a lively consultation on its first
# day, but gets a third of the normal allowance (half for supports), which is too
# little to flood a process from a batch of fresh accounts.
NEW_ACCOUNT_RATES: Mapping[str, Rate] = MappingProxyType(
    {
        "post": Rate(10, 300),
        "support": Rate(60, 300),
        "vote": Rate(20, 300),
        "report": Rate(3, 3600),
    }
)
NEW_PREFIX = "new:"
# Ten password attempts at one account name per five minutes from one address stop
# guessing, not typos; thirty from one address over all names stop one address from
# trying a common password on every account.
# Thirty handle lookups per five minutes from one address let a visitor mistype their
# handle often, but not make the node ask other servers in bulk on anyone's behalf.
NODE_RATES: Mapping[str, Rate] = MappingProxyType(
    {
        **DEFAULT_RATES,
        "login": Rate(10, 300),
        "login_address": Rate(30, 300),
        "lookup_address": Rate(30, 300),
    }
)
# Account names are keys of buckets: bounded, so a guesser cannot fill memory with long ones.
MAX_LOGIN_NAME = 64


@dataclass(frozen=True)
class SpamRules:
    """The configurable numbers of the spam rules."""

    report_threshold: int = 3
    new_account_age: timedelta = timedelta(days=7)
    rates: Mapping[str, Rate] = field(default_factory=lambda: dict(NODE_RATES))
    new_account_rates: Mapping[str, Rate] = field(default_factory=lambda: dict(NEW_ACCOUNT_RATES))

    def __post_init__(self) -> None:
        if self.report_threshold < 1:
            raise ValueError("report_threshold must be at least 1")


def is_new_account(created_at: str, verified: bool, now: datetime, min_age: timedelta) -> bool:
    """Whether an account still gets the smaller allowance of new accounts."""
    if verified:
        return False
    return now - datetime.fromisoformat(created_at) < min_age


def reached_report_threshold(reporters: Reporters, rules: SpamRules) -> bool:
    """Whether reported content is hidden pending review.

    Any server can mint actors, so a remote server counts once, and reports from a
    single remote server never reach the threshold on their own (even a threshold of 1).
    """
    if reporters.local_accounts == 0 and reporters.remote_servers < 2:
        return False
    return reporters.local_accounts + reporters.remote_servers >= rules.report_threshold


class Limits:
    """The node's rate limits; ``configure`` swaps in new numbers with fresh allowances."""

    def __init__(
        self,
        rules: SpamRules,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedBuckets | None = None,
    ) -> None:
        self._clock = clock
        self._shared = shared
        self.configure(rules)

    @property
    def rules(self) -> SpamRules:
        """The rules in force."""
        return self._rules

    @property
    def longest_period(self) -> float:
        """The longest period of any rate, in seconds: a bucket untouched that long is full."""
        return max(rate.per_seconds for rate in self._rates.values())

    def configure(self, rules: SpamRules) -> None:
        """Use other rules from now on."""
        self._rules = rules
        rates = dict(rules.rates)
        rates.update({NEW_PREFIX + k: v for k, v in rules.new_account_rates.items()})
        self._rates = rates
        self._limiter = RateLimiter(rates, clock=self._clock)

    async def hit(self, action: str, subject: str, *, new_account: bool = False) -> None:
        """Spend one action of a subject's allowance, or refuse with 429."""
        key = (
            NEW_PREFIX + action
            if new_account and action in self._rules.new_account_rates
            else action
        )
        decision = await self._spend(key, subject)
        if not decision.allowed:
            raise RateLimited(
                f"too many {action} actions; try again in {decision.retry_after_header} seconds",
                decision.retry_after,
            )

    async def hit_login(self, address: str, username: str) -> None:
        """Spend one password attempt, or refuse with 429, for every login surface alike.

        Attempts count per client address and account name together, so guesses at one
        account from one address never lock that account out at any other address (a
        resident behind the same proxy, say); ``login_address`` bounds one address's
        attempts over all names.
        """
        name = username.strip().lower()[:MAX_LOGIN_NAME]
        for action, subject in (
            ("login", f"address:{address} account:{name}"),
            ("login_address", f"address:{address}"),
        ):
            decision = await self._spend(action, subject)
            if not decision.allowed:
                raise RateLimited(
                    f"Too many login attempts; try again in {decision.retry_after_header} seconds",
                    decision.retry_after,
                )

    async def _spend(self, action: str, subject: str) -> Decision:
        # Several processes of one node spend one allowance together (SharedBuckets);
        # a node in one process keeps its buckets in memory.
        if self._shared is None:
            return self._limiter.hit(action, subject)
        return await self._shared.take(action, subject, self._rates[action])


class ActionGuard:
    """Checks a local account before it acts: not suspended, within its allowance."""

    def __init__(
        self,
        limits: Limits,
        sanctions: SanctionStore,
        facts: AccountFactsSource,
        now: Callable[[], datetime],
    ) -> None:
        self._limits = limits
        self._sanctions = sanctions
        self._facts = facts
        self._now = now

    async def check(self, account: str, action: str) -> None:
        """Refuse (403 or 429) or let the action go ahead, spending one of the allowance."""
        if await self._sanctions.sanction(account) == "suspended":
            raise NotAllowed("this account is suspended by the moderators of this node")
        facts = await self._facts.account_facts(account)
        new = facts is not None and is_new_account(
            facts.created_at, facts.verified, self._now(), self._limits.rules.new_account_age
        )
        await self._limits.hit(action, f"account:{account}", new_account=new)


def parse_rate(text: str) -> Rate:
    """A rate written as ``count/seconds``, e.g. ``"30/300"``."""
    count, sep, seconds = str(text).partition("/")
    try:
        return Rate(int(count), float(seconds if sep else "none"))
    except ValueError as exc:
        raise ValueError(
            f'a rate is written as count/seconds (at least 1 and more than 0), like "30/300", '
            f"not {text!r}"
        ) from exc


def spam_rules_from_settings(settings: Mapping[str, Any]) -> SpamRules:
    """The rules from the ``[moderation]`` table of a node's configuration::

        report_threshold = 3
        new_account_days = 7
        [moderation.rates]              # per account, per host for "inbox"
        post = "30/300"
        [moderation.new_account_rates]
        post = "10/300"

    Unknown keys and bad values raise ValueError with a message that says which.
    """
    known = {"report_threshold", "new_account_days", "rates", "new_account_rates"}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ValueError(f"unknown moderation settings: {', '.join(unknown)}")
    defaults = SpamRules()
    rates = {**defaults.rates, **_rates(settings.get("rates", {}), defaults.rates)}
    new_rates = {
        **defaults.new_account_rates,
        **_rates(settings.get("new_account_rates", {}), defaults.new_account_rates),
    }
    try:
        threshold = int(settings.get("report_threshold", defaults.report_threshold))
        days = float(settings.get("new_account_days", defaults.new_account_age.days))
    except (TypeError, ValueError) as exc:
        raise ValueError("report_threshold and new_account_days must be numbers") from exc
    if days < 0:
        raise ValueError("new_account_days cannot be negative")
    return SpamRules(threshold, timedelta(days=days), rates, new_rates)


def _rates(table: Any, allowed: Mapping[str, Rate]) -> dict[str, Rate]:
    if not isinstance(table, Mapping):
        raise ValueError('rates are a table of action = "count/seconds"')
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"no rate limit for {', '.join(unknown)}; known: {', '.join(allowed)}")
    return {action: parse_rate(text) for action, text in table.items()}
