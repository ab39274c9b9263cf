"""Generated bodies and headers POSTed to a real node on 127.0.0.1: to ``/inbox`` (signed
by a real peer, so they reach the JSON-LD and vocabulary parse, or spoiled anywhere) and to
the page forms (``/login`` and a resident's proposal form). No answer is a 5xx, and a
refused request (4xx) leaves the stored data as it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from node.runner import RunningNode
from tests.fuzz.strategies import edgy_text, json_values, keys
from tests.fuzz.test_fuzz_signatures import cavage_headers, sf_dictionaries
from tests.integration.conftest import StartNode, StartPeer, start, start_peer  # noqa: F401
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.participation_helpers import open_process, person
from tests.integration.test_inbox_refusals import note_by
from tests.integration.web_login import WebBrowser, logged_in, web_browser

# One node serves every example of a test (that is the point: its stored data must survive
# them all), so the function-scoped fixtures are shared on purpose.
HTTP_BUDGET = settings(
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
STORED_TABLES = (
    "inbox_log",
    "objects",
    "follows",
    "likes",
    "announces",
    "accounts",
    "web_sessions",
    "processes",
    "proposals",
    "supports",
    "reports",
    "notifications",
    "deliveries",
)


async def stored_rows(running: RunningNode) -> dict[str, int]:
    """Row counts of the tables a request could write to."""
    db = running.node.db
    return {table: await db.fetch_value(f"SELECT COUNT(*) FROM {table}") for table in STORED_TABLES}


async def assert_answered_and_kept(
    running: RunningNode, before: dict[str, int], status: int, text: str
) -> None:
    assert status < 500, text[:500]
    if status >= 400:
        assert await stored_rows(running) == before


@pytest.fixture
async def wijk(start: StartNode) -> RunningNode:  # noqa: F811
    """The node under test, with a resident and an open process."""
    running = await start("oosterpark", "Wijkraad Oosterpark")
    await person(running, "anouk")
    await open_process(running, "stoep", "initiate", threshold=5)
    return running


@pytest.fixture
async def mastodon(start_peer: StartPeer) -> FakeMastodon:  # noqa: F811
    """A Mastodon server whose signatures verify."""
    return await start_peer()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain client: the bodies and headers go out exactly as generated."""
    async with aiohttp.ClientSession() as session:
        yield session


# A path into a valid Create (top level or its object) and what to put there; None deletes.
Mutation = tuple[tuple[str, ...], Any]
mutations = st.lists(
    st.tuples(
        st.one_of(st.tuples(keys), st.tuples(st.just("object"), keys)),
        st.one_of(st.none(), json_values(10)),
    ),
    max_size=4,
)
SIGNING = ("cavage", "rfc9421", "spoiled")


def sendable(value: str) -> str:
    """A header value the client will send: no control characters (the HTTP client
    refuses them itself, so the node could never receive them)."""
    return "".join(c for c in value if c == "\t" or (c >= " " and c != "\x7f"))


spoiled_headers = st.fixed_dictionaries(
    {},
    optional={
        "Signature": st.one_of(cavage_headers, sf_dictionaries),
        "Signature-Input": sf_dictionaries,
        "Digest": edgy_text,
        "Content-Digest": sf_dictionaries,
        "Date": edgy_text,
        "Content-Type": st.sampled_from(["application/activity+json", "text/plain", "x/y; q"]),
    },
).map(lambda headers: {name: sendable(value) for name, value in headers.items()})


def mutated(activity: dict[str, Any], changes: list[Mutation]) -> dict[str, Any]:
    """``activity`` with each change applied where its path still leads to an object."""
    for path, value in changes:
        *parents, key = path
        target: Any = activity
        for parent in parents:
            target = target.get(parent) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return activity


