"""``/admin/settings``: the administrators' page for the node's name, look, sign-up mode,
e-mail server, report threshold and rate limits, written back to ``samenspraak.toml``
(``node/settings.py``). Rate limits and the report threshold apply at once; the rest when
the node starts again, which the page says."""

from __future__ import annotations

from aiohttp import web

from federation.errors import Refusal
from node.settings import EDITABLE, current_values, save_settings
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason
from node.web.sessions import posted_form, require_account

SETTINGS_PAGE = "/admin/settings"
# What applies the moment it is saved (Limits.configure); the rest is read at start.
APPLIED_AT_ONCE = ("moderation.",)


async def _settings_page(
    request: web.Request, form: FormState | None = None, done: str | None = None, status: int = 200
) -> web.Response:
    node = request.app[NODE]
    return render(
        request,
        "admin_settings.html",
        status=status,
        settings=EDITABLE,
        form=form or FormState("settings", current_values(node.data_dir)),
        done=done,
    )


async def settings_page(request: web.Request) -> web.Response:
    """``GET /admin/settings``: the settings as the file has them."""
    await require_account(request, ("admin",))
    return await _settings_page(request)


async def save(request: web.Request) -> web.Response:
    """``POST /admin/settings``: check the whole new file, then write it, or refuse."""
    _, fields = await posted_form(request, ("admin",))
    node = request.app[NODE]
    # A field the form did not send is left as it is (an empty one goes back to its default).
    typed = {s.name: str(fields[s.name]) for s in EDITABLE if s.name in fields}
    try:
        _, rules, changed = save_settings(node.data_dir, typed)
    except Refusal as exc:
        shown = {name: value for name, value in typed.items() if name != "mail.password"}
        state = FormState("settings", shown, refusal=page_reason(request, exc))
        return await _settings_page(request, form=state, status=http_status(exc))
    node.limits.configure(rules)
    t = page_translator(request)
    later = [name for name in changed if not name.startswith(APPLIED_AT_ONCE)]
    done = t("Saved to samenspraak.toml.") if changed else t("Nothing changed.")
    if later:
        done += " " + t(
            "These apply when the node starts again: %(names)s.", names=", ".join(later)
        )
    return await _settings_page(request, done=done)


def register(app: web.Application) -> None:
    """Add the settings page."""
    app.router.add_get(SETTINGS_PAGE, settings_page)
    app.router.add_post(SETTINGS_PAGE, save)
