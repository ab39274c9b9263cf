"""Texts in a person's language, for everything the node writes: gettext catalogues and
Babel's formats.

Every text a person reads (never what residents wrote) is a msgid in English in the
catalogues under ``node/locale/<language>/LC_MESSAGES/messages.po``. Pages translate
into their visitor's language (``node/web/i18n.py`` chooses it); what the node posts
(a vote's post, a status paragraph, an official response's heading) is written in the
node's own language (``[node] language``). The ``.po`` files are compiled in memory
when first needed, so there is no build step; adding a language is adding a directory
with a ``.po`` file. Dates, times (on the Dutch clock) and amounts are formatted by
Babel for the language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

Translate = Callable[..., str]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Dutch first: the language of last resort, as every node serves a Dutch neighbourhood.
LANGUAGES = tuple(
    sorted(
        (p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")),
        key=lambda code: (code != "nl", code),
    )
)

# The regional conventions for dates and amounts: English as written in Europe
# ("1 July 2026", not "July 1, 2026").
FORMAT_LOCALES: Mapping[str, str] = MappingProxyType({"nl": "nl_NL", "en": "en_GB"})

# Residents read times on their own clock; every Samenspraak node serves a Dutch
# neighbourhood or municipality.
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")


def N_(message: str) -> str:
    """Mark a text for the catalogues where it is defined; it is translated where it is shown."""
    return message


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
        "merged": N_("merged with another proposal"),
    }
)


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


def readable_number(value: float, language: str) -> str:
    """A number with one decimal as the visitor writes it: 1,2 in Dutch, 1.2 in English."""
    return format_decimal(value, "#,##0.0", locale=_format_locale(language))


def readable_amount(amount: float, currency: str, language: str) -> str:
    """An amount as the visitor writes it: € 50.000 in Dutch, €50,000 in English; cents
    only where there are any."""
    locale = Locale.parse(_format_locale(language))
    pattern = locale.currency_formats["standard"].pattern
    if round(amount * 100) % 100 == 0:
        pattern = pattern.replace(".00", "")
    return format_currency(amount, currency, pattern, locale=locale, currency_digits=False)
