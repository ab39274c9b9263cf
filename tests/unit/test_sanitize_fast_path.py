"""The fast path of sanitize_html (Mastodon's shapes) returns exactly what bleach returns."""

import random

import pytest

from moderation.sanitize import (
    _CONTROL_CHARACTERS,
    _UNFINISHED_TAG_AT_END,
    _fast_sanitized,
    _html_cleaner,
    sanitize_html,
)
from tests.unit.test_sanitize import MASTODON_POST, XSS_PAYLOADS

MENTION = (
    '<span class="h-card" translate="no"><a href="https://m.example/@alice" '
    'class="u-url mention">@<span>alice</span></a></span>'
)
HASHTAG = (
    '<a href="https://m.example/tags/stoep" class="mention hashtag" rel="tag">'
    "#<span>stoep</span></a>"
)
LINK = (
    '<a href="https://example.org/x?a=1&amp;b=2" target="_blank" '
    'rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span>'
    '<span class="ellipsis">example.org/x</span><span class="invisible"></span></a>'
)

# Pieces of generated input: what the fast path accepts, and near misses it must leave to bleach.
TEXT_PIECES = [
    "a", "Z", "0", " ", "  ", "\t", "\n", '"', "'", "=", "/", ";", "#", "@", ":", "?",
    "é", "ß", "😀", "\u00a0", "\u200b", "\u2028", "\u202e", "\ufeff", "\ufffe", "\U0001fffe",
    "de stoep is weer heel.", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;",
    "<br>", "<br/>", "<br />", "</p><p>",
]  # fmt: skip
MARKUP_PIECES = [
    MENTION, HASHTAG, LINK, "<span>", "</span>", '<span class="invisible">', "</a>",
    '<span class="h-card u-url">', '<span class="bad">', '<span class="">',
    '<span translate="yes">',
    '<a href="https://m.example/@bob" class="u-url mention">', '<a href="http://x.example/">',
    '<a href="https://x.example/é?q=ü">', '<a href="https://x.example/" class="">',
    '<a href="https://x.example/" rel="me" target="_self" translate="no" class="hashtag e-x">',
]  # fmt: skip
NEAR_MISSES = [
    ">", "<", "&", "&amp", "&copy;", "&copy", "&#x27;", "&#39", "\r", "\r\n", "\x0c", "\x00",
    "\x85", "\ud800", "<BR>", "<br  />", "<br >", "</P>", "<p >", '<p class="x">', "<b>", "</p>",
    "<p>", "<!-- c -->", "<script>alert(1)</script>", '<a href="javascript:alert(1)">',
    '<a href="/relative">', '<a class="mention">', '<a href="https://x.example/ y">',
    '<a href="https://x.example/" href="https://y.example/">', '<a href="https://x&y.example/">',
    '<a href="https://x.example/" onclick="alert(1)">', '<a href=\'https://x.example/\'>',
    '<span class="a&amp;b">', '<span style="color:red">', '<a href="HTTPS://x.example/">',
    '<a  href="https://x.example/">', '<a href="https://x.example/"/>', "</span >",
]  # fmt: skip


def bleach_only(text: str) -> str:
    """sanitize_html without the fast path."""
    return _html_cleaner().clean(prepared(text))


def prepared(text: str) -> str:
    return _UNFINISHED_TAG_AT_END.sub("", _CONTROL_CHARACTERS.sub("", text))


def takes_fast_path(text: str) -> bool:
    return _fast_sanitized(prepared(text)) is not None


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
    inputs = generated(1, TEXT_PIECES, 3000)
    assert all(takes_fast_path(text) for text in inputs)
    for text in inputs:
        assert sanitize_html(text) == bleach_only(text), repr(text)


def test_mentions_hashtags_and_links_come_out_exactly_as_bleach_writes_them():
    inputs = generated(2, TEXT_PIECES + MARKUP_PIECES, 5000)
    taken = sum(takes_fast_path(text) for text in inputs)
    # Unbalanced spans and links are left to bleach; many inputs still take the fast path.
    assert taken > len(inputs) // 10
    for text in inputs:
        assert sanitize_html(text) == bleach_only(text), repr(text)


def test_near_misses_of_mastodons_shapes_come_out_exactly_as_bleach_writes_them():
    inputs = generated(3, TEXT_PIECES + MARKUP_PIECES + NEAR_MISSES, 5000)
    taken = sum(takes_fast_path(text) for text in inputs)
    # Both paths are exercised.
    assert 0 < taken < len(inputs)
    for text in inputs:
        assert sanitize_html(text) == bleach_only(text), repr(text)


URL_PIECES = [
    *"abcXYZ019%#?=@!*()[]{}|\\^`~;:,./+$-_", "\u2028", "\u202e", "\ufeff", "\xa0", "😀", "é",
    "\u200b", "&amp;", "&amp", " ", "\t", "%zz", "%20", "::", ":80", ":99999", "..", "//",
]  # fmt: skip


def test_link_urls_and_classes_come_out_exactly_as_bleach_writes_them():
    rng = random.Random(4)
    taken = 0
    for _ in range(4000):
        href = rng.choice(["https://", "http://", "https:", "HTTP://", "https://x.example/"])
        href += "".join(rng.choice(URL_PIECES) for _ in range(rng.randint(0, 8)))
        classes = rng.choice(["mention", "u-url mention", "", "bad", "hashtag e-x", " mention  x "])
        translate = rng.choice(["no", "yes", "No", "", "no "])
        text = (
            f'<p><a href="{href}" class="{classes}" translate="{translate}">x'
            f'<span class="{classes}">y</span></a></p>'
        )
        taken += takes_fast_path(text)
        assert sanitize_html(text) == bleach_only(text), repr(text)
    assert taken > 100


@pytest.mark.parametrize(
    "content",
    [
        "<p>Bericht 12 van sender0 (round 1): de stoep is weer heel.</p>",
        "<p>Eerste regel<br />tweede regel</p><p>Nieuwe alinea &amp; meer: &quot;ja&quot;</p>",
        "<p>Café &#39;t Hoekje gaat dicht 😢</p>",
        "<p></p>",
        f"<p>{MENTION} kijk eens: {LINK}</p><p>{HASHTAG}</p>",
    ],
)
def test_mastodon_shaped_posts_take_the_fast_path_with_bleachs_output(content):
    assert takes_fast_path(content)
    assert sanitize_html(content) == bleach_only(content)


@pytest.mark.parametrize(
    "content",
    [
        '<p><a href="javascript:alert(1)">x</a></p>',
        '<p><a href="https://x.example/" onclick="alert(1)">x</a></p>',
        "<p><script>alert(1)</script></p>",
        "<p>1 > 0</p>",
    ],
)
def test_anything_outside_the_shapes_goes_to_bleach(content):
    assert not takes_fast_path(content)


def test_a_long_plain_post_is_matched_in_linear_time():
    content = "<p>" + "woord &amp; <br />" * 50_000 + "</p>"
    assert sanitize_html(content) == content.replace("<br />", "<br>")
