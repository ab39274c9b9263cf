"""The security headers every answer of the node carries, listed in one place.

Pages hold no script and no inline style (the style sheet is ``node/static/``), so the
Content-Security-Policy allows this node's own files and nothing else, forbids framing
and lets forms post only here. The same headers go on API and ActivityPub answers too,
where ``nosniff`` is the one that matters: a peer's JSON is never run as a page.

They are added as a response is prepared (``on_response_prepare``), not in a middleware:
that also reaches the answers no handler returned, such as aiohttp's own 404 and 405
and the 500 of an unexpected error.

The one exception to ``form-action 'self'`` is the OAuth login form: Chromium applies
``form-action`` to the redirect after a form's POST too, so that page also allows the
origin (or the custom scheme) of the app's registered redirect URI it sends the code to
(``allow_form_redirect``, called from ``node/mastodon_api/oauth.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import urlsplit

from aiohttp import web

CONTENT_SECURITY_POLICY: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "default-src": ("'self'",),
        "object-src": ("'none'",),
        "base-uri": ("'none'",),
        "frame-ancestors": ("'none'",),
        "form-action": ("'self'",),
    }
)

# Powerful features no page of the node uses, switched off for the page and its frames.
DISABLED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture",
    "encrypted-media", "geolocation", "gyroscope", "hid", "idle-detection",
    "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
    "xr-spatial-tracking",
)  # fmt: skip

SECURITY_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "X-Frame-Options": "DENY",
        # Other nodes do not learn which page a resident came from.
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": ", ".join(f"{feature}=()" for feature in DISABLED_FEATURES),
    }
)

# Extra sources a page's forms may be redirected to, set by the handler of that page.
FORM_REDIRECTS = web.ResponseKey("form_redirects", tuple)
# Other servers a page shows images from (the tile server of a map), set likewise.
IMAGE_SOURCES = web.ResponseKey("image_sources", tuple)
# A host a CSP source may name as it is: letters, digits, dots, hyphens, or an IPv6 literal.
_PLAIN_HOST = re.compile(r"[a-z0-9.\-]+|[0-9a-f:.]+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")


def content_security_policy(
    form_redirects: tuple[str, ...] = (), image_sources: tuple[str, ...] = ()
) -> str:
    """The Content-Security-Policy header, with extra ``form-action`` and ``img-src``
    sources if given."""
    directives = dict(CONTENT_SECURITY_POLICY)
    directives["form-action"] = (*directives["form-action"], *form_redirects)
    if image_sources:
        directives["img-src"] = ("'self'", *image_sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def csp_source(uri: str) -> str | None:
    """The CSP source that allows a redirect to ``uri``: its origin for http(s), its scheme
    for an app's custom scheme; None when it cannot be named safely (or is not a URL)."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return f"{scheme}:" if _SCHEME.fullmatch(scheme) else None
    host = parts.hostname or ""
    if not _PLAIN_HOST.fullmatch(host):
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def allow_images_from(response: web.StreamResponse, uri: str) -> None:
    """Let the page in ``response`` show images from the http(s) origin of ``uri``."""
    source = csp_source(uri)
    if source is not None and source.startswith(("https://", "http://")):
        response[IMAGE_SOURCES] = (*response.get(IMAGE_SOURCES, ()), source)


def allow_form_redirect(response: web.StreamResponse, uri: str) -> None:
    """Let the forms of the page in ``response`` be redirected to ``uri`` after their POST."""
    source = csp_source(uri)
    if source is not None:
        response[FORM_REDIRECTS] = (*response.get(FORM_REDIRECTS, ()), source)


async def add_security_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """Put the security headers on ``response`` (an ``on_response_prepare`` signal)."""
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = content_security_policy(
        response.get(FORM_REDIRECTS, ()), response.get(IMAGE_SOURCES, ())
    )
