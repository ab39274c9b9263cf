"""``POST /api/v1/accounts``: opening an account from a Mastodon app, as Mastodon takes
it: with the app's own token (client credentials), answered with a token for the new
account that works once its e-mail address is confirmed (and, where a moderator
approves new accounts, once approved)."""

from __future__ import annotations

from aiohttp import web

from federation.errors import NotAllowed, NotAuthenticated
from node.i18n import LANGUAGES, translator
from node.mastodon_api.auth import grants, token_of
from node.mastodon_api.oauth import token_response
from node.mastodon_api.params import Params
from node.mastodon_api.state import CLIENT_API
from node.participation.signup import SignupForm, open_account
from node.password_rules import FieldsRefused, Problem
from node.web.app import NODE
from node.web.client_address import client_address


def validation_failed(problems: list[Problem]) -> web.Response:
    """Mastodon's 422 for a refused sign-up: every problem in ``details`` per field, with
    its error code and description, and all of them in ``error``."""
    t = translator("en")
    details: dict[str, list[dict[str, str]]] = {}
    for problem in problems:
        description = t(problem.message, **problem.values)
        details.setdefault(problem.field, []).append(
            {"error": problem.code, "description": description}
        )
    summary = ", ".join(d["description"] for found in details.values() for d in found)
    return web.json_response(
        {"error": f"Validation failed: {summary}", "details": details}, status=422
    )


async def register_account(request: web.Request) -> web.Response:
    """``POST /api/v1/accounts``: username, email, password, agreement, locale, reason
    and, where registrations are closed, invite_code."""
    node = request.app[NODE]
    record = await token_of(request)
    if record is None:
        raise NotAuthenticated("This method requires an authenticated user")
    if not grants(record.scopes, "write:accounts"):
        raise NotAllowed("This action is outside the authorized scopes")
    params = await Params.of(request)
    # As on the sign-up page: counted with the login attempts from the same address.
    await node.limits.hit_login(client_address(request), params.text("username") or "")
    locale = (params.text("locale") or node.config.language).split("-")[0].lower()
    if locale not in LANGUAGES:
        problem = Problem("locale", "ERR_INCLUSION", "is not included in the list")
        return validation_failed([problem])
    username = params.text("username") or ""
    form = SignupForm(
        username=username,
        display_name=username,
        email=params.text("email") or "",
        password=params.text("password") or "",
        agreement=params.flag("agreement"),
        language=locale,
        reason=params.text("reason") or "",
        invitation=params.text("invite_code") or "",
    )
    try:
        actor = await open_account(node.participation_services, form)
    except FieldsRefused as exc:
        return validation_failed(exc.problems)
    issued, token = await request.app[CLIENT_API].oauth.issue_token(
        record.app, actor.id, record.app.scopes
    )
    return token_response(issued, token.scopes)


def register(app: web.Application) -> None:
    """Add the sign-up route."""
    app.router.add_post("/api/v1/accounts", register_account)
