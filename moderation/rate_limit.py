"""Rate limits for posting, supports, votes, reports and inbox traffic.

One token bucket per (action, subject), refilled continuously. A subject is a
local account (``"account:<id>"``) or a remote host (``"host:<domain>"``); every
subject has its own bucket, so a host that floods spends only its own allowance
and never another host's or account's. The limiter is pure and in memory: the
caller turns a refusal into ``429 Too Many Requests`` with ``Retry-After``.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Rate:
    """At most ``count`` actions per ``per_seconds``, e.g. ``Rate(30, 300)``.

    The full ``count`` may be used in a burst; after that the allowance comes
    back evenly, one action every ``per_seconds / count`` seconds.
    """

    count: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.per_seconds <= 0:
            raise ValueError(f"a rate needs count >= 1 and per_seconds > 0, not {self}")


@dataclass(frozen=True)
class Decision:
    """Whether an action may go ahead, and if not, how many seconds until it may."""

    allowed: bool
    retry_after: float

    @property
    def retry_after_header(self) -> str:
        """The ``Retry-After`` value: whole seconds, rounded up so a client that
        waits that long is let through."""
        return str(math.ceil(self.retry_after))


# A neighbourhood node serves hundreds to a few thousand residents. The numbers
# leave a busy resident or a large remote server well clear of the limit and stop
# scripts: 30 posts (proposals and comments) in 5 minutes is far beyond anyone
# typing; supports are one click each, so 120 in 5 minutes lets someone go through
# a whole list of proposals; 60 votes in 5 minutes covers a budget ballot with
# many choices changed a few times; 10 reports an hour is enough for a resident
# who meets a spam wave, and keeps moderators from being flooded. The inbox
# limit counts every activity a remote host delivers, a Mastodon server's fan-out
# included; 300 a minute absorbs bursts after a popular post.
DEFAULT_RATES: Mapping[str, Rate] = MappingProxyType(
    {
        "post": Rate(30, 300),
        "support": Rate(120, 300),
        "vote": Rate(60, 300),
        "report": Rate(10, 3600),
        "inbox": Rate(300, 60),
    }
)

# Float arithmetic may leave a bucket a hair below one token at the exact moment
# retry_after promised one; the tolerance keeps that promise.
TOLERANCE = 1e-9

# How often (in hits) buckets that have filled up again are dropped: a full bucket
# behaves exactly like a missing one, so dropping it changes no decision.
_PRUNE_EVERY = 1024


@dataclass(slots=True)
class Bucket:
    """What a bucket holds: its tokens as they were at ``updated_at``."""

    tokens: float
    updated_at: float


def spend(rate: Rate, bucket: Bucket | None, now: float) -> tuple[Bucket, Decision]:
    """One action against ``bucket`` (``None``: a full one) at ``now``: the bucket after
    it, and whether it may go ahead. A refused action spends nothing."""
    tokens = _tokens_now(rate, bucket, now)
    allowed = tokens >= 1 - TOLERANCE
    if allowed:
        tokens = max(tokens - 1, 0.0)
    return Bucket(tokens, now), decision(rate, allowed, tokens)


def _tokens_now(rate: Rate, bucket: Bucket | None, now: float) -> float:
    if bucket is None:
        return float(rate.count)
    # max(): a clock that steps back must not drain the bucket.
    refill = max(now - bucket.updated_at, 0.0) * rate.count / rate.per_seconds
    return min(bucket.tokens + refill, float(rate.count))


def decision(rate: Rate, allowed: bool, tokens: float) -> Decision:
    """The decision of a hit on a bucket left with ``tokens``: when refused, the seconds
    until one token is back."""
    if allowed:
        return Decision(True, 0.0)
    return Decision(False, (1 - tokens) * rate.per_seconds / rate.count)


class RateLimiter:
    """Token buckets per (action, subject), bounded in memory.

    ``rates`` gives the limit per action name. Buckets that have refilled are
    pruned regularly; beyond ``max_buckets`` the least recently used bucket is
    dropped, which can only ever give its subject a fresh allowance. Not
    thread-safe: use one per event loop.
    """

    def __init__(
        self,
        rates: Mapping[str, Rate],
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 100_000,
    ) -> None:
        self._rates = dict(rates)
        self._clock = clock
        self._max_buckets = max_buckets
        self._buckets: OrderedDict[tuple[str, str], Bucket] = OrderedDict()
        self._hits_since_prune = 0

    def hit(self, action: str, subject: str) -> Decision:
        """Spend one ``action`` for ``subject`` if its allowance has one left.

        Raises ``KeyError`` for an action without a configured rate. A refused
        hit spends nothing.
        """
        rate = self._rates[action]
        now = self._clock()
        key = (action, subject)
        bucket, decision = spend(rate, self._buckets.get(key), now)
        self._buckets[key] = bucket
        self._buckets.move_to_end(key)
        self._keep_bounded(now)
        return decision

    def peek(self, action: str, subject: str) -> Decision:
        """What :meth:`hit` would decide now, without spending anything."""
        rate = self._rates[action]
        tokens = _tokens_now(rate, self._buckets.get((action, subject)), self._clock())
        return decision(rate, tokens >= 1 - TOLERANCE, tokens)

    def _keep_bounded(self, now: float) -> None:
        self._hits_since_prune += 1
        if self._hits_since_prune >= _PRUNE_EVERY:
            self._hits_since_prune = 0
            full = [
                key
                for key, bucket in self._buckets.items()
                if _tokens_now(self._rates[key[0]], bucket, now) >= self._rates[key[0]].count
            ]
            for key in full:
                del self._buckets[key]
        # Between prunes a flood of new subjects only ever evicts the oldest.
        while len(self._buckets) > self._max_buckets:
            self._buckets.popitem(last=False)

    def __len__(self) -> int:
        """How many buckets are held: for tests and metrics of memory use."""
        return len(self._buckets)
