"""Bearer tokens: who is calling, and whether their token's scopes allow the call."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from federation.errors import NotAllowed, NotAuthenticated
from node.mastodon_api.state import CLIENT_API
from node.participation.signup import HOLD_REFUSALS, login_hold
from node.storage.actors import LocalActor
from node.storage.oauth import AccessToken
from node.web.app import NODE

TOP_SCOPES = ("read", "write", "follow", "push", "profile")
# The legacy "follow" scope covers what Mastodon later split into these.
FOLLOW_SCOPES = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                           "read:mutes", "write:mutes"})  # fmt: skip


@dataclass(frozen=True)
class Caller:
    """A resident calling through an app."""

    actor: LocalActor
    token: AccessToken


def is_known_scope(scope: str) -> bool:
    """Whether a requested scope is one this node grants."""
    top, _, detail = scope.partition(":")
    if not detail:
        return top in TOP_SCOPES
    return top in ("read", "write") and detail.isidentifier()


def grants(scopes: tuple[str, ...], needed: str) -> bool:
    """Whether ``scopes`` include ``needed`` (``read:statuses`` is in ``read``)."""
    top = needed.split(":", 1)[0]
    return needed in scopes or top in scopes or ("follow" in scopes and needed in FOLLOW_SCOPES)


def bearer_token(request: web.Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header (or ``access_token`` query)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("access_token") or None


async def token_of(request: web.Request) -> AccessToken | None:
    """The live token the request carries; 401 for a token that is not (or no longer) valid."""
    token = bearer_token(request)
    if token is None:
        return None
    record = await request.app[CLIENT_API].oauth.token(token)
    if record is None:
        raise NotAuthenticated("The access token is invalid")
    return record


async def optional_caller(request: web.Request, scope: str = "read") -> Caller | None:
    """The resident calling, or None for an anonymous request."""
    record = await token_of(request)
    if record is None or record.actor_id is None:
        return None
    return await _caller(request, record, scope)


async def require_caller(request: web.Request, scope: str) -> Caller:
    """The resident calling; 401 without a user token, 403 without the scope."""
    record = await token_of(request)
    if record is None or record.actor_id is None:
        raise NotAuthenticated("This method requires an authenticated user")
    return await _caller(request, record, scope)


async def _caller(request: web.Request, record: AccessToken, scope: str) -> Caller:
    if not grants(record.scopes, scope):
        raise NotAllowed(f"This action is outside the authorized scopes ({scope} is needed)")
    node = request.app[NODE]
    actor = await node.actors.by_row_id(record.actor_id)
    if actor is None:
        raise NotAuthenticated("The access token belongs to an account that is gone")
    hold = await login_hold(node.participation_services, actor.id)
    if hold is not None:
        raise NotAllowed(HOLD_REFUSALS[hold])
    return Caller(actor, record)
