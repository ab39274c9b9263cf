"""Rate limits: exact trigger, Retry-After, refill, and subjects that never share."""

import pytest

from moderation.rate_limit import DEFAULT_RATES, Decision, Rate, RateLimiter


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> RateLimiter:
    return RateLimiter({"post": Rate(3, 60), "report": Rate(10, 3600)}, clock=clock)


def test_the_hit_after_the_configured_count_is_refused(limiter):
    decisions = [limiter.hit("post", "account:1") for _ in range(4)]
    assert decisions[:3] == [Decision(True, 0.0)] * 3
    assert decisions[3].allowed is False


def test_retry_after_says_when_the_next_token_arrives(limiter, clock):
    for _ in range(3):
        limiter.hit("post", "account:1")
    assert limiter.hit("post", "account:1") == Decision(False, 20.0)
    clock.advance(5)
    assert limiter.hit("post", "account:1") == Decision(False, 15.0)


def test_waiting_retry_after_is_enough(limiter, clock):
    for _ in range(3):
        limiter.hit("post", "account:1")
    refused = limiter.hit("post", "account:1")
    clock.advance(refused.retry_after)
    assert limiter.hit("post", "account:1").allowed
    assert not limiter.hit("post", "account:1").allowed


def test_a_refused_hit_spends_nothing(limiter, clock):
    for _ in range(3):
        limiter.hit("post", "account:1")
    for _ in range(50):
        limiter.hit("post", "account:1")
    clock.advance(20)
    assert limiter.hit("post", "account:1").allowed


def test_the_allowance_refills_continuously_up_to_the_count(limiter, clock):
    for _ in range(3):
        limiter.hit("post", "account:1")
    clock.advance(40)
    assert [limiter.hit("post", "account:1").allowed for _ in range(3)] == [True, True, False]
    clock.advance(3600)
    assert [limiter.hit("post", "account:1").allowed for _ in range(4)] == [True] * 3 + [False]


def test_a_flooding_host_leaves_other_hosts_and_accounts_their_allowance(limiter):
    for _ in range(1000):
        limiter.hit("post", "host:flood.example")
    assert not limiter.hit("post", "host:flood.example").allowed
    assert all(limiter.hit("post", "host:quiet.example").allowed for _ in range(3))
    assert limiter.hit("post", "account:1").allowed


def test_actions_have_separate_allowances(limiter):
    for _ in range(3):
        limiter.hit("post", "account:1")
    assert limiter.hit("report", "account:1").allowed


def test_peek_predicts_without_spending(limiter):
    assert limiter.peek("post", "account:1") == Decision(True, 0.0)
    for _ in range(3):
        assert limiter.peek("post", "account:1").allowed
        limiter.hit("post", "account:1")
    assert limiter.peek("post", "account:1") == Decision(False, 20.0)
    assert limiter.peek("post", "account:1") == Decision(False, 20.0)


def test_an_unknown_action_is_a_programming_error(limiter):
    with pytest.raises(KeyError):
        limiter.hit("poke", "account:1")
    with pytest.raises(KeyError):
        limiter.peek("poke", "account:1")


def test_retry_after_header_rounds_up_to_whole_seconds():
    assert Decision(False, 0.2).retry_after_header == "1"
    assert Decision(False, 20.0).retry_after_header == "20"
    assert Decision(True, 0.0).retry_after_header == "0"


def test_a_clock_stepping_back_does_not_drain_the_bucket(limiter, clock):
    limiter.hit("post", "account:1")
    clock.advance(-100)
    assert [limiter.hit("post", "account:1").allowed for _ in range(3)] == [True, True, False]


def test_memory_stays_bounded_by_evicting_the_least_recently_used(clock):
    limiter = RateLimiter({"post": Rate(3, 60)}, clock=clock, max_buckets=100)
    for _ in range(3):
        limiter.hit("post", "account:1")
    for number in range(2, 1000):
        limiter.hit("post", f"account:{number}")
        # account:1 keeps being refused, so it stays recently used and is never
        # evicted into a fresh allowance.
        assert not limiter.hit("post", "account:1").allowed
    assert len(limiter) <= 100


def test_buckets_that_filled_up_again_are_pruned(clock):
    limiter = RateLimiter({"post": Rate(3, 60)}, clock=clock)
    for number in range(500):
        limiter.hit("post", f"host:{number}.example")
    clock.advance(60)
    for _ in range(1024):
        limiter.hit("post", "host:busy.example")
    assert len(limiter) == 1


def test_a_rate_needs_a_positive_count_and_period():
    with pytest.raises(ValueError):
        Rate(0, 60)
    with pytest.raises(ValueError):
        Rate(5, 0)


def test_default_rates_cover_the_limited_actions():
    assert set(DEFAULT_RATES) == {"post", "support", "vote", "report", "inbox"}
    assert DEFAULT_RATES["post"] == Rate(30, 300)
    assert DEFAULT_RATES["report"] == Rate(10, 3600)
    assert DEFAULT_RATES["inbox"] == Rate(300, 60)
