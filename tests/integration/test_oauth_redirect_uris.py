"""OAuth redirect URIs (issue 15, item 9): an app registers only URIs a code may safely go
to, and the login page sends a code to nowhere but a URI registered for that app."""

from __future__ import annotations

import aiohttp
import pytest

from node.runner import RunningNode
from node.storage.oauth import OAuthRepository
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import PASSWORD, resident
from tests.integration.test_client_api_oauth import authorize_url

UNSAFE_REDIRECT_URIS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)//https://app.example/",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https://anna:geheim@app.example/callback",
    "https://app.example@evil.example/callback",
    "https://app.example/callback#fragment",
    "https://app.example/callback#",
    "/oauth/callback",
    "//evil.example/callback",
    "callback",
    "https:///callback",
    "mailto:anna@app.example",
    "https://app.example\\@evil.example/",
]


async def _app_count(running: RunningNode) -> int:
    return await running.node.db.fetch_value("SELECT COUNT(*) FROM oauth_apps")


@pytest.mark.parametrize("redirect_uri", UNSAFE_REDIRECT_URIS)
async def test_app_registration_with_an_unsafe_redirect_uri_is_refused_and_not_stored(
    start: StartNode, redirect_uri: str
) -> None:
    oosterpark = await start("oosterpark")
    url = f"{oosterpark.base_url}/api/v1/apps"
    async with aiohttp.ClientSession() as http:
        for body in (
            {"client_name": "Kwaadaardig", "redirect_uris": redirect_uri},
            # One unsafe URI among safe ones refuses the whole registration.
            {
                "client_name": "Kwaadaardig",
                "redirect_uris": f"urn:ietf:wg:oauth:2.0:oob\n{redirect_uri}",
            },
        ):
            async with http.post(url, data=body) as answer:
                assert answer.status == 422, await answer.text()
                error = await answer.json()
                assert set(error) == {"error"}
                assert error["error"].startswith("Validation failed: Redirect URI")
    assert await _app_count(oosterpark) == 0


async def test_app_registration_accepts_the_redirect_uris_mastodon_apps_use(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    accepted = [
        "urn:ietf:wg:oauth:2.0:oob",
        "https://app.example/oauth/callback?from=samenspraak",
        "http://127.0.0.1:4000/callback",
        "com.example.app:/callback",
        "mastodon-app://",
        "nl.buurtapp://oauth-callback",
    ]
    async with aiohttp.ClientSession() as http:
        # Mastodon takes several URIs separated by newlines or spaces, in one field.
        async with http.post(
            f"{oosterpark.base_url}/api/v1/apps",
            data={
                "client_name": "Buurtapp",
                "redirect_uris": "\n".join(accepted[:3]) + " " + "  ".join(accepted[3:]),
            },
        ) as answer:
            assert answer.status == 200, await answer.text()
            app = await answer.json()
    assert app["redirect_uris"] == accepted
    assert app["redirect_uri"] == "\n".join(accepted)
    assert await _app_count(oosterpark) == 1


async def test_authorize_only_ever_sends_the_code_to_a_uri_registered_for_that_app(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    base = oosterpark.base_url
    registered = "https://app.example/callback"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/api/v1/apps", data={"client_name": "Buurtapp", "redirect_uris": registered}
        ) as answer:
            app = await answer.json()
        async with http.post(
            f"{base}/api/v1/apps",
            data={"client_name": "Ander", "redirect_uris": "https://other.example/callback"},
        ) as answer:
            other = await answer.json()
        # Near misses and another app's URI: an exact match is the only match.
        for foreign in (
            "https://app.example/callback/",
            "https://app.example/callback?next=https://evil.example",
            "https://APP.example/callback",
            "https://app.example/callback/../evil",
            "https://app.example.evil.example/callback",
            "urn:ietf:wg:oauth:2.0:oob",
            "https://other.example/callback",
            "javascript:alert(1)",
        ):
            url = authorize_url(base, app, foreign)
            async with http.get(url, allow_redirects=False) as page:
                assert page.status == 400 and "Location" not in page.headers
                text = await page.text()
                assert page.content_type == "text/html"
                assert "redirect URI does not match" in text and 'name="password"' not in text
            # Posting the form anyway with the right password gives no code and no redirect.
            form = {"client_id": app["client_id"], "response_type": "code",
                    "redirect_uri": foreign, "scope": "read", "username": "anna",
                    "password": PASSWORD}  # fmt: skip
            async with http.post(
                f"{base}/oauth/authorize", data=form, allow_redirects=False
            ) as answer:
                assert answer.status == 400 and "Location" not in answer.headers
                assert answer.content_type == "text/html"
        assert other["client_id"] != app["client_id"]
    codes = await oosterpark.node.db.fetch_value("SELECT COUNT(*) FROM oauth_codes")
    assert codes == 0


async def test_an_unsafe_uri_stored_before_the_check_is_never_redirected_to(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    base = oosterpark.base_url
    # An app registered before registration checked its URIs, straight into storage.
    legacy = await OAuthRepository(oosterpark.node.db).create_app(
        "Oud", None, ["javascript:alert(1)"], ["read"]
    )
    app = {"client_id": legacy.client_id}
    async with aiohttp.ClientSession() as http:
        async with http.get(authorize_url(base, app, "javascript:alert(1)")) as page:
            assert page.status == 400
            assert 'name="password"' not in await page.text()
        form = {"client_id": legacy.client_id, "response_type": "code",
                "redirect_uri": "javascript:alert(1)", "scope": "read", "username": "anna",
                "password": PASSWORD}  # fmt: skip
        async with http.post(f"{base}/oauth/authorize", data=form, allow_redirects=False) as answer:
            assert answer.status == 400 and "Location" not in answer.headers
    assert await oosterpark.node.db.fetch_value("SELECT COUNT(*) FROM oauth_codes") == 0
