"""Opening an account on the node's pages: ``/signup`` (linked from the login page),
``/signup/confirm`` behind the link mailed to the new address, the moderators' list
of accounts to approve (``/moderation/signups``) and the administrators' invitation
links (``/admin/invitations``). The domain is ``node/participation/signup.py``."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from federation.errors import Refusal
from node.i18n import N_
from node.moderator_actions import STAFF_ROLES
from node.participation import signup
from node.participation.signup import SignupForm
from node.password_rules import FieldsRefused
from node.web.app import NODE, read_form
from node.web.client_address import client_address
from node.web.form_state import FormState
from node.web.i18n import language_of
from node.web.mail_pages import confirm_button, for_people
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason
from node.web.sessions import (
    check_visitor_form,
    posted_form,
    require_account,
    visitor_page,
)

SIGNUPS = "/moderation/signups"
INVITATIONS = "/admin/invitations"
STAFF = ("moderator", "admin")


def iso_time(timestamp: float) -> str:
    """A stored moment (seconds) as the ISO text the pages' ``when`` reads."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _signup_page(
    request: web.Request, form: FormState | None = None, done: str | None = None, status: int = 200
) -> web.Response:
    services = request.app[NODE].participation_services
    return visitor_page(
        request,
        "signup.html",
        status,
        form=form or FormState("signup", {"invite_code": request.query.get("invite", "")}),
        done=done,
        offered=services.config.mail.offered,
        registrations=services.config.registrations,
    )


async def signup_form(request: web.Request) -> web.Response:
    """``GET /signup``: the form to open an account (``?invite=`` fills in an invitation)."""
    return _signup_page(request)


async def signup_submit(request: web.Request) -> web.Response:
    """``POST /signup``: open the account and mail the link that confirms its address; a
    refused sign-up shows every problem beside its field and stores nothing."""
    node = request.app[NODE]
    fields = await read_form(request)
    check_visitor_form(request, fields)
    # Counted with the login attempts from the same address: nobody opens accounts by
    # the hundred, nor tries user names and addresses to find out who is here.
    await node.limits.hit_login(client_address(request), str(fields.get("username", "")))
    values = {
        name: str(fields.get(name, ""))
        for name in ("username", "display_name", "email", "reason", "invite_code", "agreement")
    }
    form = SignupForm(
        username=values["username"],
        display_name=values["display_name"],
        email=values["email"],
        password=str(fields.get("password", "")),
        agreement=bool(values["agreement"]),
        language=language_of(request, node.config.language, node.config.languages),
        reason=values["reason"],
        invitation=values["invite_code"],
    )
    t = page_translator(request)
    state = FormState("signup", values)
    if form.password != str(fields.get("password_again", "")):
        state.errors["password_again"] = t(N_("The two passwords are not the same."))
    try:
        if state.errors:
            # Check the rest too, so the page names every problem at once.
            _, problems = await signup.check_signup(node.participation_services, form)
            raise FieldsRefused(problems)
        await signup.open_account(node.participation_services, form)
    except FieldsRefused as exc:
        for name, text in problem_texts(request, exc).items():
            state.errors.setdefault(name, text)
        return _signup_page(request, state, status=422 if state.errors else 200)
    except Refusal as exc:
        state.refusal = page_reason(request, exc)
        return _signup_page(request, state, status=http_status(exc))
    done = t(
        N_(
            "Your account %(username)s is made. We sent an e-mail to %(address)s: open the"
            " link in it within 48 hours to confirm your address. Then you can log in."
        ),
        username=form.username.strip(),
        address=form.email.strip(),
    )
    return _signup_page(request, done=done)


def problem_texts(request: web.Request, exc: FieldsRefused) -> dict[str, str]:
    """The problem of each refused field, in the visitor's language."""
    t = page_translator(request)
    texts: dict[str, str] = {}
    for problem in exc.problems:
        texts.setdefault(problem.field, t(problem.message, **problem.values))
    return texts


async def confirm_page(request: web.Request) -> web.Response:
    """``GET /signup/confirm?token=``: a button that confirms the new account's address
    (a mail scanner following the link confirms nothing)."""
    services = request.app[NODE].participation_services
    token = request.query.get("token", "")
    found = await signup.confirming(services, token)
    return confirm_button(request, found.email, signup.CONFIRM_PATH, token)


