"""How the client API answers a refusal: Mastodon's ``{"error": ...}`` and Mastodon's statuses.

Apps (Tusky, Elk, Ivory, Mastodon.py) show ``error`` to the person and act on
the status, so both follow what a Mastodon server sends: 404 with
``Record not found`` for anything unknown, 422 for a refused or invalid action
(Mastodon has no 409), 401 for a missing or bad token, 403 for a missing scope
or a block, 429 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aiohttp import web

from federation.errors import (
    BodyTooLarge,
    Conflict,
    Invalid,
    MalformedDocument,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    RateLimited,
    Refusal,
    Refused,
    Unavailable,
    mapped,
)

MASTODON_STATUS: Mapping[type[Refusal], int] = MappingProxyType(
    {
        MalformedDocument: 400,
        NotAuthenticated: 401,
        NotAllowed: 403,
        NotFound: 404,
        BodyTooLarge: 413,
        Refused: 422,
        Conflict: 422,
        Invalid: 422,
        RateLimited: 429,
        Unavailable: 503,
    }
)

# Mastodon says exactly this for every unknown record; some apps match on it.
RECORD_NOT_FOUND = "Record not found"


def mastodon_refusal(exc: Refusal) -> web.Response:
    """A refusal as a Mastodon server sends it."""
    message = RECORD_NOT_FOUND if isinstance(exc, NotFound) else exc.reason
    response = web.json_response({"error": message}, status=mapped(MASTODON_STATUS, exc, 400))
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.whole_seconds)
    return response
