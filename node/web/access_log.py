"""The access log, with secrets in URLs blanked out.

Apps put bearer tokens in the query string (``?access_token=`` on Mastodon's
streaming and some clients), OAuth puts the code in the redirect a Referer may
repeat; an access log kept for weeks must not hold them. Every logged value that
is text (the request line, headers such as Referer) has such parameters' values
replaced, whatever format the log uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

from aiohttp.abc import BaseRequest, StreamResponse
from aiohttp.web_log import AccessLogger

REDACTED = "[redacted]"
# Parameters whose values are credentials, compared after percent-decoding and in
# lower case; any name that mentions a token, password or secret counts too.
SECRET_PARAMETERS = frozenset({"code", "code_verifier", "password", "token"})
SECRET_WORDS = ("token", "password", "secret")
_PARAMETER = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#\s\"]+)=(?P<value>[^&;#\s\"]*)")


def _is_secret(name: str) -> bool:
    plain = unquote_plus(name).lower()
    return plain in SECRET_PARAMETERS or any(word in plain for word in SECRET_WORDS)


def redact_secrets(text: str) -> str:
    """``text`` with the values of credential parameters in any URL in it replaced."""

    def blank(found: re.Match[str]) -> str:
        if not found["value"] or not _is_secret(found["name"]):
            return found[0]
        return f"{found['lead']}{found['name']}={REDACTED}"

    return _PARAMETER.sub(blank, text)


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access logger, with ``redact_secrets`` applied to every logged text."""

    def _format_line(
        self, request: BaseRequest, response: StreamResponse, time: float
    ) -> Iterable[tuple[str | tuple[str, str], str]]:
        return [
            (key, redact_secrets(value) if isinstance(value, str) else value)
            for key, value in super()._format_line(request, response, time)
        ]
