"""Logging in on the node's web pages: a server-side session behind a cookie, a
per-session token every form must carry back (CSRF), and throttled login attempts.

Pages ask ``current_account(request)`` who is there, or ``require_account(request)``
to send a visitor to the login page first; form handlers read their fields with
``posted_form(request)``, which also checks the form's token.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import timedelta
from urllib.parse import quote, urlsplit

from aiohttp import web

from federation.errors import NotAllowed, RateLimited
from node.config import NodeConfig
from node.i18n import N_
from node.images import MAX_IMAGE_BYTES
from node.participation.signup import login_hold, send_link_again
from node.passwords import check_password
from node.storage.accounts import Account
from node.storage.signups import AWAITING_APPROVAL, UNCONFIRMED
from node.storage.web_sessions import WebSession, WebSessionRepository
from node.web.app import NODE, WEB_SESSION, FormData, read_form, read_multipart
from node.web.client_address import client_address
from node.web.i18n import language_of
from node.web.pages import page_translator, render
from node.web.refusals import refusal_page

# Two weeks: a resident who takes part now and then need not log in every visit,
# and a forgotten session on a library computer does not live for months.
SESSION_LIFETIME = timedelta(days=14)
CSRF_FIELD = "csrf"

WEB_SESSIONS = web.AppKey("web_sessions", WebSessionRepository)
ACCOUNT = web.RequestKey("web_account", Account)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def session_cookie(config: NodeConfig) -> str:
    """The session cookie's name. Browsers share cookies between the ports of one host,
    so development nodes on 127.0.0.1 each get their own; ``__Host-`` pins a real
    node's cookie to its own origin over HTTPS."""
    return f"samenspraak-{config.port}" if config.dev else "__Host-samenspraak"


def _login_cookie(config: NodeConfig) -> str:
    return session_cookie(config) + "-login"


@web.middleware
async def load_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the visitor's session, when the request carries a session cookie."""
    node = request.app[NODE]
    token = request.cookies.get(session_cookie(node.config))
    if token:
        session = await request.app[WEB_SESSIONS].find(token)
        if session is not None:
            request[WEB_SESSION] = session
    return await handler(request)


def session_of(request: web.Request) -> WebSession | None:
    """The visitor's session, or None when nobody is logged in."""
    return request.get(WEB_SESSION)


async def current_account(request: web.Request) -> Account | None:
    """The logged-in account, or None."""
    if ACCOUNT in request:
        return request[ACCOUNT]
    session = session_of(request)
    if session is None:
        return None
    account = await request.app[NODE].accounts.by_username(session.username)
    if account is not None:
        request[ACCOUNT] = account
    return account


async def require_account(
    request: web.Request,
    roles: Collection[str] | None = None,
    refusal: str = N_("This page is for the moderators and administrators of this node only."),
) -> Account:
    """The logged-in account; a visitor is sent to log in first (and back here after),
    an account without one of ``roles`` is refused with 403 and the ``refusal`` msgid."""
    account = await current_account(request)
    if account is None:
        back = request.path_qs if request.method == "GET" else request.path
        raise web.HTTPSeeOther(f"/login?next={quote(back, safe='/')}")
    if roles is not None and account.role not in roles:
        raise _forbidden(request, refusal)
    return account


async def note_mail_language(request: web.Request, account: Account) -> None:
    """Note the language the resident reads the pages in (at login, on their own pages):
    their notification e-mails are written in it."""
    node = request.app[NODE]
    language = language_of(request, node.config.language, node.config.languages)
    await node.participation_services.mail_subscribers.used_language(account.actor_uri, language)


def _forbidden(request: web.Request, message: str) -> web.HTTPForbidden:
    page = refusal_page(request, NotAllowed(page_translator(request)(message)))
    return web.HTTPForbidden(text=page.text, content_type="text/html")


async def posted_form(
    request: web.Request,
    roles: Collection[str] | None = None,
    refusal: str = N_("This page is for the moderators and administrators of this node only."),
) -> tuple[Account, FormData]:
    """The account posting a form and its fields, once the form's token matches its session."""
    account = await require_account(request, roles, refusal)
    form = await read_form(request)
    _check_form_token(request, str(form.get(CSRF_FIELD, "")))
    return account, form


