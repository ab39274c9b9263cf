"""OAuth 2 as Mastodon apps use it: app registration, the browser login, tokens.

Only the authorization-code grant (with PKCE S256 for public clients) logs a
resident in; the password grant is gone, as in Mastodon 4.4. Codes that apps
cannot receive by redirect (``urn:ietf:wg:oauth:2.0:oob``) are shown on a page
for the resident to paste.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

from federation.errors import Invalid, NotAuthenticated
from node.clock import epoch_now
from node.mastodon_api.auth import TOP_SCOPES, bearer_token, grants, is_known_scope, token_of
from node.mastodon_api.params import Params
from node.mastodon_api.redirect_uris import OOB, checked_redirect_uris, redirect_uri_problem
from node.mastodon_api.state import CLIENT_API
from node.participation.signup import HOLD_REFUSALS, login_hold
from node.passwords import check_password, constant_time_equal
from node.storage.oauth import OAuthApp
from node.web.app import NODE
from node.web.client_address import client_address
from node.web.pages import render
from node.web.security_headers import allow_form_redirect

GRANT_TYPES = ("authorization_code", "client_credentials")


def oauth_error(code: str, description: str, status: int = 400) -> web.Response:
    """An RFC 6749 error answer; Mastodon sends these from its OAuth endpoints."""
    return web.json_response({"error": code, "error_description": description}, status=status)


def app_entity(app: OAuthApp, *, with_secret: bool) -> dict[str, object]:
    """The Application (or CredentialApplication) entity."""
    entity: dict[str, object] = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": list(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
        "vapid_key": "",
    }
    if with_secret:
        entity |= {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "client_secret_expires_at": 0,
        }
    return entity


def _scopes(text: str | None, default: str = "read") -> list[str]:
    return list(dict.fromkeys((text or default).replace("+", " ").split()))


async def create_app(request: web.Request) -> web.Response:
    """``POST /api/v1/apps``: register a client application."""
    params = await Params.of(request)
    name = (params.text("client_name") or "").strip()
    if not name:
        raise Invalid("Validation failed: Application name can't be blank")
    redirect_uris = checked_redirect_uris(params.texts("redirect_uris"))
    scopes = _scopes(" ".join(params.texts("scopes")))
    unknown = [s for s in scopes if not is_known_scope(s)]
    if unknown:
        raise Invalid(f"Validation failed: unknown scopes {' '.join(unknown)}")
    app = await request.app[CLIENT_API].oauth.create_app(
        name, params.text("website"), redirect_uris, scopes
    )
    return web.json_response(app_entity(app, with_secret=True))


async def verify_app(request: web.Request) -> web.Response:
    """``GET /api/v1/apps/verify_credentials``: the app behind a token."""
    record = await token_of(request)
    if record is None:
        raise NotAuthenticated("The access token is invalid")
    return web.json_response(app_entity(record.app, with_secret=False))


def _form_values(params: Params) -> dict[str, str]:
    """The authorization request, carried through the login form."""
    names = ("client_id", "redirect_uri", "scope", "state", "code_challenge",
             "code_challenge_method", "response_type")  # fmt: skip
    return {name: params.text(name) or "" for name in names}


async def _check_request(
    request: web.Request, values: dict[str, str]
) -> tuple[OAuthApp | None, str | None]:
    """The app of an authorization request, and why it cannot be authorized (None if it can)."""
    app = await request.app[CLIENT_API].oauth.app_by_client_id(values["client_id"])
    if app is None:
        return None, "This app is not registered on this node."
    # Exactly a registered URI, and one that is still safe: apps registered before the
    # check (issue 15) may hold a URI that would run script with the code.
    uri = values["redirect_uri"]
    if uri not in app.redirect_uris or redirect_uri_problem(uri) is not None:
        return app, "The redirect URI does not match one registered by the app."
    if values["response_type"] != "code":
        return app, "Only response_type=code is supported."
    if values["code_challenge"] and values["code_challenge_method"] != "S256":
        return app, "PKCE needs code_challenge_method=S256."
    for scope in _scopes(values["scope"]):
        if not is_known_scope(scope) or not grants(app.scopes, scope):
            return app, f"The app did not register the scope {scope!r}."
    return app, None


def _login_page(
    request: web.Request,
    app: OAuthApp | None,
    values: dict[str, str],
    error: str | None,
    status: int,
    username: str = "",
) -> web.Response:
    # A wrong password shows the form again; a malformed request cannot go on.
    show_form = app is not None and (error is None or status == 401)
    page = render(
        request,
        "oauth_authorize.html",
        status=status,
        app=app,
        values=values,
        scopes=_scopes(values["scope"]),
        error=error,
        username=username,
        show_form=show_form,
    )
    if show_form and values["redirect_uri"] != OOB:
        # The form's POST is answered with a redirect to the app, which form-action governs.
        allow_form_redirect(page, values["redirect_uri"])
    return page


async def authorize_form(request: web.Request) -> web.Response:
    """``GET /oauth/authorize``: the login and consent page."""
    values = _form_values(await Params.of(request))
    app, problem = await _check_request(request, values)
    return _login_page(request, app, values, problem, 400 if problem else 200)


async def authorize(request: web.Request) -> web.Response:
    """``POST /oauth/authorize``: check the password, then hand the app a code."""
    node = request.app[NODE]
    api = request.app[CLIENT_API]
    params = await Params.of(request)
    values = _form_values(params)
    app, problem = await _check_request(request, values)
    if app is None or problem is not None:
        return _login_page(request, app, values, problem, 400)
    username = (params.text("username") or "").strip().lstrip("@").split("@")[0]
    # One allowance with the login page: two surfaces must not double the guesses.
    await node.limits.hit_login(client_address(request), username)
    account = await node.accounts.by_username(username) if username else None
    password = params.text("password") or ""
    valid = account is not None and await asyncio.to_thread(
        check_password, password, account.password_hash
    )
    if account is None or not valid:
        return _login_page(request, app, values, "Wrong user name or password.", 401, username)
    hold = await login_hold(node.participation_services, account.actor_id)
    if hold is not None:
        return _login_page(request, app, values, HOLD_REFUSALS[hold], 403, username)
    code = await api.oauth.issue_code(
        app,
        account.actor_id,
        values["redirect_uri"],
        _scopes(values["scope"]),
        values["code_challenge"] or None,
    )
    if values["redirect_uri"] == OOB:
        return render(request, "oauth_code.html", app=app, code=code)
    target = urlsplit(values["redirect_uri"])
    answer = [("code", code)] + ([("state", values["state"])] if values["state"] else [])
    query = "&".join(q for q in (target.query, urlencode(answer)) if q)
    # Set the header as built: HTTPFound would normalise "app://callback" to "app://callback/".
    location = urlunsplit(target._replace(query=query))
    return web.Response(status=302, headers={"Location": location})


def _client_credentials(request: web.Request, params: Params) -> tuple[str, str | None]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except ValueError:
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return params.text("client_id") or "", params.text("client_secret")


def pkce_matches(verifier: str, challenge: str) -> bool:
    """Whether a PKCE verifier hashes (S256) to the challenge given at authorization."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return constant_time_equal(expected, challenge)


