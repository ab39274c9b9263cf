"""The node's security headers (node/web/security_headers.py) in headless Chromium: the
pages keep their look and their forms under the Content-Security-Policy, and the OAuth
login still hands an app its code at the registered redirect URI. Pages opened through
``new_page`` fail their test on any policy complaint on Chromium's console."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, Page, expect

from node.runner import RunningNode
from tests.browser.conftest import StartNode, loopback_server, watch_policies
from tests.browser.test_participation_pages import log_in
from tests.integration.oauth_browser import PASSWORD, resident
from tests.integration.participation_helpers import open_process, person

pytestmark = pytest.mark.asyncio(loop_scope="session")

NewPage = Callable[[], Awaitable[Page]]
GREEN = "rgb(45, 106, 79)"


async def test_every_page_keeps_its_style_sheet_and_breaks_no_policy(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "mo", role="moderator")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=2)
    page = await new_page()
    await log_in(page, wijk, "mo", f"/processes/{process.slug}")
    await page.get_by_label("Titel").fill("Een bankje bij de speeltuin")
    await page.get_by_label("Uw voorstel").fill("Er is geen plek om te zitten.")
    await page.get_by_role("button", name="Voorstel indienen").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Een bankje bij de speeltuin")
    proposal = urlsplit(page.url).path
    await page.get_by_label("Uw reactie").fill("Goed idee.")
    await page.get_by_role("button", name="Reactie plaatsen").click()
    await expect(page.get_by_text("Goed idee.")).to_be_visible()

    for path in ("/", f"/processes/{process.slug}", proposal, "/verify", "/votes",
                 "/moderation", "/moderation/queue", "/processes/bestaat-niet"):  # fmt: skip
        await page.goto(wijk.base_url + path)
        # The style sheet moved out of the page still styles it.
        header = await page.eval_on_selector("header", "h => getComputedStyle(h).borderBottomColor")
        assert header == GREEN, path


async def test_chromium_enforces_the_policy_and_reports_what_it_refuses(
    start: StartNode, browser: Browser
) -> None:
    """The checks here would pass without any policy; this shows Chromium applies it and
    says so where they listen. (Not through ``new_page``, which fails on any complaint.)"""
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    context = await browser.new_context()
    page = await context.new_page()
    complaints: list[str] = []
    watch_policies(page, complaints)
    await page.goto(wijk.base_url + "/")
    await page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'document.title = \"gehackt\"'; document.head.append(s); }"
    )
    assert await page.title() != "gehackt"
    assert any("Content Security Policy" in complaint for complaint in complaints)
    await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def app_callback() -> AsyncIterator[str]:
    """A native-looking app's callback on another loopback port: its URL."""

    async def _callback(request: web.Request) -> web.Response:
        return web.Response(text=f"code={request.query.get('code', '')}")

    app = web.Application()
    app.router.add_get("/callback", _callback)
    async with loopback_server(app) as port:
        yield f"http://127.0.0.1:{port}/callback"


async def _register(running: RunningNode, redirect_uri: str) -> str:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{running.base_url}/api/v1/apps",
            data={"client_name": "Buurtapp", "redirect_uris": redirect_uri, "scopes": "read"},
        ) as answer:
            assert answer.status == 200, await answer.text()
            return (await answer.json())["client_id"]


async def _log_in_to_app(page: Page, running: RunningNode, redirect_uri: str) -> str:
    """Open the app's login page and fill it in; the page's form-action sources."""
    client_id = await _register(running, redirect_uri)
    query = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri,
             "scope": "read", "state": "abc"}  # fmt: skip
    opened = await page.goto(f"{running.base_url}/oauth/authorize?{urlencode(query)}")
    assert opened is not None
    policy = opened.headers["content-security-policy"]
    await page.get_by_label("Gebruikersnaam").fill("anna")
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    [form_action] = [d for d in policy.split("; ") if d.startswith("form-action ")]
    return form_action


async def test_the_oauth_login_form_redirects_chromium_to_the_apps_registered_uri(
    start: StartNode, new_page: NewPage, app_callback: str
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(wijk, "anna")
    page = await new_page()
    origin = app_callback.removesuffix("/callback")
    assert await _log_in_to_app(page, wijk, app_callback) == f"form-action 'self' {origin}"
    await page.get_by_role("button", name="Inloggen en Buurtapp toestaan").click()
    await page.wait_for_url(app_callback + "?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["abc"] and query["code"][0]
    await expect(page.locator("body")).to_have_text(f"code={query['code'][0]}")


async def test_the_oauth_login_form_may_redirect_to_an_apps_custom_scheme(
    start: StartNode, new_page: NewPage
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await resident(wijk, "anna")
    page = await new_page()
    form_action = await _log_in_to_app(page, wijk, "nl.buurtapp://oauth-callback")
    assert form_action == "form-action 'self' nl.buurtapp:"
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Inloggen en Buurtapp toestaan").click()
    location = (await answer.value).headers["location"]
    assert location.startswith("nl.buurtapp://oauth-callback?code=")