async def posted_upload(
    request: web.Request,
    file_fields: frozenset[str],
    roles: Collection[str] | None = None,
    refusal: str = N_("This page is for the moderators and administrators of this node only."),
    file_limit: int = MAX_IMAGE_BYTES,
) -> tuple[Account, Mapping[str, str], dict[str, bytes]]:
    """As ``posted_form``, for a form that may carry files (``multipart/form-data``, read
    as a stream, each file up to ``file_limit`` bytes): its account, text fields and files.
    The same form sent without files as a plain form is read as one."""
    if request.content_type != "multipart/form-data":
        account, form = await posted_form(request, roles, refusal)
        return account, {k: v for k, v in form.items() if isinstance(v, str)}, {}
    account = await require_account(request, roles, refusal)
    upload = await read_multipart(request, file_fields, file_limit)
    _check_form_token(request, upload.fields.get(CSRF_FIELD, ""))
    return account, upload.fields, upload.files


def _check_form_token(request: web.Request, token: str) -> None:
    session = session_of(request)
    assert session is not None
    if not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise _forbidden(
            request, N_("This form has expired. Go back, reload the page and try again.")
        )


def _safe_next(target: str) -> str:
    """Only a path on this node (else ``/``): a login link must not send anyone elsewhere.

    Browsers read a backslash as a slash and drop tabs and line breaks inside a URL,
    so ``/\\evil.example`` or ``/<TAB>/evil.example`` would leave for another site just
    as ``//evil.example`` does; a path with a backslash or a control character or space
    is refused whole rather than cleaned.
    """
    if not target.startswith("/") or target.startswith("//"):
        return "/"
    if any(char == "\\" or char <= " " or char == "\x7f" for char in target):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


# Why an account that signed up cannot log in yet, as the login page says it.
HOLD_REASONS = {
    UNCONFIRMED: N_(
        "You cannot log in yet: first confirm your e-mail address with the link in the"
        " e-mail we sent you. The link works for 48 hours."
    ),
    AWAITING_APPROVAL: N_(
        "You cannot log in yet: a moderator of this node still has to approve your account."
        " You get an e-mail when that is done."
    ),
}


def _login_page(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    username: str = "",
    *,
    resend: bool = False,
    done: str | None = None,
) -> web.Response:
    return visitor_page(
        request,
        "login.html",
        status,
        error=error,
        username=username,
        next=_safe_next(request.query.get("next", "/")),
        resend=resend,
        done=done,
    )


def visitor_page(
    request: web.Request, template: str, status: int = 200, **values: object
) -> web.Response:
    """A page whose forms a visitor posts without being logged in (log in, open an
    account, reset a password), with their form token as ``form_token``."""
    token = visitor_token(request)
    response = render(request, template, status=status, form_token=token, **values)
    keep_visitor_token(request, response, token)
    return response


def visitor_token(request: web.Request) -> str:
    """The form token of the login and sign-up forms. A visitor who is logged in has the
    one of their session, as every other form on the page carries."""
    session = session_of(request)
    if session is not None:
        return session.csrf_token
    return request.cookies.get(_login_cookie(request.app[NODE].config)) or secrets.token_urlsafe(32)


def keep_visitor_token(request: web.Request, response: web.Response, token: str) -> None:
    """Let the visitor's browser keep the form token of a page it got.

    Login forms need their own token too, or another site could log a resident into
    an account of its choosing (or open one in their name)."""
    config = request.app[NODE].config
    response.set_cookie(
        _login_cookie(config),
        token,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=not config.dev,
    )
    response.headers["Cache-Control"] = "no-store"


def check_visitor_form(request: web.Request, form: FormData) -> None:
    """Refuse a form posted without the token its page gave the visitor."""
    session = session_of(request)
    expected = request.cookies.get(_login_cookie(request.app[NODE].config), "")
    if session is not None:
        expected = session.csrf_token
    if not expected or not hmac.compare_digest(str(form.get(CSRF_FIELD, "")), expected):
        raise _forbidden(
            request, N_("This form has expired. Go back, reload the page and try again.")
        )


