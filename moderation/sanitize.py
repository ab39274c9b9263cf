"""Sanitising HTML and text that comes from outside.

Every piece of HTML a node shows or stores (remote objects, local posts, client
API input) goes through :func:`sanitize_html`, which keeps what Mastodon's
``Sanitize::Config::MASTODON_STRICT`` keeps, so a post looks the same here as on
the fediverse and nothing executable survives. Names and titles are plain text
(:func:`plain_text`); local plain-text input becomes HTML through
:func:`text_to_html`; previews and exports read HTML back as text through
:func:`html_to_text`.
"""

import html
import re
import threading
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import bleach

# bleach re-exports its vendored html5lib Filter here; the bleach stubs do not list it.
from bleach.html5lib_shim import Filter  # type: ignore[attr-defined]

# Mastodon's MASTODON_STRICT element list (app/lib/sanitize_config.rb), minus its
# headings: those become <p><strong> (see _HEADINGS) so a remote post cannot add
# headings to the outline of the page that shows it.
MASTODON_ELEMENTS = frozenset(
    {
        "p", "br", "span", "a", "abbr", "del", "s", "pre", "blockquote", "code",
        "b", "strong", "u", "sub", "sup", "i", "em", "ul", "ol", "li",
        "ruby", "rt", "rp",
    }
)  # fmt: skip

_MASTODON_LINK_PROTOCOLS = frozenset(
    {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"}
)
# mailto on top of Mastodon's list, so contact addresses in a neighbourhood's
# posts stay clickable.
LINK_PROTOCOLS = _MASTODON_LINK_PROTOCOLS | {"mailto"}

# Mastodon adds "nofollow noopener"; noreferrer keeps readers' origins private and
# ugc marks user content for search engines.
LINK_REL = "nofollow noopener noreferrer ugc"

_ATTRIBUTES_BY_ELEMENT: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "class", "title", "translate"}),
    "abbr": frozenset({"title"}),
    "span": frozenset({"class", "translate"}),
    "blockquote": frozenset({"cite"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
    "p": frozenset({"class"}),
}
_GLOBAL_ATTRIBUTES = frozenset({"lang"})

# Mastodon's ALLOWED_CLASS_TRANSFORMER: microformats, mentions and hashtags, the
# link-shortening helpers and the inline quote fallback.
_ALLOWED_CLASS = re.compile(r"(?:h|p|u|dt|e)-.*|mention|hashtag|ellipsis|invisible|quote-inline")

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# Elements whose content is code, fallback for active content or raw text: their
# text would be junk (or a payload) if shown, so they go with everything inside.
_DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "applet", "svg", "math",
        "template", "noscript", "noembed", "noframes", "xmp", "plaintext",
        "textarea", "title",
    }
)  # fmt: skip

# Elements that separate words when HTML is read as a single line of text.
_WORD_BREAKING = frozenset({"br", "p", "li", "blockquote", "pre", "ul", "ol"}) | _HEADINGS

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# What a browser's URL parser ignores: C0 controls and spaces around, tabs and
# newlines anywhere (so "java\tscript:" is "javascript:").
_URL_IGNORED_INSIDE = re.compile(r"[\t\n\r]")
_URL_IGNORED_AROUND = "".join(chr(c) for c in range(0x21))

# C0/C1 controls other than whitespace: html5lib turns some into "?". Lone
# surrogates: they cannot be encoded as UTF-8 on the way out.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Bidi embeddings, overrides and isolates: in a name they make it show something
# other than what it is.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH_JOINER = "\u200d"

# A tag still open when the input ends: browsers drop it, bleach would show it as text.
_UNFINISHED_TAG_AT_END = re.compile(r"</?[a-zA-Z][^>]*\Z")

