"""The OAuth side of the client API, spoken over plain HTTP as apps speak it."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import PASSWORD, code_from_browser, resident, submit_login

CALLBACK = "nl.buurtapp://oauth-callback"


async def register_app(
    http: aiohttp.ClientSession, base: str, redirect_uri: str, scopes: str = "read write"
) -> dict:
    async with http.post(
        f"{base}/api/v1/apps",
        json={"client_name": "Buurtapp", "redirect_uris": redirect_uri, "scopes": scopes},
    ) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.json()


def authorize_url(base: str, app: dict, redirect_uri: str, **extra: str) -> str:
    query = {"client_id": app["client_id"], "response_type": "code",
             "redirect_uri": redirect_uri, "scope": "read write", **extra}  # fmt: skip
    return f"{base}/oauth/authorize?{urlencode(query)}"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def test_pkce_login_redirects_to_the_app_scheme_and_the_token_needs_the_verifier(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    base = oosterpark.base_url
    verifier = "een-lange-geheime-verifier-van-minstens-43-tekens-lang"
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, base, CALLBACK)
        url = authorize_url(
            base, app, CALLBACK, state="xyz", code_challenge=s256(verifier),
            code_challenge_method="S256",
        )  # fmt: skip
        status, location, _ = await submit_login(url, "anna", PASSWORD)
        assert status == 302 and location is not None and location.startswith(CALLBACK + "?")
        query = parse_qs(urlsplit(location).query)
        assert query["state"] == ["xyz"]
        token_request = {"grant_type": "authorization_code", "client_id": app["client_id"],
                         "code": query["code"][0], "redirect_uri": CALLBACK}  # fmt: skip

        async with http.post(
            f"{base}/oauth/token", data={**token_request, "code_verifier": "wrong" * 10}
        ) as refused:
            assert refused.status == 400
            assert (await refused.json())["error"] == "invalid_grant"
        # The failed attempt used the code up: a stolen code is worth one guess.
        async with http.post(
            f"{base}/oauth/token", data={**token_request, "code_verifier": verifier}
        ) as again:
            assert again.status == 400

        url = authorize_url(
            base, app, CALLBACK, code_challenge=s256(verifier), code_challenge_method="S256"
        )
        _, location, _ = await submit_login(url, "anna", PASSWORD)
        assert location is not None
        code = parse_qs(urlsplit(location).query)["code"][0]
        async with http.post(
            f"{base}/oauth/token",
            json={**token_request, "code": code, "code_verifier": verifier},
        ) as granted:
            assert granted.status == 200, await granted.text()
            token = await granted.json()
        assert token["token_type"] == "Bearer" and token["scope"] == "read write"
        async with http.get(
            f"{base}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ) as me:
            assert (await me.json())["username"] == "anna"


async def test_wrong_password_shows_the_form_again_and_gives_no_code(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, oosterpark.base_url, CALLBACK)
    url = authorize_url(oosterpark.base_url, app, CALLBACK)

    status, location, page = await submit_login(url, "anna", "niet-het-wachtwoord")

    assert status == 401 and location is None
    assert "Wrong user name or password." in page and 'name="password"' in page
    codes = await oosterpark.node.db.fetch_value("SELECT COUNT(*) FROM oauth_codes")
    assert codes == 0


async def test_authorization_code_is_good_for_one_token_only(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    base = oosterpark.base_url
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, base, "urn:ietf:wg:oauth:2.0:oob")
        code = await code_from_browser(
            authorize_url(base, app, "urn:ietf:wg:oauth:2.0:oob"), "anna"
        )
        exchange = {"grant_type": "authorization_code", "code": code,
                    "client_id": app["client_id"], "client_secret": app["client_secret"],
                    "redirect_uri": "urn:ietf:wg:oauth:2.0:oob"}  # fmt: skip
        async with http.post(f"{base}/oauth/token", data=exchange) as first:
            assert first.status == 200
        async with http.post(f"{base}/oauth/token", data=exchange) as second:
            assert second.status == 400
            assert (await second.json())["error"] == "invalid_grant"


async def test_unknown_app_and_foreign_redirect_are_refused_on_the_login_page(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    base = oosterpark.base_url
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, base, CALLBACK)
        async with http.get(authorize_url(base, app, "https://elders.example/steel")) as page:
            assert page.status == 400
            text = await page.text()
            assert "redirect URI does not match" in text and 'name="password"' not in text
        async with http.get(authorize_url(base, {"client_id": "onbekend"}, CALLBACK)) as page:
            assert page.status == 400
            assert "not registered" in await page.text()


async def test_password_grant_is_not_offered_and_refused(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    base = oosterpark.base_url
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, base, CALLBACK)
        async with http.get(f"{base}/.well-known/oauth-authorization-server") as metadata:
            info = await metadata.json()
        assert "password" not in info["grant_types_supported"]
        assert not any("?" in str(v) for k, v in info.items() if k.endswith("endpoint"))
        async with http.post(
            f"{base}/oauth/token",
            data={"grant_type": "password", "username": "anna", "password": PASSWORD,
                  "client_id": app["client_id"], "client_secret": app["client_secret"]},
        ) as refused:  # fmt: skip
            assert refused.status == 400
            assert (await refused.json())["error"] == "unsupported_grant_type"


async def test_app_token_reads_public_posts_but_cannot_post(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    base = oosterpark.base_url
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, base, CALLBACK)
        async with http.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials", "client_id": app["client_id"],
                  "client_secret": app["client_secret"], "scope": "read"},
        ) as granted:  # fmt: skip
            token = (await granted.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get(f"{base}/api/v1/apps/verify_credentials", headers=headers) as me:
            assert (await me.json())["name"] == "Buurtapp"
        async with http.get(f"{base}/api/v1/timelines/public", headers=headers) as public:
            assert public.status == 200
        async with http.post(
            f"{base}/api/v1/statuses", headers=headers, json={"status": "hallo"}
        ) as refused:
            assert refused.status == 401
            assert await refused.json() == {"error": "This method requires an authenticated user"}


async def test_instance_answers_with_and_without_trailing_slash(start: StartNode) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    base = oosterpark.base_url
    async with aiohttp.ClientSession() as http:
        for path in ("/api/v1/instance", "/api/v1/instance/", "/api/v2/instance/"):
            async with http.get(base + path) as answer:
                instance = await answer.json()
                assert answer.status == 200
                assert instance["title"] == "Wijkraad Oosterpark"
                assert instance["version"].startswith("4.3.0 (compatible; Samenspraak ")
                assert answer.headers["Access-Control-Allow-Origin"] == "*"
        async with http.get(f"{base}/media/avatar.png") as avatar:
            assert avatar.content_type == "image/png"
            assert (await avatar.read()).startswith(b"\x89PNG")


async def test_password_guessing_is_stopped_with_429(start: StartNode) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    async with aiohttp.ClientSession() as http:
        app = await register_app(http, oosterpark.base_url, CALLBACK)
    url = authorize_url(oosterpark.base_url, app, CALLBACK)
    statuses = [(await submit_login(url, "anna", f"gok-{n}"))[0] for n in range(10)]
    assert statuses == [401] * 10

    status, location, page = await submit_login(url, "anna", PASSWORD)

    assert status == 429 and location is None
    assert "Too many login attempts" in page


async def test_app_registration_without_a_name_or_with_unknown_scopes_is_refused(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    url = f"{oosterpark.base_url}/api/v1/apps"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data={"redirect_uris": CALLBACK}) as nameless:
            assert nameless.status == 422
            assert "name can't be blank" in (await nameless.json())["error"]
        async with http.post(
            url, json={"client_name": "X", "redirect_uris": CALLBACK, "scopes": ["read", "root"]}
        ) as greedy:
            assert greedy.status == 422
            assert "unknown scopes root" in (await greedy.json())["error"]
    assert await oosterpark.node.db.fetch_value("SELECT COUNT(*) FROM oauth_apps") == 0
