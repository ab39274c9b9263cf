"""Security headers (issue 15, item 10): every page, API and ActivityPub answer carries
them, refusals and aiohttp's own error answers included."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from node.web.security_headers import SECURITY_HEADERS, content_security_policy
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person
from tests.integration.web_login import logged_in

POLICY = content_security_policy()
PAGE = {"Accept": "text/html"}
ACTIVITY_JSON = {"Accept": "application/activity+json"}


def assert_security_headers(headers: Mapping[str, str], where: str) -> None:
    """Each security header, exactly as node/web/security_headers.py lists it."""
    for name, value in {**SECURITY_HEADERS, "Content-Security-Policy": POLICY}.items():
        assert headers.get(name) == value, f"{where}: {name} is {headers.get(name)!r}"


def test_the_policy_forbids_framing_inline_script_and_foreign_forms() -> None:
    directives = dict(d.split(" ", 1) for d in POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in POLICY and "script-src" not in directives
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert SECURITY_HEADERS["Referrer-Policy"] == "same-origin"
    assert "camera=()" in SECURITY_HEADERS["Permissions-Policy"]


async def test_pages_api_and_activitypub_answers_all_carry_the_security_headers(
    start: StartNode,
) -> None:
    wijk = await start("wijk")
    process = await open_process(wijk, "speeltuin", "initiate", 3)
    await person(wijk, "anna")
    assert wijk.admin is not None
    admin, admin_password = wijk.admin.actor.username, wijk.admin.password
    async with logged_in(wijk, "anna") as anna:
        await anna.get(f"/processes/{process.slug}")
        proposed = await anna.post(
            f"/processes/{process.slug}/proposals",
            {"title": "Een bankje", "text": "Bij de speeltuin een bankje."},
        )
        assert proposed.status == 303 and proposed.location is not None
        resident_pages = {
            "a process": f"/processes/{process.slug}",
            "a proposal": proposed.location,
            "the verification page": "/verify",
            "the votes page": "/votes",
        }
        for what, path in resident_pages.items():
            async with anna.http.get(wijk.base_url + path, headers=PAGE) as page:
                assert page.status == 200 and page.content_type == "text/html", what
                assert_security_headers(page.headers, what)
    async with logged_in(wijk, admin, admin_password) as moderator:
        async with moderator.http.get(f"{wijk.base_url}/moderation/queue", headers=PAGE) as page:
            assert page.status == 200, await page.text()
            assert_security_headers(page.headers, "the moderation queue")
        # The redirect after a form's POST is an answer too.
        async with moderator.http.post(
            f"{wijk.base_url}/logout", data={"csrf": moderator.csrf}, allow_redirects=False
        ) as redirect:
            assert redirect.status == 303
            assert_security_headers(redirect.headers, "the redirect after logging out")
    answers = {
        "the home page": ("/", PAGE, 200),
        "the login page": ("/login", PAGE, 200),
        "the moderation log": ("/moderation", PAGE, 200),
        "a refusal page": ("/processes/bestaat-niet", PAGE, 404),
        "aiohttp's own 404": ("/bestaat/niet", PAGE, 404),
        "a 405": ("/inbox", PAGE, 405),
        "the login redirect": ("/verify", PAGE, 303),
        "the style sheet": ("/static/samenspraak.css", {}, 200),
        "/api/v1/instance": ("/api/v1/instance", {}, 200),
        "a client API refusal": ("/api/v1/statuses/12345", {}, 404),
        "an actor as ActivityPub JSON": ("/actors/anna", ACTIVITY_JSON, 200),
        "WebFinger": ("/.well-known/webfinger?resource=acct:anna@" + wijk.node.urls.host, {}, 200),
        "NodeInfo": ("/nodeinfo/2.1", {}, 200),
    }
    async with aiohttp.ClientSession() as http:
        for what, (path, headers, status) in answers.items():
            async with http.get(
                wijk.base_url + path, headers=headers, allow_redirects=False
            ) as got:
                assert got.status == status, (what, got.status, await got.text())
                assert_security_headers(got.headers, what)
        async with http.post(
            f"{wijk.base_url}/inbox",
            data=b"{",
            headers={"Content-Type": "application/activity+json"},
        ) as refused:
            assert refused.status in (400, 401)
            assert refused.headers["X-Content-Type-Options"] == "nosniff"