# The shapes Mastodon writes a post in, which _fast_sanitized handles without
# bleach: paragraphs of text with line breaks, the entities Mastodon writes, and
# its mention, hashtag and link markup (<span class>, <a href class rel target
# translate>). Anything else (another tag or attribute, ">" or another "&" in text,
# CR or form feed, a quote in a value, misnesting) is left to bleach. Tests compare
# the two on the XSS corpus and on generated input of these shapes and near misses.
_FAST_TOKEN = re.compile(
    r"(?P<text>[^<>&\r\x0c]+)"
    r"|(?P<entity>&(?:amp|lt|gt|quot|#39|nbsp);)"
    r"|(?P<br><br ?/?>)"
    r"|<(?P<close>/?)(?P<tag>p|span|a)"
    r"(?P<attributes>(?: [a-z]+=\"(?:[^\"<>&'\r\x0c]|&amp;)*\")*)>"
)
_FAST_ATTRIBUTE = re.compile(r' ([a-z]+)="([^"]*)"')
# An ASCII http(s) URL with a plain host: bleach's URL parser refuses some others
# (a "[" in the host), which unwraps the link.
_FAST_HREF = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][A-Za-z0-9._~!$&()*+,;=:@/?#%-]*)?"
)
# rel and target are dropped from links (bleach drops them; LINK_REL and _blank are added).
_FAST_ATTRIBUTES_BY_ELEMENT = {
    "p": frozenset(),
    "span": frozenset({"class", "translate"}),
    "a": frozenset({"href", "class", "translate", "rel", "target"}),
}

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,;:!?'\"]}"
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


# html5lib's token stream: a dict per token; attributes keyed by (namespace, name).
_Token = dict[str, Any]
_Attributes = dict[tuple[str | None, str], str]


def _is_allowed_attribute(element: str, name: str, value: str) -> bool:
    if name in _GLOBAL_ATTRIBUTES:
        return True
    if name not in _ATTRIBUTES_BY_ELEMENT.get(element, ()):
        return False
    # Mastodon keeps translate only to switch machine translation off.
    return name != "translate" or value == "no"


def _has_allowed_scheme(url: str) -> bool:
    """Whether an attribute value is an absolute URL with an allowed scheme.

    Relative URLs are refused too: in remote content they would resolve against
    this node, as Mastodon's UNSUPPORTED_HREF_TRANSFORMER also reasons.
    """
    cleaned = _URL_IGNORED_INSIDE.sub("", html.unescape(url)).strip(_URL_IGNORED_AROUND)
    match = _SCHEME.match(cleaned)
    return match is not None and match.group(1).lower() in LINK_PROTOCOLS


def _allowed_classes(value: str) -> str:
    return " ".join(name for name in value.split() if _ALLOWED_CLASS.fullmatch(name))


def _fast_sanitized(text: str) -> str | None:
    """What bleach makes of ``text`` when it has only the shapes in _FAST_TOKEN, else None."""
    out: list[str] = []
    open_elements: list[str] = []
    position = 0
    while position < len(text):
        token = _FAST_TOKEN.match(text, position)
        if token is None:
            return None
        position = token.end()
        element = token["tag"]
        if element is None:
            # Text, an entity or a line break: only inside a paragraph.
            if not open_elements:
                return None
            out.append("<br>" if token["br"] else token[0])
        elif token["close"]:
            if token["attributes"] or not open_elements or open_elements.pop() != element:
                return None
            out.append(f"</{element}>")
        else:
            # Paragraphs only at the top, links never inside links, the rest inside a paragraph.
            if (element == "p") != (not open_elements) or (element == "a" and "a" in open_elements):
                return None
            attributes = _fast_attributes(element, token["attributes"])
            if attributes is None:
                return None
            open_elements.append(element)
            out.append(f"<{element}{attributes}>")
    return None if open_elements else "".join(out)


def _fast_attributes(element: str, written: str) -> str | None:
    kept: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in _FAST_ATTRIBUTE.findall(written):
        if name in seen:
            return None
        seen.add(name)
        if element == "a" and name == "href":
            if not _FAST_HREF.fullmatch(value.replace("&amp;", "&")):
                return None
            kept.append((name, value))
            continue
        if "&" in value or name not in _FAST_ATTRIBUTES_BY_ELEMENT[element]:
            return None
        if name == "class":
            value = _allowed_classes(value)
            if value:
                kept.append((name, value))
        elif name == "translate" and value == "no":
            kept.append((name, value))
    if element == "a":
        if "href" not in seen:
            return None
        kept += [("rel", LINK_REL), ("target", "_blank")]
    return "".join(f' {name}="{value}"' for name, value in kept)


class _DropContentFilter(Filter):
    """Removes the elements in _DROPPED_WITH_CONTENT together with everything inside."""

    def __iter__(self) -> Iterator[_Token]:
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            if depth:
                # The tokens come from walking a parsed tree, so tags are balanced.
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth -= 1
                continue
            if token.get("name") in _DROPPED_WITH_CONTENT:
                if kind == "StartTag":
                    depth = 1
                continue
            yield token


