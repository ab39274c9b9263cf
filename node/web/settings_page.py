"""``/admin/settings``: the administrators' page for the node's name, description, rules,
look, languages, sign-up mode, e-mail server, rate limits and report threshold, written
back to ``samenspraak.toml`` (``node/settings.py``). The look, description, rules,
languages, rate limits and report threshold apply at once; the rest when the node starts
again, which the page says."""

from __future__ import annotations

from aiohttp import web

from federation.errors import Refusal
from node.settings import (
    APPLIED_AT_ONCE,
    BY_NAME,
    EDITABLE,
    GROUPS,
    SettingsRefused,
    applied_at_once,
    current_values,
    save_settings,
)
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.i18n import LANGUAGE_NAMES
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason, reason_text
from node.web.sessions import posted_upload, require_account

SETTINGS_PAGE = "/admin/settings"
LOGO_FIELD = "look.logo"


async def _settings_page(
    request: web.Request, form: FormState | None = None, done: str | None = None, status: int = 200
) -> web.Response:
    node = request.app[NODE]
    t = page_translator(request)
    return render(
        request,
        "admin_settings.html",
        status=status,
        groups=[
            (group, legend, [s for s in EDITABLE if s.group == group])
            for group, legend in GROUPS.items()
        ],
        labels={s.name: t(s.label) for s in EDITABLE},
        language_names=LANGUAGE_NAMES,
        form=form or FormState("settings", current_values(node.data_dir)),
        done=done,
    )


async def settings_page(request: web.Request) -> web.Response:
    """``GET /admin/settings``: the settings as the file has them."""
    await require_account(request, ("admin",))
    return await _settings_page(request)


def _typed(fields: dict[str, str]) -> dict[str, str]:
    """The settings the form sent, as ``save_settings`` takes them; a field the form did
    not send is left as it is (an empty one goes back to its default)."""
    typed = {s.name: fields[s.name] for s in EDITABLE if s.name in fields and s.kind != "image"}
    for setting in EDITABLE:
        if setting.kind == "choices" and setting.name in fields:
            # One checkbox per choice, named after it.
            typed[setting.name] = (
                ",".join(
                    choice for choice in setting.choices if fields.get(f"{setting.name}.{choice}")
                )
                or " "
            )
    return typed


async def save(request: web.Request) -> web.Response:
    """``POST /admin/settings``: check each change and the whole new file, then write it,
    or refuse with each reason beside its field and change nothing."""
    await require_account(request, ("admin",))
    _, fields, files = await posted_upload(request, frozenset({LOGO_FIELD}))
    node = request.app[NODE]
    typed = _typed(dict(fields))
    try:
        saved, rules, changed = save_settings(node.data_dir, typed, files.get(LOGO_FIELD) or None)
    except Refusal as exc:
        shown = {name: value for name, value in typed.items() if name != "mail.password"}
        state = FormState("settings", shown)
        if isinstance(exc, SettingsRefused):
            state.errors = {
                name: reason_text(request, problem.message, problem.code, problem.values)
                for name, problem in exc.by_setting.items()
            }
        else:
            state.refusal = page_reason(request, exc)
        return await _settings_page(request, form=state, status=http_status(exc))
    node.limits.configure(rules)
    node.config = applied_at_once(node.config, saved)
    t = page_translator(request)
    later = [name for name in changed if not name.startswith(APPLIED_AT_ONCE)]
    done = t("Saved to samenspraak.toml.") if changed else t("Nothing changed.")
    if later:
        done += " " + t(
            "These apply when the node starts again: %(names)s.",
            names=", ".join(t(BY_NAME[name].label) for name in later),
        )
    return await _settings_page(request, done=done)


def register(app: web.Application) -> None:
    """Add the settings page."""
    app.router.add_get(SETTINGS_PAGE, settings_page)
    app.router.add_post(SETTINGS_PAGE, save)