async def token(request: web.Request) -> web.Response:
    """``POST /oauth/token``: a code (or the app's own credentials) for a bearer token."""
    api = request.app[CLIENT_API]
    params = await Params.of(request)
    grant_type = params.text("grant_type") or ""
    if grant_type not in GRANT_TYPES:
        return oauth_error("unsupported_grant_type", f"grant_type must be one of {GRANT_TYPES}")
    client_id, secret = _client_credentials(request, params)
    app = await api.oauth.app_by_client_id(client_id)
    if app is None or (secret is not None and not constant_time_equal(secret, app.client_secret)):
        return oauth_error("invalid_client", "Client authentication failed", 401)
    if grant_type == "client_credentials":
        if secret is None:
            return oauth_error("invalid_client", "client_secret is required", 401)
        scopes = [s for s in _scopes(params.text("scope")) if grants(app.scopes, s)]
        issued, record = await api.oauth.issue_token(app, None, scopes)
        return token_response(issued, record.scopes)
    code = await api.oauth.redeem_code(app, params.text("code") or "")
    if code is None:
        return oauth_error("invalid_grant", "The authorization code is unknown, used or expired")
    if code.redirect_uri != (params.text("redirect_uri") or code.redirect_uri):
        return oauth_error("invalid_grant", "redirect_uri differs from the authorization request")
    if code.code_challenge is not None:
        if not pkce_matches(params.text("code_verifier") or "", code.code_challenge):
            return oauth_error("invalid_grant", "The PKCE code_verifier does not match")
    elif secret is None:
        return oauth_error("invalid_client", "client_secret or PKCE is required", 401)
    issued, record = await api.oauth.issue_token(app, code.actor_id, code.scopes)
    return token_response(issued, record.scopes)


def token_response(token_value: str, scopes: tuple[str, ...]) -> web.Response:
    return web.json_response(
        {
            "access_token": token_value,
            "token_type": "Bearer",
            "scope": " ".join(scopes),
            "created_at": int(epoch_now()),
        },
        headers={"Cache-Control": "no-store"},
    )


async def revoke(request: web.Request) -> web.Response:
    """``POST /oauth/revoke``: end a token; 200 with ``{}`` whether or not it was live."""
    api = request.app[CLIENT_API]
    params = await Params.of(request)
    client_id, secret = _client_credentials(request, params)
    app = await api.oauth.app_by_client_id(client_id)
    if app is None or (secret is not None and not constant_time_equal(secret, app.client_secret)):
        return oauth_error("invalid_client", "Client authentication failed", 401)
    value = params.text("token") or bearer_token(request) or ""
    await api.oauth.revoke(app, value)
    return web.json_response({})


async def server_metadata(request: web.Request) -> web.Response:
    """``/.well-known/oauth-authorization-server`` (RFC 8414), as Mastodon 4.3 serves it."""
    base = request.app[NODE].urls.base
    return web.json_response(
        {
            "issuer": f"{base}/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "scopes_supported": [
                *TOP_SCOPES,
                "read:accounts",
                "read:statuses",
                "read:notifications",
                "write:statuses",
                "write:favourites",
                "write:follows",
            ],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
        }
    )


def register(app: web.Application) -> None:
    """Add the OAuth routes."""
    app.router.add_post("/api/v1/apps", create_app)
    app.router.add_get("/api/v1/apps/verify_credentials", verify_app)
    for path in ("/oauth/authorize", "/oauth/authorize/"):
        app.router.add_get(path, authorize_form)
        app.router.add_post(path, authorize)
    app.router.add_post("/oauth/token", token)
    app.router.add_post("/oauth/revoke", revoke)
    app.router.add_get("/.well-known/oauth-authorization-server", server_metadata)