class _MastodonShapeFilter(Filter):
    """Applies Mastodon's transformers that an allow-list alone cannot express.

    Headings become bold paragraphs, links without an absolute URL of an allowed
    scheme are unwrapped to their text, every kept link gets LINK_REL and opens in
    a new tab, and class values are cut down to the ones Mastodon keeps.
    """

    def __iter__(self) -> Iterator[_Token]:
        kept_links: list[bool] = []
        for token in super().__iter__():
            kind = token["type"]
            name = token.get("name")
            if name in _HEADINGS:
                yield from self._heading_as_bold_paragraph(token)
            elif name == "a" and kind == "EndTag":
                if kept_links.pop():
                    yield token
            elif name == "a" and kind == "StartTag":
                href = token["data"].get((None, "href"))
                kept = href is not None and _has_allowed_scheme(href)
                kept_links.append(kept)
                if kept:
                    yield {**token, "data": self._link_attributes(token["data"])}
            elif kind in ("StartTag", "EmptyTag") and token["data"]:
                yield {**token, "data": self._checked_attributes(token["data"])}
            else:
                yield token

    @staticmethod
    def _heading_as_bold_paragraph(token: _Token) -> Iterator[_Token]:
        if token["type"] == "StartTag":
            yield {**token, "name": "p"}
            yield {**token, "name": "strong", "data": {}}
        else:
            yield {**token, "name": "strong"}
            yield {**token, "name": "p"}

    @classmethod
    def _link_attributes(cls, data: _Attributes) -> _Attributes:
        # bleach has already dropped any rel and target the link came with.
        attributes = cls._checked_attributes(data)
        attributes[(None, "rel")] = LINK_REL
        attributes[(None, "target")] = "_blank"
        return attributes

    @staticmethod
    def _checked_attributes(data: _Attributes) -> _Attributes:
        checked = {}
        for key, value in data.items():
            if key == (None, "class"):
                value = _allowed_classes(value)
                if not value:
                    continue
            elif key == (None, "cite") and not _has_allowed_scheme(value):
                continue
            checked[key] = value
        return checked


class _WordBreakFilter(Filter):
    """Turns tags into nothing (inline) or a space (blocks, line breaks)."""

    def __iter__(self) -> Iterator[_Token]:
        for token in super().__iter__():
            if token["type"] not in ("StartTag", "EndTag", "EmptyTag"):
                yield token
            elif token["name"] in _WORD_BREAKING:
                yield {"type": "SpaceCharacters", "data": " "}


# bleach's Cleaner keeps parser state, so each thread builds its own.
_cleaners = threading.local()


def _html_cleaner() -> bleach.Cleaner:
    cleaner = getattr(_cleaners, "html", None)
    if cleaner is None:
        cleaner = _cleaners.html = bleach.Cleaner(
            # Headings and the dropped elements must reach the filters as elements;
            # bleach would otherwise unwrap them while parsing and keep a script's
            # code as text.
            tags=MASTODON_ELEMENTS | _HEADINGS | _DROPPED_WITH_CONTENT,
            attributes=_is_allowed_attribute,
            protocols=LINK_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[_DropContentFilter, _MastodonShapeFilter],
        )
    return cleaner


def _text_cleaner() -> bleach.Cleaner:
    cleaner = getattr(_cleaners, "text", None)
    if cleaner is None:
        cleaner = _cleaners.text = bleach.Cleaner(
            tags=_WORD_BREAKING | _DROPPED_WITH_CONTENT,
            attributes={},
            strip=True,
            strip_comments=True,
            filters=[_DropContentFilter, _WordBreakFilter],
        )
    return cleaner


def sanitize_html(html_text: str) -> str:
    """Return ``html_text`` cut down to the markup Mastodon keeps.

    Allowed: p, br, span, a, abbr, del, s, pre, blockquote, code, b, strong, u,
    sub, sup, i, em, ul, ol, li, ruby, rt, rp, with Mastodon's attributes. Headings
    become ``<p><strong>``. Script-like elements (script, style, svg, math,
    iframe, ...) go with their content; other disallowed elements are unwrapped,
    keeping their text. Every link keeps only an absolute URL of an allowed
    scheme and gets ``rel="nofollow noopener noreferrer ugc"`` and
    ``target="_blank"``. The result is stable: sanitising it again changes nothing.
    """
    html_text = _UNFINISHED_TAG_AT_END.sub("", _CONTROL_CHARACTERS.sub("", html_text))
    fast = _fast_sanitized(html_text)
    return fast if fast is not None else _html_cleaner().clean(html_text)


