"""One headless Chromium for the whole session, driving real nodes on loopback ports.

The browser is never downloaded: tests/run.sh installs the distribution's Chromium,
and without it these tests fail and say so.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from node.config import Look, MailConfig
from node.runner import RunningNode, dev_config, free_port, start_node

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

StartNode = Callable[..., Awaitable[RunningNode]]


@contextlib.asynccontextmanager
async def loopback_server(app: web.Application) -> AsyncIterator[int]:
    """Serve ``app`` (another server a page talks to) on a free loopback port: the port."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


def chromium_path() -> str:
    """Where Chromium is; a clear failure when it is not installed."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        pytest.fail(
            f"Chromium is not installed (looked for {CHROMIUM} and chromium on PATH); "
            "tests/run.sh installs it, or run: apt-get install chromium"
        )
    return found


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium, started once for all browser tests."""
    executable = chromium_path()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


# What Chromium writes on the console when a page breaks its Content-Security-Policy or
# names a feature its Permissions-Policy does not know.
POLICY_WORDS = ("Content Security Policy", "Permissions-Policy")


def watch_policies(page: Page, complaints: list[str]) -> None:
    """Add to ``complaints`` every console message of ``page`` about its policies."""

    def _listen(message: ConsoleMessage) -> None:
        if any(words in message.text for words in POLICY_WORDS):
            complaints.append(f"{page.url}: {message.text}")

    page.on("console", _listen)


@pytest_asyncio.fixture(loop_scope="session")
async def new_page(browser: Browser) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """Open pages in fresh browser contexts (each its own visitor, with its own cookies).
    Every browser test also fails when a page it opened broke the node's security policy
    (node/web/security_headers.py): the policy must not break what the pages do."""
    contexts = []
    complaints: list[str] = []

    async def _open() -> Page:
        context = await browser.new_context(locale="nl-NL")
        contexts.append(context)
        page = await context.new_page()
        watch_policies(page, complaints)
        return page

    yield _open
    for context in contexts:
        await context.close()
    assert complaints == [], "\n".join(complaints)


@pytest_asyncio.fixture(loop_scope="session")
async def contexts(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    """Browser contexts a test opens itself (with a viewport or settings of its own), each
    appended to this list and closed after the test."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def start(tmp_path: Path) -> AsyncIterator[StartNode]:
    """Start nodes by handle with their workers stepped by the test; stopped afterwards."""
    running: list[RunningNode] = []

    async def _start(
        handle: str,
        name: str,
        *,
        kind: str = "collective",
        look: Look | None = None,
        mail: MailConfig | None = None,
        registrations: str | None = None,
    ) -> RunningNode:
        port = free_port()
        config = dev_config(handle, name, port, kind)
        if look is not None:
            config = replace(config, look=look)
        if mail is not None:
            config = replace(config, mail=mail)
        if registrations is not None:
            config = replace(config, registrations=registrations)
        node = await start_node(tmp_path / handle, config, run_workers=False)
        running.append(node)
        return node

    yield _start
    for node in reversed(running):
        await node.stop()
