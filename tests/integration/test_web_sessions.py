"""Logging in on the web pages: sessions behind a cookie, form tokens, throttling,
and the forms on the proposal page refusing with a reason and storing nothing."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest

from node.participation.comments import comments_of
from node.participation.proposals import create_proposal
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person
from tests.integration.web_login import logged_in, web_browser

_NEXT_FIELD = re.compile(r'<input type="hidden" name="next" value="([^"]*)">')


async def test_a_wrong_password_is_refused_on_the_form_and_opens_no_session(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    async with web_browser(wijk) as browser:
        refused = await browser.login("anouk", "niet-het-wachtwoord")
        assert refused.status == 401
        assert "Gebruikersnaam of wachtwoord klopt niet." in refused.text
        assert 'value="anouk"' in refused.text
        anonymous = await browser.get("/votes", follow=False)
    assert (anonymous.status, anonymous.location) == (303, "/login?next=/votes")
    assert await wijk.node.db.fetch_value("SELECT count(*) FROM web_sessions") == 0


async def test_the_session_cookie_is_http_only_and_same_site_and_its_token_is_not_stored(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    async with web_browser(wijk) as browser:
        await browser.get("/login")
        async with browser.http.post(
            f"{wijk.base_url}/login",
            data={"csrf": browser.csrf, "username": "anouk", "password": "wachtwoord-123"},
            allow_redirects=False,
        ) as answer:
            assert answer.status == 303 and answer.headers["Location"] == "/"
            cookie = answer.cookies[f"samenspraak-{wijk.node.config.port}"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    stored = await wijk.node.db.fetch_value("SELECT token_hash FROM web_sessions")
    assert cookie.value not in stored


async def test_login_goes_back_to_the_page_asked_for_but_never_to_another_site(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    async with web_browser(wijk) as browser:
        await browser.get("/login?next=/processes")
        back = await browser.post(
            "/login", {"username": "anouk", "password": "wachtwoord-123", "next": "/processes"}
        )
        assert back.location == "/processes"
    for elsewhere in ("https://example.com/", "//example.com/", "javascript:alert(1)"):
        async with web_browser(wijk) as browser:
            await browser.get("/login")
            away = await browser.post(
                "/login", {"username": "anouk", "password": "wachtwoord-123", "next": elsewhere}
            )
            assert away.location == "/", elsewhere


# Each leads a browser to another origin when used as a Location (WHATWG URL parsing reads
# a backslash as a slash and drops tabs and line breaks).
OTHER_SITES = (
    "https://example.com/",
    "//example.com/",
    "javascript:alert(1)",
    "/\\evil.example/",
    "\\\\evil.example",
    "/\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "https:evil.example",
)
# The same, as they arrive in a link's query string (percent-encoded, once or twice).
ENCODED_OTHER_SITES = ("%2F%5Cevil.example%2F", "%2F%2Fevil.example", "%252F%255Cevil.example")


@pytest.mark.parametrize(
    "query", [quote(site, safe="") for site in OTHER_SITES] + list(ENCODED_OTHER_SITES)
)
async def test_a_login_link_pointing_at_another_site_logs_in_and_stays_on_this_node(
    query: str, start: StartNode
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    async with web_browser(wijk) as browser:
        form = await browser.get(f"/login?next={query}")
        carried = _NEXT_FIELD.search(form.text)
        assert carried is not None and carried[1] == "/", carried
        async with browser.http.post(
            f"{wijk.base_url}/login?next={query}",
            data={
                "csrf": browser.csrf,
                "username": "anouk",
                "password": "wachtwoord-123",
                "next": unquote(query),
            },
            allow_redirects=False,
        ) as answer:
            assert answer.status == 303
            assert answer.headers["Location"] == "/"
    assert await wijk.node.db.fetch_value("SELECT count(*) FROM web_sessions") == 1


async def test_too_many_login_attempts_are_refused_with_429_and_retry_after(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    async with web_browser(wijk) as browser:
        statuses = [(await browser.login("anouk", "fout")).status for _ in range(10)]
        assert statuses == [401] * 10
        async with browser.http.post(
            f"{wijk.base_url}/login",
            data={"csrf": browser.csrf, "username": "anouk", "password": "wachtwoord-123"},
            allow_redirects=False,
        ) as throttled:
            assert throttled.status == 429
            assert int(throttled.headers["Retry-After"]) >= 1
            assert "Te veel pogingen om in te loggen" in await throttled.text()
    assert await wijk.node.db.fetch_value("SELECT count(*) FROM web_sessions") == 0


async def test_a_form_without_its_session_token_is_refused_and_stores_nothing(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=2)
    proposal = await create_proposal(
        wijk.node.participation_services, anouk, process, "Een bankje", "Om te zitten."
    )
    record = await wijk.node.objects.record(proposal.uri)
    assert record is not None
    async with logged_in(wijk, "anouk") as browser:
        browser.csrf = "een-token-van-een-andere-site"
        forged = await browser.post(f"/proposals/{record.row_id}/support", {})
        assert forged.status == 403
        assert "Dit formulier is verlopen" in forged.text
        # The refusal page carried the session's own token; forge it again.
        browser.csrf = "een-token-van-een-andere-site"
        login_forged = await browser.post("/login", {"username": "anouk", "password": "x"})
        assert login_forged.status == 403
    assert await wijk.node.participation_store.support_count(proposal.uri) == 0


async def test_logging_out_ends_the_session(start: StartNode) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijk, "anouk")
    async with logged_in(wijk, "anouk") as browser:
        assert "Ingelogd als anouk" in (await browser.get("/votes")).text
        out = await browser.post("/logout", {})
        assert (out.status, out.location) == (303, "/")
        assert (await browser.get("/votes", follow=False)).status == 303
    assert await wijk.node.db.fetch_value("SELECT count(*) FROM web_sessions") == 0


async def test_a_comment_without_text_is_refused_next_to_the_field_and_stores_nothing(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=2)
    proposal = await create_proposal(
        wijk.node.participation_services, anouk, process, "Een bankje", "Om te zitten."
    )
    record = await wijk.node.objects.record(proposal.uri)
    assert record is not None
    page = f"/proposals/{record.row_id}"
    async with logged_in(wijk, "anouk") as browser:
        empty = await browser.post(f"{page}/comments", {"stance": "for", "text": "  "})
        assert empty.status == 422
        assert 'id="comment-text-error"' in empty.text and "Vul dit veld in." in empty.text
        assert 'value="for" checked' in empty.text
        odd = await browser.post(f"{page}/comments", {"stance": "misschien", "text": "Hm."})
        assert odd.status == 422 and "Kies voor, tegen of neutraal, of geen standpunt." in odd.text
        posted = await browser.post(f"{page}/comments", {"stance": "for", "text": "Goed idee!"})
        assert (posted.status, posted.location) == (303, f"{page}?done=comment")
    assert [
        stance for _, stance, _ in await comments_of(wijk.node.participation_services, proposal.uri)
    ] == ["for"]


async def test_only_a_municipal_moderator_sees_and_may_use_the_official_response_form(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    anouk = await person(gemeente, "anouk")
    await person(gemeente, "margriet", role="moderator")
    process = await open_process(gemeente, "klimaat", "advise", threshold=2)
    proposal = await create_proposal(
        gemeente.node.participation_services, anouk, process, "Meer bomen", "Graag."
    )
    record = await gemeente.node.objects.record(proposal.uri)
    assert record is not None
    page = f"/proposals/{record.row_id}"
    async with logged_in(gemeente, "anouk") as browser:
        assert "Officieel antwoord geven" not in (await browser.get(page)).text
        refused = await browser.post(f"{page}/official-response", {"text": "Namens de gemeente"})
        assert refused.status == 403
    async with logged_in(gemeente, "margriet") as browser:
        assert "Officieel antwoord geven" in (await browser.get(page)).text
        answered = await browser.post(f"{page}/official-response", {"text": "We planten er 40."})
        assert answered.status == 303
    [official] = await gemeente.node.participation_store.official_responses(proposal.uri)
    assert official.actor == (await gemeente.node.organisation()).uri


async def test_a_proposals_object_address_opened_in_a_browser_shows_its_page(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    anouk = await person(wijk, "anouk")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=2)
    proposal = await create_proposal(
        wijk.node.participation_services, anouk, process, "Een bankje", "Om te zitten."
    )
    record = await wijk.node.objects.record(proposal.uri)
    assert record is not None
    async with web_browser(wijk) as browser:
        opened = await browser.get(proposal.uri.removeprefix(wijk.base_url), follow=False)
    assert (opened.status, opened.location) == (303, f"/proposals/{record.row_id}")