async def login_form(request: web.Request) -> web.Response:
    """``GET /login``: user name and password."""
    return _login_page(request)


async def login(request: web.Request) -> web.StreamResponse:
    """``POST /login``: check the password, open a session and go back where the visitor was."""
    node = request.app[NODE]
    t = page_translator(request)
    form, username, throttled = await _login_form_posted(request)
    if throttled is not None:
        return throttled
    account = await node.accounts.by_username(username) if username else None
    password = str(form.get("password", ""))
    valid = account is not None and await asyncio.to_thread(
        check_password, password, account.password_hash
    )
    if account is None or not valid:
        return _login_page(request, 401, t("The user name or password is not right."), username)
    hold = await login_hold(node.participation_services, account.actor_id)
    if hold is not None:
        return _login_page(
            request, 403, t(HOLD_REASONS[hold]), username, resend=hold == UNCONFIRMED
        )
    sessions = request.app[WEB_SESSIONS]
    previous = request.cookies.get(session_cookie(node.config))
    if previous:
        await sessions.close(previous)
    opened = await sessions.open(account.actor_id, account.username, SESSION_LIFETIME)
    response = _see_other(_safe_next(str(form.get("next", "/"))))
    response.set_cookie(
        session_cookie(node.config),
        opened.cookie_token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=not node.config.dev,
    )
    response.del_cookie(_login_cookie(node.config), path="/")
    await note_mail_language(request, account)
    return response


async def _login_form_posted(
    request: web.Request,
) -> tuple[FormData, str, web.Response | None]:
    """A posted login form (or its "send the link again" button): its fields and user
    name once its token matches, or the page that says to wait after too many tries."""
    node = request.app[NODE]
    form = await read_form(request)
    check_visitor_form(request, form)
    username = str(form.get("username", "")).strip().lstrip("@").split("@")[0]
    try:
        await node.limits.hit_login(client_address(request), username)
    except RateLimited as exc:
        seconds = max(1, round(exc.retry_after))
        t = page_translator(request)
        page = _login_page(
            request,
            429,
            t("Too many attempts to log in. Try again in %(seconds)s seconds.", seconds=seconds),
            username,
        )
        page.headers["Retry-After"] = str(seconds)
        return form, username, page
    return form, username, None


async def resend_link(request: web.Request) -> web.Response:
    """``POST /signup/resend``: the login page's button for an account whose address is not
    confirmed yet: a new link goes to the address it signed up with (which the page never
    shows). Counted as a login attempt, so it cannot flood anyone's mailbox."""
    node = request.app[NODE]
    _, username, throttled = await _login_form_posted(request)
    if throttled is not None:
        return throttled
    account = await node.accounts.by_username(username) if username else None
    if account is not None:
        await send_link_again(node.participation_services, account.actor_id)
    t = page_translator(request)
    # The same answer whether or not there is such an account waiting.
    done = t(
        "If %(username)s is an account that still has to confirm its e-mail address, we"
        " sent a new link to that address. The link works for 48 hours.",
        username=username,
    )
    return _login_page(request, username=username, done=done)


def _see_other(location: str) -> web.Response:
    """A redirect that still carries cookies to set (a raised one would lose them)."""
    return web.Response(status=303, headers={"Location": location})


async def logout_form(request: web.Request) -> web.StreamResponse:
    """``GET /logout``: a button to log out (logging out by a plain link could be forged)."""
    if session_of(request) is None:
        raise web.HTTPSeeOther("/")
    return render(request, "logout.html")


async def logout(request: web.Request) -> web.StreamResponse:
    """``POST /logout``: end the session."""
    node = request.app[NODE]
    await posted_form(request)
    await request.app[WEB_SESSIONS].close(request.cookies[session_cookie(node.config)])
    response = _see_other("/")
    response.del_cookie(session_cookie(node.config), path="/")
    return response


def register(app: web.Application) -> None:
    """Add the login routes and the middleware that finds each visitor's session."""
    app[WEB_SESSIONS] = WebSessionRepository(app[NODE].db)
    app.middlewares.append(load_session)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_get("/logout", logout_form)
    app.router.add_post("/logout", logout)
    app.router.add_post("/signup/resend", resend_link)
