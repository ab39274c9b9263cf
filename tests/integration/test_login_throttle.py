"""The login throttle behind a reverse proxy: addresses read through trusted proxies
only, attempts counted per address and account name, one allowance for every login
surface (the login page and an app's ``/oauth/authorize``).

The allowances are made small here (3 per name and address, 5 per address) so the
tests stay quick; the rules are the same at the shipped numbers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from moderation.rate_limit import Rate
from moderation.spam import NODE_RATES, SpamRules
from node.config import ConfigError, load_config, write_config
from node.runner import RunningNode, dev_config, free_port, start_node
from tests.integration.oauth_browser import submit_login
from tests.integration.participation_helpers import person
from tests.integration.test_client_api_oauth import CALLBACK, authorize_url, register_app
from tests.integration.web_login import DEFAULT_PASSWORD, web_browser

SMALL_RATES = {**NODE_RATES, "login": Rate(3, 300), "login_address": Rate(5, 300)}
PROXY = "127.0.0.1"


async def _node(tmp_path: Path, trusted_proxies: tuple[str, ...]) -> RunningNode:
    port = free_port()
    config = replace(
        dev_config("oosterpark", "Wijkraad Oosterpark", port), trusted_proxies=trusted_proxies
    )
    running = await start_node(tmp_path / "oosterpark", config, run_workers=False)
    running.node.limits.configure(SpamRules(rates=SMALL_RATES))
    for name in ("anouk", "bram"):
        await person(running, name)
    return running


@pytest.fixture
async def direct(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node reached without a proxy: it trusts nobody's X-Forwarded-For (the default)."""
    running = await _node(tmp_path, ())
    yield running
    await running.stop()


@pytest.fixture
async def proxied(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node behind a proxy on 127.0.0.1, as ``deploy/nginx.conf`` sets it up."""
    running = await _node(tmp_path, (PROXY,))
    yield running
    await running.stop()


async def login_from(
    running: RunningNode, username: str, password: str, forwarded_for: str | None = None
) -> int:
    """Post the login form as a browser behind ``forwarded_for`` would; the status."""
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    async with web_browser(running) as browser:
        await browser.get("/login")
        async with browser.http.post(
            f"{running.base_url}/login",
            data={"csrf": browser.csrf, "username": username, "password": password},
            headers=headers,
            allow_redirects=False,
        ) as answer:
            if answer.status == 429:
                assert int(answer.headers["Retry-After"]) >= 1
            return answer.status


async def sessions(running: RunningNode) -> int:
    """Open sessions: a refused login must open none."""
    return int(await running.node.db.fetch_value("SELECT count(*) FROM web_sessions"))


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored_so_a_guesser_cannot_rotate(
    direct: RunningNode,
) -> None:
    statuses = [await login_from(direct, "anouk", "fout", f"203.0.113.{n}") for n in range(3)]
    assert statuses == [401] * 3

    assert await login_from(direct, "anouk", DEFAULT_PASSWORD, "198.51.100.99") == 429
    assert await sessions(direct) == 0


async def test_behind_a_trusted_proxy_a_guesser_never_locks_a_resident_out_elsewhere(
    proxied: RunningNode,
) -> None:
    # The client may write anything left of what the proxy appends; only the rightmost
    # untrusted entry counts, so the spoofed part changes nothing.
    statuses = [
        await login_from(proxied, "anouk", "fout", f"192.0.2.{n}, 203.0.113.9") for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    assert await login_from(proxied, "anouk", DEFAULT_PASSWORD, "10.1.1.1, 203.0.113.9") == 429
    assert await sessions(proxied) == 0

    assert await login_from(proxied, "anouk", DEFAULT_PASSWORD, "198.51.100.7") == 303
    assert await login_from(proxied, "bram", DEFAULT_PASSWORD, "203.0.113.9") == 303
    assert await sessions(proxied) == 2


async def test_one_address_trying_many_account_names_is_stopped(proxied: RunningNode) -> None:
    names = [f"naam{n}" for n in range(5)]
    statuses = [await login_from(proxied, name, "fout", "203.0.113.9") for name in names]
    assert statuses == [401] * 5

    assert await login_from(proxied, "anouk", DEFAULT_PASSWORD, "203.0.113.9") == 429
    assert await login_from(proxied, "anouk", DEFAULT_PASSWORD, "198.51.100.7") == 303


async def test_the_login_page_and_oauth_authorize_share_one_allowance(direct: RunningNode) -> None:
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, direct.base_url, CALLBACK)
    url = authorize_url(direct.base_url, app, CALLBACK)

    assert await login_from(direct, "anouk", "fout") == 401
    assert (await submit_login(url, "anouk", "fout"))[0] == 401
    assert await login_from(direct, "anouk", "fout") == 401

    status, location, page = await submit_login(url, "anouk", DEFAULT_PASSWORD)
    assert (status, location) == (429, None) and "Too many login attempts" in page
    assert await login_from(direct, "anouk", DEFAULT_PASSWORD) == 429
    assert await direct.node.db.fetch_value("SELECT count(*) FROM oauth_codes") == 0


def test_trusted_proxies_are_read_from_the_config_and_bad_entries_refused(tmp_path: Path) -> None:
    config = replace(dev_config("wijk", "Wijk", 8700), trusted_proxies=("127.0.0.1", "10.0.0.0/8"))
    write_config(tmp_path, config)
    assert load_config(tmp_path).trusted_proxies == ("127.0.0.1", "10.0.0.0/8")

    write_config(tmp_path, replace(config, trusted_proxies=("nginx",)))
    with pytest.raises(ConfigError, match="'nginx' is not an IP address"):
        load_config(tmp_path)


def test_a_node_trusts_no_proxy_unless_told(tmp_path: Path) -> None:
    write_config(tmp_path, dev_config("wijk", "Wijk", 8700))
    assert load_config(tmp_path).trusted_proxies == ()
