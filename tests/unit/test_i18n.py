"""The message catalogue of the pages and how a page's language is chosen."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from node.web.i18n import (
    CATALOGUE,
    LANGUAGES,
    PHASE_LABELS,
    STANCE_LABELS,
    STATUS_LABELS,
    language_of,
    readable_moment,
    translator,
)


def test_every_message_and_label_exists_in_dutch_and_english() -> None:
    assert all(set(texts) == set(LANGUAGES) for texts in CATALOGUE.values())
    for labels in (PHASE_LABELS, STANCE_LABELS, STATUS_LABELS):
        assert set(labels["nl"]) == set(labels["en"])


def test_the_lang_toggle_beats_the_cookie_which_beats_the_browser_which_beats_the_node() -> None:
    def chosen(path: str = "/", cookie: str = "", accept: str = "") -> str:
        headers = {"Cookie": cookie, "Accept-Language": accept}
        return language_of(make_mocked_request("GET", path, headers=headers), "nl")

    assert chosen() == "nl"
    assert chosen(accept="de-DE, en-GB;q=0.8, nl;q=0.5") == "en"
    assert chosen(accept="en;q=0, nl") == "nl"
    assert chosen(cookie="lang=en", accept="nl") == "en"
    assert chosen("/?lang=nl", cookie="lang=en") == "nl"
    assert chosen("/?lang=fr", accept="fr, en;q=0.1") == "en"


def test_messages_fill_in_their_values() -> None:
    assert translator("en")("process.of", count=3, threshold=5) == "3 of 5"
    assert translator("nl")("process.of", count=3, threshold=5) == "3 van 5"


def test_times_are_shown_on_the_dutch_clock_in_words() -> None:
    assert readable_moment("2026-11-26T08:30:00Z", "nl") == "26 november 2026, 09:30"
    assert readable_moment("2026-07-01T08:30:00Z", "en", with_time=False) == "1 July 2026"