def _truncate(text: str, max_length: int) -> str:
    if len(text) <= max_length:
        return text
    cut = max_length - 1
    # Back off so a combining mark or the far side of a joined emoji does not
    # end up orphaned at the start of what is cut away.
    while cut > 0 and (
        unicodedata.category(text[cut]).startswith("M")
        or text[cut] == _ZERO_WIDTH_JOINER
        or text[cut - 1] == _ZERO_WIDTH_JOINER
    ):
        cut -= 1
    return text[:cut].rstrip() + "…"


def plain_text(value: str, max_length: int | None = None) -> str:
    """Return ``value`` as one line of plain text, for names and titles.

    Tags are removed (script-like elements with their content), entities decoded,
    control and bidi-override characters removed and whitespace collapsed. When
    longer than ``max_length`` characters, the text is cut and ends with "…"
    (the result, "…" included, is at most ``max_length`` long). The result is text,
    not HTML: whoever shows it escapes it.
    """
    if max_length is not None and max_length < 1:
        raise ValueError(f"max_length must be at least 1, not {max_length}")
    # Stripped again after unescaping, because entities can spell them too.
    text = html.unescape(_text_cleaner().clean(_CONTROL_CHARACTERS.sub("", value)))
    text = " ".join(_BIDI_CONTROLS.sub("", _CONTROL_CHARACTERS.sub("", text)).split())
    return text if max_length is None else _truncate(text, max_length)


def _linkified(line: str) -> str:
    pieces = []
    position = 0
    for match in _URL_IN_TEXT.finditer(line):
        url = match.group()
        while url and (
            url[-1] in _URL_TRAILING_PUNCTUATION
            or (url[-1] == ")" and url.count(")") > url.count("("))
        ):
            url = url[:-1]
        if url.endswith("://"):
            continue
        pieces.append(html.escape(line[position : match.start()], quote=False))
        pieces.append(
            f'<a href="{html.escape(url)}" rel="{LINK_REL}" target="_blank">'
            f"{html.escape(url, quote=False)}</a>"
        )
        position = match.start() + len(url)
    pieces.append(html.escape(line[position:], quote=False))
    return "".join(pieces)


def text_to_html(text: str) -> str:
    """Turn local plain text (web forms, the client API's status) into HTML.

    Blank lines separate paragraphs, single newlines become ``<br>``, and http(s)
    URLs become links with the same rel as :func:`sanitize_html` gives. The result
    passes :func:`sanitize_html` unchanged.
    """
    text = _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = []
    for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
        lines = [_linkified(line.strip()) for line in paragraph.split("\n")]
        if any(lines):
            paragraphs.append(f"<p>{'<br>'.join(lines)}</p>")
    return "".join(paragraphs)


class _TextLayout(HTMLParser):
    """Collects the text of sanitised HTML with its paragraphs and line breaks."""

    _PARAGRAPHS = frozenset({"p", "blockquote", "pre", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_pre = 0
        # One entry per open list: the next number of an <ol>, None for a <ul>.
        self._lists: list[int | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n" + self._list_marker())
        elif tag in self._PARAGRAPHS:
            self.parts.append("\n\n")
            if tag == "pre":
                self._in_pre += 1
            elif tag == "ul":
                self._lists.append(None)
            elif tag == "ol":
                start = dict(attrs).get("start") or ""
                self._lists.append(int(start) if start.lstrip("-").isdigit() else 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._PARAGRAPHS:
            self.parts.append("\n\n")
            if tag == "pre":
                self._in_pre -= 1
            elif tag in ("ul", "ol") and self._lists:
                self._lists.pop()

    def handle_data(self, data: str) -> None:
        if self._in_pre:
            self.parts.append(data)
            return
        # Outside <pre>, a run of whitespace in HTML shows as one space.
        data = re.sub(r"\s+", " ", data)
        if not self.parts or self.parts[-1].endswith("\n") or self.parts[-1].endswith(" "):
            data = data.lstrip(" ")
        self.parts.append(data)

    def _list_marker(self) -> str:
        if not self._lists or self._lists[-1] is None:
            return "- "
        number = self._lists[-1]
        self._lists[-1] = number + 1
        return f"{number}. "


def html_to_text(html_text: str) -> str:
    """Return the text of HTML for previews, notifications and exports.

    The HTML is sanitised first, so script-like content never shows. Paragraphs
    are separated by a blank line, ``<br>`` becomes a newline and list items
    start on their own line with "- " or their number.
    """
    layout = _TextLayout()
    layout.feed(sanitize_html(html_text))
    layout.close()
    lines = (line.rstrip(" ") for line in "".join(layout.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
