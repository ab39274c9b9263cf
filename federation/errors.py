"""Refusals that travel back to the sender as an HTTP status and a short message."""

from __future__ import annotations


class FederationError(Exception):
    """A refusal of a request from another server; ``message`` is fit for the caller."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(FederationError):
    """Malformed JSON or a document that is not readable as ActivityStreams."""

    status = 400


class NotAuthenticated(FederationError):
    """Missing, malformed or failing HTTP signature: 401, so peers may retry another scheme."""

    status = 401


class Forbidden(FederationError):
    """An origin violation or a refused peer."""

    status = 403


class NotFound(FederationError):
    """The addressed actor or object does not exist here."""

    status = 404


class PayloadTooLarge(FederationError):
    """A body over the inbox limit."""

    status = 413


class Unprocessable(FederationError):
    """Well-formed but invalid for its schema or for the rules of its process."""

    status = 422


class InvalidDocument(Unprocessable):
    """A document that fails its schema; ``problems`` name each failing place and rule."""

    def __init__(self, message: str, problems: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class TooManyRequests(FederationError):
    """A rate limit hit; ``retry_after`` seconds until the next request is allowed."""

    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FetchError(Exception):
    """A remote fetch that failed: unreachable, refused address, bad status or bad document."""
