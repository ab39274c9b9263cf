"""The pages' texts in the visitor's language: gettext catalogues and Babel's formats.

Every text a person reads on a page (never what residents wrote) is a msgid in English
in the catalogues under ``node/locale/<language>/LC_MESSAGES/messages.po``; templates
use Jinja's i18n extension (``_()``, ``ngettext``, ``{% trans %}``), code uses
``translator``. The ``.po`` files are compiled in memory when first needed, so there
is no build step; adding a language is adding a directory with a ``.po`` file.

The language is chosen by ``?lang=`` (remembered in a cookie), else by the browser's
Accept-Language, else by the node's configured language. Dates, times (on the Dutch
clock) and amounts are formatted by Babel for that language.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import Translations

from node.participation.proposals import SUBMITTED_REASON

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# Dutch first: the language of last resort, as every node serves a Dutch neighbourhood.
LANGUAGES = tuple(
    sorted(
        (p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")),
        key=lambda code: (code != "nl", code),
    )
)
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType(
    {code: Locale.parse(code).get_display_name(code) or code for code in LANGUAGES}
)
# The regional conventions for dates and amounts: English as written in Europe
# ("1 July 2026", not "July 1, 2026").
FORMAT_LOCALES: Mapping[str, str] = MappingProxyType({"nl": "nl_NL", "en": "en_GB"})

# Residents read times on their own clock; every Samenspraak node serves a Dutch
# neighbourhood or municipality.
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Translate = Callable[..., str]


def N_(message: str) -> str:
    """Mark a text for the catalogues where it is defined; it is translated where it is shown."""
    return message


# The texts of tables keyed by the domain's codes: msgids, translated by ``labels``.
PHASE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "proposing": N_("making proposals"),
        "supporting": N_("gathering support"),
        "voting": N_("voting"),
        "closed": N_("closed"),
    }
)
STANCE_LABELS: Mapping[str, str] = MappingProxyType(
    {"for": N_("for"), "against": N_("against"), "neutral": N_("neutral")}
)
STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "submitted": N_("submitted"),
        "threshold_reached": N_("enough support"),
        "on_agenda": N_("on the agenda"),
        "under_review": N_("under review"),
        "accepted": N_("accepted"),
        "rejected": N_("rejected"),
        "in_progress": N_("in progress"),
        "done": N_("done"),
        "withdrawn": N_("withdrawn"),
    }
)
# The default options of a vote are Dutch words on the wire (models.DEFAULT_VOTING_OPTIONS).
VOTE_OPTION_LABELS: Mapping[str, str] = MappingProxyType(
    {"voor": N_("for"), "tegen": N_("against"), "onthouding": N_("abstention")}
)
ARCHETYPE_EXPLAINED: Mapping[str, str] = MappingProxyType(
    {
        "advise": N_(
            "Residents give advice; the municipality decides and gives an official"
            " response to every proposal with enough support."
        ),
        "initiate": N_(
            "Residents put subjects on the agenda: a proposal with enough support"
            " goes on the agenda and you can follow what happens to it."
        ),
        "decide": N_(
            "The neighbourhood decides itself: residents vote on proposals or share"
            " out the budget, and the outcome is binding."
        ),
    }
)


def _accepted(header: str) -> list[str]:
    """Primary language tags of an Accept-Language header, most preferred first."""
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def language_of(request: web.Request, default: str) -> str:
    """The language to show this request's page in."""
    chosen = request.query.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for tag in _accepted(request.headers.get("Accept-Language", "")):
        if tag in LANGUAGES:
            return tag
    return default if default in LANGUAGES else LANGUAGES[0]


# The reasons the process gives itself when it moves a proposal on are stored and
# federated in Dutch (supports.py, proposals.py); pages show them in the visitor's
# language. Reasons people typed are shown as they wrote them.
THRESHOLD_REASON = re.compile(r"(\d+) keer gesteund: de drempel van (\d+) is bereikt\.")


def trail_reason(reason: str, language: str) -> str:
    """The reason of a status change as the visitor reads it."""
    texts = translations(language)
    if reason == SUBMITTED_REASON:
        return texts.gettext(N_("Submitted by its author."))
    reached = THRESHOLD_REASON.fullmatch(reason)
    if reached:
        count, threshold = int(reached[1]), int(reached[2])
        return texts.ngettext(
            "Supported %(num)d time: the threshold of %(threshold)d is reached.",
            "Supported %(num)d times: the threshold of %(threshold)d is reached.",
            count,
        ) % {"num": count, "threshold": threshold}
    return reason


@cache
def translations(language: str) -> Translations:
    """The catalogue of ``language``, compiled from its ``.po`` file on first use."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def translator(language: str) -> Translate:
    """``t(msgid, **values)`` for code: the catalogue's text in ``language``, filled in."""

    def translate(message: str, **values: object) -> str:
        return translations(language).gettext(message) % values

    return translate


def labels(msgids: Mapping[str, str], language: str) -> dict[str, str]:
    """A table of code -> msgid (such as ``STATUS_LABELS``) in ``language``."""
    gettext = translations(language).gettext
    return {code: gettext(message) for code, message in msgids.items()}


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return translations(context["lang"]).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int) -> str:
    return translations(context["lang"]).ngettext(singular, plural, count)


def install_gettext(environment: jinja2.Environment) -> None:
    """Let the templates translate into the page's language (the ``lang`` they are given)."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )


def _format_locale(language: str) -> str:
    return FORMAT_LOCALES.get(language, language)


def readable_moment(timestamp: str, language: str, *, with_time: bool = True) -> str:
    """An ActivityStreams timestamp as a resident reads it: 26 november 2026, 09:30."""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TIME)
    locale = _format_locale(language)
    day = format_date(moment, "long", locale=locale)
    return f"{day}, {format_time(moment, 'HH:mm', locale=locale)}" if with_time else day


def readable_amount(amount: float, currency: str, language: str) -> str:
    """An amount as the visitor writes it: € 50.000 in Dutch, €50,000 in English; cents
    only where there are any."""
    locale = Locale.parse(_format_locale(language))
    pattern = locale.currency_formats["standard"].pattern
    if round(amount * 100) % 100 == 0:
        pattern = pattern.replace(".00", "")
    return format_currency(amount, currency, pattern, locale=locale, currency_digits=False)


@web.middleware
async def remember_language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Keep a language chosen with ``?lang=`` for the next pages."""
    response = await handler(request)
    chosen = request.query.get("lang")
    if chosen in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_AGE, path="/", samesite="Lax"
        )
    return response
