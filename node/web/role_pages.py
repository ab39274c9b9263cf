"""``/admin/roles``: the administrators' page of who has which role on this node, and the
form that changes one, with the reason the public moderation log shows
(``node/roles.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from federation.errors import NotFound, Refusal
from node.moderator_actions import acting_as
from node.roles import change_role
from node.storage.accounts import ROLES
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.i18n import N_
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason
from node.web.sessions import posted_form, require_account

ROLES_PAGE = "/admin/roles"
# The field each refusal of change_role is about; the others are about the account.
REFUSAL_FIELDS = {"reason_missing": "reason", "role_unknown": "role", "role_already": "role"}
ROLE_NAMES: Mapping[str, str] = {
    "resident": N_("resident"),
    "official": N_("official (gives official responses)"),
    "organiser": N_("organiser (runs the processes)"),
    "moderator": N_("moderator"),
    "admin": N_("administrator"),
}


async def _roles_page(
    request: web.Request, form: FormState | None = None, done: str | None = None, status: int = 200
) -> web.Response:
    node = request.app[NODE]
    t = page_translator(request)
    return render(
        request,
        "admin_roles.html",
        status=status,
        accounts=await node.accounts.all(),
        role_names={role: t(ROLE_NAMES[role]) for role in ROLES},
        form=form or FormState(""),
        done=done,
    )


async def roles_page(request: web.Request) -> web.Response:
    """``GET /admin/roles``: every account with its role, and the form to change one."""
    await require_account(request, ("admin",))
    return await _roles_page(request)


async def give_role(request: web.Request) -> web.Response:
    """``POST /admin/roles``: give an account another role, for the reason given."""
    account, fields = await posted_form(request, ("admin",))
    node = request.app[NODE]
    values = {name: str(fields.get(name, "")).strip() for name in ("username", "role", "reason")}
    actor = await node.actors.by_uri(account.actor_uri)
    if actor is None:
        raise NotFound("your account has no actor on this node")
    try:
        acting = await acting_as(node.moderator_services, actor)
        await change_role(
            node.moderator_services, acting, values["username"], values["role"], values["reason"]
        )
    except Refusal as exc:
        reason = page_reason(request, exc)
        field = REFUSAL_FIELDS.get(exc.code, "username")
        state = FormState("role", values, {field: reason})
        return await _roles_page(request, form=state, status=http_status(exc))
    t = page_translator(request)
    done = t(
        "%(name)s is now %(role)s. The moderation log shows the change with its reason.",
        name=values["username"],
        role=t(ROLE_NAMES[values["role"]]),
    )
    return await _roles_page(request, done=done)


def register(app: web.Application) -> None:
    """Add the roles page."""
    app.router.add_get(ROLES_PAGE, roles_page)
    app.router.add_post(ROLES_PAGE, give_role)
