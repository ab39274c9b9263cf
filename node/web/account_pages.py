"""A resident's own account on the pages: ``/password/forgot`` and ``/password/reset``
(behind the link mailed to them) for a forgotten password, and ``/me/account`` to
change their e-mail address (confirmed through ``/me/account/confirm``) and password.
The domain is ``node/participation/account_self_service.py``."""

from __future__ import annotations

import json

from aiohttp import web

from node.i18n import N_
from node.participation import account_self_service as self_service
from node.participation.account_export import account_data
from node.password_rules import FieldsRefused
from node.storage.accounts import Account
from node.web.app import NODE, read_form
from node.web.client_address import client_address
from node.web.form_state import FormState
from node.web.i18n import language_of
from node.web.mail_pages import confirm_button, for_people
from node.web.pages import page_translator, render
from node.web.sessions import (
    check_visitor_form,
    posted_form,
    require_account,
    session_cookie,
    visitor_page,
)
from node.web.signup_pages import problem_texts


def _password_page(
    request: web.Request,
    step: str,
    *,
    token: str = "",
    form: FormState | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    return visitor_page(
        request,
        "password_reset.html",
        status,
        step=step,
        token=token,
        form=form or FormState(""),
        done=done,
    )


async def forgot_form(request: web.Request) -> web.Response:
    """``GET /password/forgot``: user name or address, to get a reset link."""
    return _password_page(request, "ask")


async def forgot_submit(request: web.Request) -> web.Response:
    """``POST /password/forgot``: mail a reset link, if there is such an account; the page
    says the same either way, so it tells nobody who has an account here."""
    node = request.app[NODE]
    fields = await read_form(request)
    check_visitor_form(request, fields)
    name = str(fields.get("name", ""))
    # Counted with the login attempts: asking for links cannot flood a mailbox.
    await node.limits.hit_login(client_address(request), name.strip())
    language = language_of(request, node.config.language, node.config.languages)
    await self_service.ask_password_reset(node.participation_services, name, language)
    done = page_translator(request)(
        N_(
            "If there is an account with this user name or e-mail address, we sent a link to"
            " its e-mail address. The link works for one hour."
        )
    )
    return _password_page(request, "ask", done=done)


async def reset_form(request: web.Request) -> web.Response:
    """``GET /password/reset?token=``: the new password, twice; an unknown, used or expired
    link is refused with its reason."""
    token = request.query.get("token", "")
    await self_service.resetting(request.app[NODE].participation_services, token)
    return _password_page(request, "reset", token=token)


async def reset_submit(request: web.Request) -> web.Response:
    """``POST /password/reset``: the new password; every login of the account ends."""
    services = request.app[NODE].participation_services
    fields = await read_form(request)
    check_visitor_form(request, fields)
    token = str(fields.get("token", ""))
    try:
        account = await self_service.reset_password(
            services,
            token,
            str(fields.get("password", "")),
            str(fields.get("password_again", "")),
        )
    except FieldsRefused as exc:
        state = FormState("reset", errors=problem_texts(request, exc))
        return _password_page(request, "reset", token=token, form=state, status=422)
    done = page_translator(request)(
        N_(
            "Your password is changed. You are logged out everywhere, also in apps. Log in"
            " again as %(username)s with your new password."
        ),
        username=account.username,
    )
    return _password_page(request, "reset", done=done)


async def _account_page(
    request: web.Request, account: Account, status: int = 200, **shown: object
) -> web.Response:
    """``/me/account`` with what a form ``shown`` says back: its ``form`` state or ``done``."""
    services = request.app[NODE].participation_services
    return render(
        request,
        "own_account.html",
        status=status,
        account=account,
        signup=await services.signups.by_actor(account.actor_id),
        pending=await services.account_changes.pending_email(account.actor_id),
        offered=services.config.mail.offered,
        form=shown.get("form") or FormState(""),
        blank=FormState(""),
        done=shown.get("done"),
    )


async def account_page(request: web.Request) -> web.Response:
    """``GET /me/account``: the resident's address, and forms to change it and the password."""
    return await _account_page(request, await require_account(request))


async def change_email(request: web.Request) -> web.Response:
    """``POST /me/account/email``: mail a link to confirm the new address."""
    node = request.app[NODE]
    account, fields = await posted_form(request)
    address = str(fields.get("email", "")).strip()
    language = language_of(request, node.config.language, node.config.languages)
    try:
        await self_service.change_email(node.participation_services, account, address, language)
    except FieldsRefused as exc:
        state = FormState("email", {"email": address}, problem_texts(request, exc))
        return await _account_page(request, account, 422, form=state)
    done = page_translator(request)(
        N_(
            "We sent an e-mail to %(address)s. Open the link in it within 48 hours to make it"
            " the address of your account."
        ),
        address=address,
    )
    return await _account_page(request, account, done=done)


async def change_password(request: web.Request) -> web.Response:
    """``POST /me/account/password``: the current password and the new one, twice."""
    services = request.app[NODE].participation_services
    account, fields = await posted_form(request)
    try:
        await self_service.change_password(
            services,
            account,
            str(fields.get("current_password", "")),
            str(fields.get("password", "")),
            str(fields.get("password_again", "")),
        )
    except FieldsRefused as exc:
        state = FormState("password", errors=problem_texts(request, exc))
        return await _account_page(request, account, 422, form=state)
    done = page_translator(request)(N_("Your password is changed."))
    return await _account_page(request, account, done=done)


async def confirm_email_page(request: web.Request) -> web.Response:
    """``GET /me/account/confirm?token=``: a button that confirms the new address."""
    token = request.query.get("token", "")
    change = await self_service.confirming_email(request.app[NODE].participation_services, token)
    return confirm_button(request, change.address, self_service.EMAIL_CONFIRM_PATH, token)


async def confirm_email_submit(request: web.Request) -> web.Response:
    """``POST /me/account/confirm``: the new address is the account's address now."""
    services = request.app[NODE].participation_services
    form = await read_form(request)
    change = await self_service.confirm_email(services, str(form.get("token", "")))
    done = page_translator(request)(
        N_("Thank you. %(address)s is now the e-mail address of your account."),
        address=change.address,
    )
    return render(
        request, "mail_link.html", heading=N_("Confirm your e-mail address"), text=None, done=done
    )


async def delete_account(request: web.Request) -> web.StreamResponse:
    """``POST /me/account/delete``: with the password, the account is deleted and the
    resident logged out; a wrong password is refused beside its field."""
    node = request.app[NODE]
    account, fields = await posted_form(request)
    try:
        await self_service.delete_account(
            node.participation_services, account, str(fields.get("delete_password", ""))
        )
    except FieldsRefused as exc:
        errors = {"delete_password": problem_texts(request, exc)["current_password"]}
        return await _account_page(request, account, 422, form=FormState("delete", {}, errors))
    response = render(
        request,
        "mail_link.html",
        heading=N_("Delete my account"),
        text=None,
        done=page_translator(request)(
            N_(
                "Your account %(username)s is deleted. Other servers that follow you are told"
                " to remove it too."
            ),
            username=account.username,
        ),
    )
    response.del_cookie(session_cookie(node.config), path="/")
    return response


async def export(request: web.Request) -> web.Response:
    """``GET /me/account/export.json``: the resident's own data as a JSON file."""
    account = await require_account(request)
    data = await account_data(request.app[NODE].participation_services, account)
    return web.json_response(
        data,
        dumps=lambda value: json.dumps(value, ensure_ascii=False, indent=2),
        headers={
            "Content-Disposition": f'attachment; filename="{account.username}-samenspraak.json"',
            "Cache-Control": "no-store",
        },
    )


def register(app: web.Application) -> None:
    """Add the account pages."""
    app.router.add_get("/password/forgot", forgot_form)
    app.router.add_post("/password/forgot", forgot_submit)
    app.router.add_get("/password/reset", for_people(reset_form))
    app.router.add_post("/password/reset", for_people(reset_submit))
    app.router.add_get("/me/account", account_page)
    app.router.add_post("/me/account/email", change_email)
    app.router.add_post("/me/account/password", change_password)
    app.router.add_get("/me/account/export.json", export)
    app.router.add_post("/me/account/delete", delete_account)
    app.router.add_get(self_service.EMAIL_CONFIRM_PATH, for_people(confirm_email_page))
    app.router.add_post(self_service.EMAIL_CONFIRM_PATH, for_people(confirm_email_submit))
