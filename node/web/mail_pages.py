"""E-mail notification pages: ``/me/mail`` where a resident gives their address and ticks
the mails they want, ``/mail/confirm`` behind the link that confirms the address, and
``/mail/unsubscribe`` behind the link in every mail. The links open a page with a
button: a mail scanner that follows links confirms or stops nothing."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aiohttp import web

from federation.errors import Refusal
from node.i18n import N_
from node.participation.mail_settings import (
    choose_mail,
    confirm_address,
    confirming,
    unsubscribe,
    unsubscribing,
)
from node.storage.accounts import Account
from node.storage.mail import MAIL_KINDS
from node.web.app import NODE, read_form
from node.web.form_state import FormState
from node.web.i18n import language_of
from node.web.pages import page_translator, render
from node.web.refusals import Handler, http_status, page_reason, refusal_page
from node.web.sessions import note_mail_language, posted_form, require_account

# What each kind of mail is about, as the settings page and the unsubscribe page say it.
MAIL_KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "status_changes": N_("when a proposal of mine changes status"),
        "official_responses": N_("when a proposal of mine gets an official response"),
        "votes_opening": N_("when a vote or budget ballot opens in a process I follow"),
    }
)


async def mail_settings_page(request: web.Request) -> web.Response:
    """``GET /me/mail``."""
    account = await require_account(request)
    await note_mail_language(request, account)
    return await _render_settings(request, account)


async def _render_settings(
    request: web.Request,
    account: Account,
    form: FormState | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    node = request.app[NODE]
    subscriber = await node.participation_services.mail_subscribers.get(account.actor_uri)
    chosen = set(subscriber.kinds) if subscriber else set()
    if form is not None and form.name == "mail":
        chosen = {kind for kind in MAIL_KINDS if form.values.get(kind)}
    return render(
        request,
        "mail_settings.html",
        status=status,
        account=account,
        offered=node.config.mail.offered,
        subscriber=subscriber,
        kinds=[(kind, MAIL_KIND_LABELS[kind], kind in chosen) for kind in MAIL_KINDS],
        form=form or FormState(""),
        done=done,
    )


async def mail_settings_submit(request: web.Request) -> web.Response:
    """``POST /me/mail``: an address and the ticked kinds. A new address gets a mail with a
    link to confirm it; a malformed one is refused beside the field, nothing changed."""
    node = request.app[NODE]
    account, fields = await posted_form(request)
    address = str(fields.get("address", ""))
    kinds = frozenset(kind for kind in MAIL_KINDS if fields.get(kind))
    language = language_of(request, node.config.language, node.config.languages)
    try:
        mailed = await choose_mail(
            node.participation_services, account.actor_uri, address, kinds, language
        )
    except Refusal as exc:
        values = {"address": address, **{kind: "on" for kind in kinds}}
        state = FormState("mail", values, {"address": page_reason(request, exc)})
        return await _render_settings(request, account, state, status=http_status(exc))
    t = page_translator(request)
    done = (
        t(
            N_(
                "We sent an e-mail to %(address)s. Open the link in it to confirm your"
                " address. Until then you get no notification e-mails."
            ),
            address=address.strip(),
        )
        if mailed
        else t(N_("Your choices are saved."))
    )
    return await _render_settings(request, account, done=done)


async def confirm_page(request: web.Request) -> web.Response:
    """``GET /mail/confirm?token=``: a button that confirms the address; an unknown or
    expired link is refused with its reason."""
    services = request.app[NODE].participation_services
    token = request.query.get("token", "")
    subscriber = await confirming(services, token)
    return confirm_button(request, subscriber.address, "/mail/confirm", token)


def confirm_button(request: web.Request, address: str, action: str, token: str) -> web.Response:
    """The page behind a link that confirms ``address``: a button that posts ``token`` to
    ``action``."""
    return render(
        request,
        "mail_link.html",
        heading=N_("Confirm your e-mail address"),
        text=page_translator(request)(
            N_("Confirm that %(address)s is your e-mail address."), address=address
        ),
        action=action,
        fields={"token": token},
        button=N_("Confirm my e-mail address"),
        done=None,
    )


async def confirm_submit(request: web.Request) -> web.Response:
    """``POST /mail/confirm``: the token from the page; the address is confirmed."""
    services = request.app[NODE].participation_services
    form = await read_form(request)
    subscriber = await confirm_address(services, str(form.get("token", "")))
    return render(
        request,
        "mail_link.html",
        heading=N_("Confirm your e-mail address"),
        text=None,
        done=page_translator(request)(
            N_("Thank you. %(address)s is confirmed."), address=subscriber.address
        ),
    )


async def unsubscribe_page(request: web.Request) -> web.Response:
    """``GET /mail/unsubscribe?token=&kind=``: a button that stops that kind of mail."""
    services = request.app[NODE].participation_services
    token, kind = request.query.get("token", ""), request.query.get("kind", "")
    await unsubscribing(services, token, kind)
    t = page_translator(request)
    return render(
        request,
        "mail_link.html",
        heading=N_("Stop e-mails"),
        text=t(
            N_("You now get these e-mails: “%(kind)s”. Do you want to stop them?"),
            kind=t(MAIL_KIND_LABELS[kind]),
        ),
        action="/mail/unsubscribe",
        fields={"token": token, "kind": kind},
        button=N_("Stop these e-mails"),
        done=None,
    )


async def unsubscribe_submit(request: web.Request) -> web.Response:
    """``POST /mail/unsubscribe``: that kind of mail is off."""
    services = request.app[NODE].participation_services
    form = await read_form(request)
    kind = str(form.get("kind", ""))
    await unsubscribe(services, str(form.get("token", "")), kind)
    t = page_translator(request)
    return render(
        request,
        "mail_link.html",
        heading=N_("Stop e-mails"),
        text=None,
        done=t(
            N_("Done. You no longer get these e-mails: “%(kind)s”."), kind=t(MAIL_KIND_LABELS[kind])
        ),
    )


def for_people(handler: Handler) -> Handler:
    """A page behind a link in a mail: a refusal is a page in the reader's language, whatever
    the program that opened the link says it accepts."""

    async def page(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Refusal as exc:
            return refusal_page(request, exc)

    return page


def register(app: web.Application) -> None:
    """Add the e-mail pages."""
    app.router.add_get("/me/mail", mail_settings_page)
    app.router.add_post("/me/mail", mail_settings_submit)
    app.router.add_get("/mail/confirm", for_people(confirm_page))
    app.router.add_post("/mail/confirm", for_people(confirm_submit))
    app.router.add_get("/mail/unsubscribe", for_people(unsubscribe_page))
    app.router.add_post("/mail/unsubscribe", for_people(unsubscribe_submit))
