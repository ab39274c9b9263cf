"""The message catalogues of the pages, Babel's formats and how a page's language is chosen."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import make_mocked_request
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from node.i18n import LANGUAGES, LOCALE_DIR, readable_amount, readable_moment, translator
from node.web.i18n import install_gettext, language_of

NODE_DIR = Path(__file__).resolve().parents[2] / "node"
# The names code and templates mark their texts with, as Babel's extractor reads them.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "t": None}
METHODS = [
    ("i18n.py", "python"),
    ("password_rules.py", "python"),
    ("settings.py", "python"),
    ("letter_sheet.py", "python"),
    ("web/**.py", "python"),
    ("participation/**.py", "python"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}


def used_messages() -> set[str | tuple[str, str]]:
    """Every msgid the pages use: singular texts, and (singular, plural) pairs."""
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        NODE_DIR, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(tuple(message) if isinstance(message, tuple | list) else message)
    return found


def catalogue(language: str) -> dict[object, object]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        read = read_po(po, locale=language)
    return {m.id if isinstance(m.id, str) else tuple(m.id): m.string for m in read if m.id}


def test_the_extractor_finds_the_pages_texts() -> None:
    used = used_messages()
    assert "Skip to content" in used  # a template
    assert "This post does not exist on this node." in used  # a refusal reason in code
    assert ("%(num)d follower", "%(num)d followers") in used  # a plural


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_the_pages_use_has_a_translation(language: str) -> None:
    texts = catalogue(language)
    missing = [m for m in used_messages() if m not in texts or not all(_filled(texts[m]))]
    assert missing == []


def _filled(translation: object) -> list[bool]:
    return [bool(t) for t in translation] if isinstance(translation, tuple) else [bool(translation)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_keeps_texts_nobody_uses(language: str) -> None:
    assert sorted(set(catalogue(language)) - used_messages(), key=str) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_holds_a_text_twice(language: str) -> None:
    # The catalogues merge as a union of both branches' lines (.gitattributes): a text
    # two branches both added would be kept twice, and Babel would read only one of them.
    po = (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    ids: list[str] = []
    reading = False
    for line in po.splitlines():
        if line.startswith("msgid "):
            ids.append(line[6:])
            reading = True
        elif reading and line.startswith('"'):
            ids[-1] += line
        else:
            reading = False
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


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
    assert translator("en")("%(count)s of %(threshold)s", count=3, threshold=5) == "3 of 5"
    assert translator("nl")("%(count)s of %(threshold)s", count=3, threshold=5) == "3 van 5"


def test_templates_say_one_and_many_differently() -> None:
    import jinja2

    environment = jinja2.Environment(autoescape=True)
    install_gettext(environment)
    template = environment.from_string(
        '{{ ngettext("%(num)d follower", "%(num)d followers", n) }}'
        "{% trans %} · {{ name }}{% endtrans %}"
    )
    assert template.render(lang="nl", n=1, name="<b>") == "1 volger · &lt;b&gt;"
    assert template.render(lang="nl", n=2, name="Bram") == "2 volgers · Bram"
    assert template.render(lang="en", n=1, name="Bram") == "1 follower · Bram"


def test_times_are_shown_on_the_dutch_clock_in_words() -> None:
    assert readable_moment("2026-11-26T08:30:00Z", "nl") == "26 november 2026, 09:30"
    assert readable_moment("2027-01-14T23:00:00Z", "en") == "15 January 2027, 00:00"
    assert readable_moment("2026-07-01T08:30:00Z", "en", with_time=False) == "1 July 2026"


def test_amounts_are_written_as_the_visitor_writes_them() -> None:
    assert readable_amount(50000, "EUR", "nl") == "€\u00a050.000"
    assert readable_amount(50000, "EUR", "en") == "€50,000"
    assert readable_amount(12.5, "EUR", "nl") == "€\u00a012,50"
