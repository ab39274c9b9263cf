"""Which redirect URIs an OAuth app may register: the ones Mastodon accepts, nothing that
runs script, leaks credentials or lands somewhere other than the app.

Mastodon checks redirect URIs with Doorkeeper's ``RedirectUriValidator`` and forbids the
``javascript``, ``data`` and ``vbscript`` schemes (``config/initializers/doorkeeper.rb``);
this follows the same rules: the out-of-band URI, or an absolute URI with a scheme whose
rest starts with ``/`` (``https://…``, ``http://…``, a native app's ``com.example.app:/cb``
or ``mastodon-app://``), no fragment, a host for http(s), only characters RFC 3986 allows.
Beyond Mastodon it refuses credentials in the URI and the browser-internal schemes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from federation.errors import Invalid

OOB = "urn:ietf:wg:oauth:2.0:oob"

# Schemes that run script or read the browser's own data instead of reaching an app.
FORBIDDEN_SCHEMES = frozenset(
    {"javascript", "data", "vbscript", "file", "blob", "filesystem", "about"}
)
# RFC 3986 characters only: no spaces, quotes, angle brackets or backslashes, which
# browsers repair in ways that move a URI to another host.
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a redirect URI (Doorkeeper's words), or None when it can."""
    if uri == OOB:
        return None
    if not _URI_CHARACTERS.fullmatch(uri):
        return "must be a valid URI."
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - reading it checks the port is a number
    except ValueError:
        return "must be a valid URI."
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME.fullmatch(parts.scheme):
        return "must be an absolute URI."
    if scheme in FORBIDDEN_SCHEMES:
        return "is forbidden by the server."
    if "#" in uri:
        return "cannot contain a fragment."
    # ``mailto:x`` or ``localhost:3000/cb``: no hierarchy, so no app can be meant.
    if not uri[len(scheme) + 1 :].startswith("/") or scheme == "localhost":
        return "must specify a scheme."
    if "@" in parts.netloc:
        return "cannot contain credentials."
    if scheme in ("http", "https") and not parts.hostname:
        return "must be a valid URI."
    return None


def checked_redirect_uris(values: Iterable[str]) -> list[str]:
    """The redirect URIs in the given fields, split at whitespace as Mastodon splits them;
    ``Invalid`` naming the first that may not be registered, or when none is given."""
    uris = [uri for value in values for uri in value.split()]
    if not uris:
        raise Invalid("Validation failed: Redirect URI can't be blank")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem is not None:
            raise Invalid(f"Validation failed: Redirect URI {problem}", detail=uri)
    return uris
