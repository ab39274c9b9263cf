"""The pages' texts in the visitor's language, with the catalogues and formats of
``node/i18n.py`` (whose names are re-exported here for the pages).

Templates use Jinja's i18n extension (``_()``, ``ngettext``, ``{% trans %}``), code
uses ``translator``.

The language is chosen by ``?lang=`` (remembered in a cookie), else by the browser's
Accept-Language, else by the node's configured language. Dates, times (on the Dutch
clock) and amounts are formatted by Babel for that language.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Mapping
from types import MappingProxyType

import jinja2
from aiohttp import web
from babel import Locale

from node.i18n import LANGUAGES, N_, translations
from node.participation.proposals import SUBMITTED_REASON

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType(
    {code: Locale.parse(code).get_display_name(code) or code for code in LANGUAGES}
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
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


def language_of(request: web.Request, default: str, offered: Collection[str] = LANGUAGES) -> str:
    """The language to show this request's page in, of those the node ``offered``."""
    available = [code for code in LANGUAGES if code in offered] or list(LANGUAGES)
    chosen = request.query.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in available:
        return chosen
    for tag in _accepted(request.headers.get("Accept-Language", "")):
        if tag in available:
            return tag
    return default if default in available else available[0]


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