async def confirm_submit(request: web.Request) -> web.Response:
    """``POST /signup/confirm``: the address is confirmed; the page says what comes next."""
    services = request.app[NODE].participation_services
    form = await read_form(request)
    confirmed = await signup.confirm_account(services, str(form.get("token", "")))
    t = page_translator(request)
    if confirmed.hold is None:
        done = t(
            N_("Thank you. %(address)s is confirmed. You can log in now as %(username)s."),
            address=confirmed.email,
            username=confirmed.username,
        )
    else:
        done = t(
            N_(
                "Thank you. %(address)s is confirmed. A moderator of this node still has to"
                " approve your account. You get an e-mail when that is done."
            ),
            address=confirmed.email,
        )
    return render(
        request, "mail_link.html", heading=N_("Confirm your e-mail address"), text=None, done=done
    )


async def _signups_page(
    request: web.Request, form: FormState | None = None, done: str | None = None, status: int = 200
) -> web.Response:
    services = request.app[NODE].participation_services
    waiting = await services.signups.awaiting_approval()
    return render(
        request,
        "moderation_signups.html",
        status=status,
        waiting=[(s, iso_time(s.created_at)) for s in waiting],
        form=form or FormState(""),
        done=done,
    )


async def signups_page(request: web.Request) -> web.Response:
    """``GET /moderation/signups``: the accounts a moderator has to approve or reject."""
    await require_account(request, STAFF)
    return await _signups_page(request)


async def decide_signup(request: web.Request) -> web.Response:
    """``POST /moderation/signups``: approve an account, or reject it with a reason; its
    owner gets a mail either way."""
    services = request.app[NODE].participation_services
    account, fields = await posted_form(request, STAFF)
    role = STAFF_ROLES[account.role]
    username = str(fields.get("username", ""))
    reason = str(fields.get("reason", ""))
    t = page_translator(request)
    try:
        if fields.get("decision") == "approve":
            await signup.approve_signup(services, username, role)
            done = t(N_("%(username)s is approved and gets an e-mail."), username=username)
        else:
            await signup.reject_signup(services, username, reason, role)
            done = t(
                N_("%(username)s is rejected and removed, and gets an e-mail with your reason."),
                username=username,
            )
    except Refusal as exc:
        state = FormState(f"reject-{username}", {"reason": reason})
        state.errors["reason"] = page_reason(request, exc)
        return await _signups_page(request, state, status=http_status(exc))
    return await _signups_page(request, done=done)


async def _invitations_page(
    request: web.Request, made: str | None = None, form: FormState | None = None, status: int = 200
) -> web.Response:
    services = request.app[NODE].participation_services
    invitations = await services.signups.invitations()
    now = services.clock.timestamp()
    return render(
        request,
        "admin_invitations.html",
        status=status,
        invitations=[
            (i, iso_time(i.created_at), iso_time(i.expires_at), i.expires_at <= now)
            for i in invitations
        ],
        made=made,
        form=form or FormState("", {"days": str(signup.INVITATION_DAYS)}),
        offered=services.config.mail.offered,
    )


async def invitations_page(request: web.Request) -> web.Response:
    """``GET /admin/invitations``: the invitation links made, and a form for a new one."""
    await require_account(request, ("admin",))
    return await _invitations_page(request)


async def make_invitation(request: web.Request) -> web.Response:
    """``POST /admin/invitations``: a new link for one account, valid the days asked for;
    the page shows it once (only its hash is kept)."""
    account, fields = await posted_form(request, ("admin",))
    days = str(fields.get("days", ""))
    services = request.app[NODE].participation_services
    try:
        link, _ = await signup.invite(
            services, account.actor_uri, int(days) if days.isdigit() else 0
        )
    except Refusal as exc:
        state = FormState("invite", {"days": days}, {"days": page_reason(request, exc)})
        return await _invitations_page(request, form=state, status=http_status(exc))
    return await _invitations_page(request, made=link)


def register(app: web.Application) -> None:
    """Add the sign-up pages."""
    app.router.add_get("/signup", signup_form)
    app.router.add_post("/signup", signup_submit)
    app.router.add_get("/signup/confirm", for_people(confirm_page))
    app.router.add_post("/signup/confirm", for_people(confirm_submit))
    app.router.add_get(SIGNUPS, signups_page)
    app.router.add_post(SIGNUPS, decide_signup)
    app.router.add_get(INVITATIONS, invitations_page)
    app.router.add_post(INVITATIONS, make_invitation)