@HTTP_BUDGET
@given(
    changes=mutations,
    signing=st.sampled_from(SIGNING),
    raw=st.one_of(st.none(), st.binary(max_size=200)),
    spoiled=spoiled_headers,
)
@example(changes=[(("@context",), "0")], signing="cavage", raw=None, spoiled={})
@example(changes=[(("@context",), [{"@language": None}])], signing="rfc9421", raw=None, spoiled={})
async def test_generated_inbox_posts_get_no_5xx_and_refusals_store_nothing(
    wijk: RunningNode,
    mastodon: FakeMastodon,
    http: aiohttp.ClientSession,
    changes: list[Mutation],
    signing: str,
    raw: bytes | None,
    spoiled: dict[str, str],
) -> None:
    alice: PeerAccount = mastodon.accounts.get("alice") or mastodon.add_account("alice")
    url = f"{wijk.base_url}/inbox"
    body = (
        raw if raw is not None else json.dumps(mutated(note_by(mastodon, alice), changes)).encode()
    )
    if signing == "cavage":
        headers = mastodon.signed_post_headers(alice, url, body)
    elif signing == "rfc9421":
        headers = mastodon.rfc9421_post_headers(alice, url, body)
    else:
        headers = spoiled
    before = await stored_rows(wijk)

    async with http.post(url, data=body, headers=headers) as answer:
        await assert_answered_and_kept(wijk, before, answer.status, await answer.text())


form_fields = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(
                ["username", "password", "next", "title", "text", "cost", "area", "csrf"]
            ),
            edgy_text,
        ),
        st.one_of(
            edgy_text,
            st.sampled_from(
                ["anouk", "wachtwoord-123", "/", "//evil.example", "1e309", "-0", "NaN", "12,50"]
            ),
        ),
    ),
    max_size=6,
)
form_bodies = st.one_of(
    form_fields.map(lambda fields: ("fields", fields)),
    st.tuples(
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "multipart/form-data; boundary=x",
                "text/plain",
                "",
            ]
        ),
        st.one_of(st.binary(max_size=200), edgy_text.map(str.encode)),
    ).map(lambda raw: ("raw", raw)),
)


async def post_form(browser: WebBrowser, path: str, form: tuple[str, Any]) -> tuple[int, str]:
    """POST ``form``: generated fields after the page's own token, or a raw body as is."""
    kind, content = form
    if kind == "fields":
        content_type = "application/x-www-form-urlencoded"
        body = urlencode([("csrf", browser.csrf), *content]).encode()
    else:
        content_type, body = content
    async with browser.http.post(
        browser.base + path,
        data=body,
        headers={"Content-Type": content_type} if content_type else {},
        allow_redirects=False,
    ) as answer:
        return answer.status, await answer.text()


@HTTP_BUDGET
@given(form=form_bodies)
@example(
    form=("raw", ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data"))
)
async def test_generated_login_forms_get_no_5xx_and_refusals_store_nothing(
    wijk: RunningNode, form: tuple[str, Any]
) -> None:
    async with web_browser(wijk) as browser:
        await browser.get("/login")
        before = await stored_rows(wijk)
        status, text = await post_form(browser, "/login", form)
    await assert_answered_and_kept(wijk, before, status, text)


@pytest.fixture
async def anouk(wijk: RunningNode) -> AsyncIterator[WebBrowser]:
    """Anouk's browser, logged in once for all the examples (the login throttle would
    rightly stop a login per example)."""
    async with logged_in(wijk, "anouk") as browser:
        await browser.get("/processes/stoep")
        yield browser


@HTTP_BUDGET
@given(form=form_bodies)
async def test_generated_proposal_forms_get_no_5xx_and_refusals_store_nothing(
    wijk: RunningNode, anouk: WebBrowser, form: tuple[str, Any]
) -> None:
    before = await stored_rows(wijk)
    status, text = await post_form(anouk, "/processes/stoep/proposals", form)
    await assert_answered_and_kept(wijk, before, status, text)


NAMELESS_PART = b"--x\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--x--\r\n"


@pytest.mark.parametrize("path", ["/login", "/processes/stoep/proposals", "/api/v1/apps"])
async def test_a_form_with_a_nameless_part_is_refused_with_400_everywhere_forms_are_read(
    wijk: RunningNode, anouk: WebBrowser, path: str
) -> None:
    # What the login fuzz found first: aiohttp's form reader raises ValueError on it.
    async with anouk.http.post(
        anouk.base + path,
        data=NAMELESS_PART,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 400
