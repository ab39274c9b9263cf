"""One refusal, four surfaces: each maps the same status-free domain error in its own shape.

A browser gets an HTML page in its language with a way on, a peer gets a
status and short JSON, a client app gets Mastodon's ``{"error": ...}``, and
the CLI prints one line and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from node.cli import main
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.oauth_browser import logged_in_client, resident

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
async def wijk(start: StartNode) -> RunningNode:
    """A node without any process."""
    return await start("oosterpark", "Wijkraad Oosterpark")


async def page(url: str, **headers: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET as a browser sends it."""
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers={"Accept": BROWSER, **headers}) as answer:
            return answer.status, answer.content_type, await answer.text()


async def test_an_unknown_process_in_a_browser_is_an_html_page_in_dutch_with_a_way_on(
    wijk: RunningNode,
) -> None:
    status, content_type, html = await page(f"{wijk.base_url}/processes/onbekend")

    assert (status, content_type) == (404, "text/html")
    assert '<html lang="nl">' in html
    assert "Niet gevonden" in html
    assert "Er is geen proces met de naam &#39;onbekend&#39; op deze node." in html
    assert f'href="{wijk.base_url}/">Terug naar de voorpagina' in html


@pytest.mark.parametrize(
    ("query", "headers"),
    [("?lang=en", {}), ("", {"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})],
    ids=["lang-parameter", "accept-language"],
)
async def test_an_unknown_process_in_a_browser_is_in_english_when_asked(
    wijk: RunningNode, query: str, headers: dict[str, str]
) -> None:
    status, content_type, html = await page(f"{wijk.base_url}/processes/onbekend{query}", **headers)

    assert (status, content_type) == (404, "text/html")
    assert '<html lang="en">' in html
    assert "There is no process called &#39;onbekend&#39; on this node." in html
    assert "Back to the front page" in html


async def test_a_page_sends_the_visitor_back_where_they_came_from_on_this_node_only(
    wijk: RunningNode,
) -> None:
    came_from = f"{wijk.base_url}/processes"
    _, _, html = await page(f"{wijk.base_url}/processes/onbekend", Referer=came_from)
    _, _, elsewhere = await page(
        f"{wijk.base_url}/processes/onbekend", Referer="https://phishing.example/"
    )

    assert f'href="{came_from}">Terug naar de vorige pagina' in html
    assert "phishing.example" not in elsewhere


async def test_a_server_asking_for_the_same_unknown_process_gets_short_json(
    wijk: RunningNode,
) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{wijk.base_url}/processes/onbekend"
        async with http.get(url, headers={"Accept": "application/activity+json"}) as answer:
            assert answer.status == 404
            assert answer.content_type == "application/json"
            assert "there is no process 'onbekend'" in (await answer.json())["error"]


async def test_the_client_api_answers_unknown_records_and_refused_actions_as_mastodon(
    wijk: RunningNode,
) -> None:
    await resident(wijk, "anna")
    anna = await logged_in_client(wijk, "anna")
    api = f"{wijk.base_url}/api/v1"
    headers = {"Authorization": f"Bearer {anna.access_token}", "Accept": BROWSER}
    async with aiohttp.ClientSession(headers=headers) as http:
        for unknown in ("statuses/987654", "accounts/987654", "statuses/nope"):
            async with http.get(f"{api}/{unknown}") as answer:
                assert answer.status == 404, unknown
                assert answer.content_type == "application/json"
                assert await answer.json() == {"error": "Record not found"}
        async with http.post(
            f"{api}/statuses", json={"status": "Alleen voor volgers", "visibility": "private"}
        ) as answer:
            private = await answer.json()
        async with http.post(f"{api}/statuses/{private['id']}/reblog") as answer:
            assert answer.status == 422
            assert await answer.json() == {"error": "Followers-only posts cannot be boosted"}


def test_the_cli_refuses_an_unknown_process_in_one_line_with_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node_dir = tmp_path / "wijk"
    assert (
        main(
            [
                "init",
                str(node_dir),
                "--domain",
                "127.0.0.1:8899",
                "--name",
                "Wijk",
                "--handle",
                "wijk",
                "--dev",
            ]
        )
        == 0
    )
    capsys.readouterr()

    assert main(["process", "phase", str(node_dir), "onbekend", "voting"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "samenspraak: error: there is no process 'onbekend' on this node\n"
