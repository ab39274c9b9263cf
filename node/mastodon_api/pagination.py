"""Mastodon paging: ``max_id``/``since_id``/``min_id`` in, a ``Link`` header out."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from aiohttp import web

from node.mastodon_api.params import Params
from node.storage.paging import PageRequest
from node.web.app import NODE

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
_BOUNDS = ("max_id", "min_id", "since_id")


def page_request(
    params: Params, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT
) -> PageRequest:
    """The page a request asks for; the limit is kept between 1 and ``maximum``."""
    limit = params.integer("limit", default) or default
    return PageRequest(
        max_id=_id(params, "max_id"),
        min_id=_id(params, "min_id"),
        since_id=_id(params, "since_id"),
        limit=max(1, min(limit, maximum)),
    )


def _id(params: Params, name: str) -> int | None:
    value = params.text(name)
    # Ids are numeric here; a foreign id (from another server's snowflakes) matches nothing.
    return int(value) if value and value.isdigit() else None


def with_link_header(
    request: web.Request, response: web.Response, ids: Sequence[int]
) -> web.Response:
    """Add ``Link`` with the next (older) and previous (newer) pages of a newest-first list."""
    if not ids:
        return response
    base = request.app[NODE].urls.base + request.path
    kept = [(k, v) for k, v in request.query.items() if k not in _BOUNDS]
    next_url = f"{base}?{urlencode([*kept, ('max_id', str(min(ids)))])}"
    prev_url = f"{base}?{urlencode([*kept, ('min_id', str(max(ids)))])}"
    response.headers["Link"] = f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
    return response
