"""The plain-paragraph fast path of sanitize_html returns exactly what bleach returns."""

import random

import pytest

from moderation.sanitize import (
    _CONTROL_CHARACTERS,
    _PLAIN_PARAGRAPHS,
    _UNFINISHED_TAG_AT_END,
    _html_cleaner,
    sanitize_html,
)
from tests.unit.test_sanitize import MASTODON_POST, XSS_PAYLOADS

# Pieces of generated input: what the fast path accepts, and near misses it must leave to bleach.
ACCEPTED_PIECES = [
    "a", "Z", "0", " ", "  ", "\t", "\n", '"', "'", "=", "/", ";", "#", "@", ":", "?",
    "é", "ß", "😀", "\u00a0", "\u200b", "\u2028", "\u202e", "\ufeff", "\ufffe", "\U0001fffe",
    "de stoep is weer heel.", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;",
    "<br>", "<br/>", "<br />", "</p><p>",
]  # fmt: skip
NEAR_MISSES = [
    ">", "<", "&", "&amp", "&copy;", "&copy", "&#x27;", "&#39", "\r", "\r\n", "\x0c", "\x00",
    "\x85", "\ud800", "<BR>", "<br  />", "</P>", "<p >", "<p class=\"x\">", "<b>", "</p>",
    "<p>", "<!-- c -->", "<script>alert(1)</script>", "<a href=\"https://x.example/\">x</a>",
]  # fmt: skip


def bleach_only(text: str) -> str:
    """sanitize_html without the fast path."""
    prepared = _UNFINISHED_TAG_AT_END.sub("", _CONTROL_CHARACTERS.sub("", text))
    return _html_cleaner().clean(prepared)


def takes_fast_path(text: str) -> bool:
    prepared = _UNFINISHED_TAG_AT_END.sub("", _CONTROL_CHARACTERS.sub("", text))
    return _PLAIN_PARAGRAPHS.fullmatch(prepared) is not None


def generated(seed: int, pieces: list[str], count: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "<p>" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) + "</p>"
        for _ in range(count)
    ]


@pytest.mark.parametrize(
    "payload",
    [*XSS_PAYLOADS, *(f"<p>{payload}</p>" for payload in XSS_PAYLOADS), MASTODON_POST],
)
def test_xss_corpus_is_sanitised_exactly_as_bleach_does(payload):
    assert sanitize_html(payload) == bleach_only(payload)


def test_plain_paragraphs_come_out_exactly_as_bleach_writes_them():
    inputs = generated(1, ACCEPTED_PIECES, 3000)
    assert all(takes_fast_path(text) for text in inputs)
    for text in inputs:
        assert sanitize_html(text) == bleach_only(text), repr(text)


def test_near_misses_of_the_plain_shape_come_out_exactly_as_bleach_writes_them():
    inputs = generated(2, ACCEPTED_PIECES + NEAR_MISSES, 3000)
    taken = sum(takes_fast_path(text) for text in inputs)
    # Both paths are exercised.
    assert 0 < taken < len(inputs)
    for text in inputs:
        assert sanitize_html(text) == bleach_only(text), repr(text)


@pytest.mark.parametrize(
    "content",
    [
        "<p>Bericht 12 van sender0 (round 1): de stoep is weer heel.</p>",
        "<p>Eerste regel<br />tweede regel</p><p>Nieuwe alinea &amp; meer: &quot;ja&quot;</p>",
        "<p>Café &#39;t Hoekje gaat dicht 😢</p>",
        "<p></p>",
    ],
)
def test_mastodon_shaped_plain_posts_take_the_fast_path_with_bleachs_output(content):
    assert takes_fast_path(content)
    assert sanitize_html(content) == bleach_only(content)


def test_a_long_plain_post_is_matched_in_linear_time():
    content = "<p>" + "woord &amp; <br />" * 50_000 + "</p>"
    assert sanitize_html(content) == content.replace("<br />", "<br>")
