"""The resident's side of an OAuth login: the browser part, done with aiohttp.

Apps open the node's login page; here a real HTTP client reads that page, posts
the form with the password, and reads the code from the redirect or the page.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs, urlsplit

import aiohttp
from mastodon import Mastodon

from node.runner import RunningNode
from node.setup import create_account

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "lange-wachtwoord-voor-tests"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_CODE = re.compile(r'id="authorization-code"[^>]*>([^<]+)<')


async def submit_login(
    authorize_url: str, username: str, password: str
) -> tuple[int, str | None, str]:
    """Open the login page, post the form; return (status, Location header, page text)."""
    async with aiohttp.ClientSession() as browser:
        async with browser.get(authorize_url) as page:
            assert page.status == 200, await page.text()
            form = dict(_HIDDEN.findall(await page.text()))
        action = authorize_url.split("?", 1)[0].rstrip("/")
        async with browser.post(
            action,
            data={**form, "username": username, "password": password},
            allow_redirects=False,
        ) as answer:
            return answer.status, answer.headers.get("Location"), await answer.text()


async def code_from_browser(authorize_url: str, username: str, password: str = PASSWORD) -> str:
    """The authorization code the node gives after a successful login."""
    status, location, text = await submit_login(authorize_url, username, password)
    if location is not None:
        return parse_qs(urlsplit(location).query)["code"][0]
    assert status == 200, text
    found = _CODE.search(text)
    assert found is not None, text
    return found[1]


async def resident(running: RunningNode, username: str) -> None:
    """A resident account with the test password."""
    await create_account(running.node.db, running.node.urls, username, password=PASSWORD)


async def logged_in_client(
    running: RunningNode, username: str, password: str = PASSWORD
) -> Mastodon:
    """Mastodon.py, registered as an app and logged in as ``username`` through the browser."""
    base = running.base_url
    client_id, secret = await asyncio.to_thread(
        Mastodon.create_app, "Buurtapp", scopes=SCOPES, api_base_url=base
    )
    api = Mastodon(
        client_id=client_id, client_secret=secret, api_base_url=base, ratelimit_method="throw"
    )
    url = await asyncio.to_thread(api.auth_request_url, scopes=SCOPES, allow_http=True)
    code = await code_from_browser(url, username, password)
    await asyncio.to_thread(api.log_in, code=code, scopes=SCOPES, allow_http=True)
    return api


async def neighbours(running: RunningNode) -> tuple[Mastodon, Mastodon]:
    """Two residents of a node, anna and bert, each logged in from an app."""
    await resident(running, "anna")
    await resident(running, "bert")
    return await logged_in_client(running, "anna"), await logged_in_client(running, "bert")
