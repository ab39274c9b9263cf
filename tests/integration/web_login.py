"""A resident's browser for the integration tests: a real HTTP client with its own
cookies, logged in through the node's login form, posting forms with their token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from node.runner import RunningNode

DEFAULT_PASSWORD = "wachtwoord-123"
_CSRF = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')


@dataclass(frozen=True)
class Page:
    """What the browser got back: status, redirect target (when it redirected), HTML."""

    status: int
    location: str | None
    text: str


class WebBrowser:
    """One visitor of one node; the cookie jar keeps the session between requests."""

    def __init__(self, running: RunningNode, http: aiohttp.ClientSession) -> None:
        self.base = running.base_url
        self.http = http
        self.csrf = ""

    async def get(self, path: str, *, follow: bool = True) -> Page:
        """Open a page of the node."""
        async with self.http.get(self.base + path, allow_redirects=follow) as response:
            page = Page(response.status, response.headers.get("Location"), await response.text())
        self._remember_token(page)
        return page

    async def post(self, path: str, data: dict[str, str] | list[tuple[str, str]]) -> Page:
        """Post a form as the page would, with the session's token; redirects are not
        followed, so a test sees where a successful form sends the resident."""
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        async with self.http.post(
            self.base + path, data=[("csrf", self.csrf), *fields], allow_redirects=False
        ) as response:
            page = Page(response.status, response.headers.get("Location"), await response.text())
        self._remember_token(page)
        return page

    async def upload(
        self, path: str, data: dict[str, str], files: dict[str, tuple[str, bytes]]
    ) -> Page:
        """Post a form with files (``multipart/form-data``), each as (file name, content)."""
        form = aiohttp.FormData()
        for name, value in [("csrf", self.csrf), *data.items()]:
            form.add_field(name, value)
        for name, (file_name, content) in files.items():
            form.add_field(name, content, filename=file_name, content_type="text/csv")
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as response:
            page = Page(response.status, response.headers.get("Location"), await response.text())
        self._remember_token(page)
        return page

    async def download(self, path: str, data: dict[str, str]) -> tuple[int, str, bytes]:
        """Post a form whose answer is a file: the status, its content type and its bytes."""
        fields = [("csrf", self.csrf), *data.items()]
        async with self.http.post(self.base + path, data=fields, allow_redirects=False) as response:
            return response.status, response.content_type, await response.read()

    async def login(self, username: str, password: str = DEFAULT_PASSWORD) -> Page:
        """Log in through the login form; the answer is the redirect (303) or the refusal."""
        await self.get("/login")
        page = await self.post("/login", {"username": username, "password": password})
        if page.status == 303:
            await self.get("/")
        return page

    def _remember_token(self, page: Page) -> None:
        found = _CSRF.search(page.text)
        if found:
            self.csrf = found[1]


@asynccontextmanager
async def web_browser(running: RunningNode) -> AsyncIterator[WebBrowser]:
    """A fresh browser (no cookies) for one node."""
    # unsafe=True: the test nodes live on 127.0.0.1, and aiohttp keeps no cookies
    # for bare IP addresses otherwise.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield WebBrowser(running, http)


@asynccontextmanager
async def logged_in(
    running: RunningNode, username: str, password: str = DEFAULT_PASSWORD
) -> AsyncIterator[WebBrowser]:
    """A browser logged in as ``username`` through the login form."""
    async with web_browser(running) as browser:
        page = await browser.login(username, password)
        assert page.status == 303, page.text
        yield browser
