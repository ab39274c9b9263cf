"""Refusals: what this node will not or cannot do, said for people, without an HTTP status.

Every layer raises these: the participation domain in ``node/``, ``moderation/``,
the web pages, the client API and the CLI raise the domain refusals
(``NotFound``, ``Refused``, ``Conflict``, ``NotAllowed``, ``Invalid``,
``RateLimited``, ``NotAuthenticated``); the inbox and the rest of the
``federation/`` protocol code raise the protocol refusals (``SignatureRefused``,
``BodyTooLarge``, ``MalformedDocument``). None of them knows about HTTP. Each
surface maps them once:

- the inbox and the ActivityPub routes: a status and short JSON
  (``node/web/refusals.py``);
- the client API: Mastodon's ``{"error": ...}`` with Mastodon's statuses
  (``node/mastodon_api/errors.py``);
- the web pages: an HTML page in the visitor's language (``node/web/refusals.py``);
- the CLI: one line on stderr and exit status 2 (``node/cli.py``).

A refusal's ``reason`` is plain language fit to show a person; machine detail
(URLs, parser messages, schema paths) goes in ``detail``. ``code`` names the
reason in the pages' catalogue (``PAGE_REASON`` in ``node/web/refusals.py``, filled
with ``values``) so a page can say it in the visitor's language. A check that
answers with a reason string returns a ``Reason``: it reads as its English text
everywhere, and ``coded`` hands its code and values on to the refusal made from it.

``FetchError`` is not a refusal: it is a failed fetch of a remote document,
which callers handle where they fetch.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")


class Reason(str):
    """A reason for people as English text that also names its catalogue code."""

    code: str
    values: Mapping[str, object]

    def __new__(cls, text: str, code: str, **values: object) -> Reason:
        reason = super().__new__(cls, text)
        reason.code = code
        reason.values = MappingProxyType(values)
        return reason


def coded(reason: str) -> dict[str, Any]:
    """The ``code`` and ``values`` of a refusal made from ``reason``, where it has them."""
    if isinstance(reason, Reason):
        return {"code": reason.code, "values": reason.values}
    return {}


class Refusal(Exception):
    """Something this node will not or cannot do; ``reason`` is written for people."""

    def __init__(
        self,
        reason: str,
        *,
        detail: str = "",
        code: str = "",
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.code = code
        self.values: Mapping[str, object] = MappingProxyType(dict(values or {}))

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


class NotFound(Refusal):
    """The thing asked for does not exist here (or the asker may not know it does)."""


class Refused(Refusal):
    """A well-formed request that the rules (of a process, a phase, a policy) do not allow."""


class Conflict(Refusal):
    """A request that clashes with the state things are in now (already done, moved on)."""


class NotAllowed(Refusal):
    """The asker has no right to do this: a missing role, a block, a refused peer."""


class NotAuthenticated(Refusal):
    """Who is asking could not be established: no or a bad login, token or signature."""


class Invalid(Refusal):
    """Input that fails its form or schema; ``problems`` name each failing place and rule."""

    def __init__(
        self,
        reason: str,
        problems: list[dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(reason, **kwargs)
        self.problems = list(problems or [])


class RateLimited(Refusal):
    """Too many requests; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, reason: str, retry_after: float, **kwargs: Any) -> None:
        super().__init__(reason, **kwargs)
        self.retry_after = retry_after

    @property
    def whole_seconds(self) -> int:
        """``retry_after`` as the whole seconds a ``Retry-After`` header carries, at least 1."""
        return max(1, round(self.retry_after))


class Unavailable(RateLimited):
    """The node cannot do this right now (its database is locked or full); nothing was
    done, and the same request may be sent again after ``retry_after`` seconds."""


class SignatureRefused(NotAuthenticated):
    """An inbox POST or signed fetch without a valid HTTP signature; ``verdict`` says why."""

    def __init__(self, reason: str, verdict: str, **kwargs: Any) -> None:
        super().__init__(reason, **kwargs)
        self.verdict = verdict


class BodyTooLarge(Refusal):
    """A request body over the inbox limit."""


class MalformedDocument(Refusal):
    """A body that is not JSON, not a JSON object, or not readable as ActivityStreams."""


def mapped(table: Mapping[type[Refusal], T], refusal: Refusal, default: T) -> T:
    """A surface's entry for ``refusal``: its nearest class in ``table``, so subclasses map
    as their base unless the table names them."""
    for kind in type(refusal).__mro__:
        if kind in table:
            return table[kind]
    return default


class FetchError(Exception):
    """A remote fetch that failed: unreachable, refused address, bad status or bad document.

    ``refusal`` is the reason a server that refused the fetch gave (its ``{"error": ...}``),
    for people; empty when it gave none.
    """

    def __init__(self, message: str, refusal: str = "") -> None:
        super().__init__(message)
        self.refusal = refusal
