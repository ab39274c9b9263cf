"""The settings an administrator changes on ``/admin/settings`` (and with ``samenspraak
settings``), written back to ``samenspraak.toml`` with its comments and layout kept.

A change is checked as the node checks its file at start: the new file is written beside
the old one, read with ``load_config`` and ``moderation_rules``, and only then put in its
place. Each changed setting is first checked on its own, so every bad value is refused
beside its own field with the reason the start would give, and the file stays as it was.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomlkit

from federation.errors import Invalid
from moderation.spam import SpamRules
from node.config import (
    CONFIG_FILE,
    MAIL_SECURITY,
    PAGE_LANGUAGES,
    REGISTRATIONS,
    ConfigError,
    NodeConfig,
    load_config,
    moderation_rules,
)
from node.i18n import N_
from node.images import sniff_image

# The logo is shown small in every page's header: a modest file is plenty.
MAX_LOGO_BYTES = 1024 * 1024
LOGO_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


@dataclass(frozen=True)
class Editable:
    """A setting on the page: where it lives in the file, what kind of value it takes,
    and how the page names and explains it (msgids, translated on the page).

    ``kind`` is "text", "long" (a few sentences), "lines" (a list, one item a line),
    "number", "choice" (one of ``choices``), "choices" (some of ``choices``, written
    comma-separated on the command line), "colour", "image" (a file in the node
    directory; the page uploads one) or "secret" (never shown; left empty, it stays)."""

    table: str
    key: str
    group: str
    label: str
    hint: str = ""
    kind: str = "text"
    choices: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """The form field's name, ``table.key``."""
        return f"{self.table}.{self.key}"


# The fieldsets of the page, in order: their legend.
GROUPS = {
    "node": N_("The node"),
    "accounts": N_("Accounts"),
    "mail": N_("E-mail (SMTP)"),
    "rates": N_("Rate limits"),
    "moderation": N_("Moderation"),
}
RATE_HINT = N_("How many in how many seconds, for example 30/300.")

EDITABLE = (
    Editable("node", "name", "node", N_("Name"), N_("The name of the node and its organisation.")),
    Editable(
        "node",
        "description",
        "node",
        N_("Description"),
        N_("A few sentences about the node, for its home page and for apps."),
        "long",
    ),
    Editable(
        "node",
        "rules",
        "node",
        N_("Rules"),
        N_("One short rule a line. Residents accept them when they open an account."),
        "lines",
    ),
    Editable(
        "node",
        "languages",
        "node",
        N_("Languages offered"),
        N_("The languages the pages can be read in; the default language must be one."),
        "choices",
        PAGE_LANGUAGES,
    ),
    Editable(
        "look",
        "colour",
        "node",
        N_("Colour"),
        N_(
            "A dark colour such as #2d6a4f for buttons and the header line; white text on"
            " it must stand out by at least 4.5 to 1."
        ),
        "colour",
    ),
    Editable(
        "look",
        "logo",
        "node",
        N_("Logo"),
        N_("A PNG, JPEG or WebP image of at most 1 MB, shown beside the name in the header."),
        "image",
    ),
    Editable(
        "look",
        "contact",
        "node",
        N_("Contact"),
        N_("An e-mail address or web address where residents reach the node's people."),
    ),
    Editable(
        "look",
        "privacy_statement",
        "node",
        N_("Privacy statement"),
        N_("The web address of the privacy statement, starting with https://."),
    ),
    Editable(
        "look",
        "accessibility_statement",
        "node",
        N_("Accessibility statement"),
        N_("The web address of the accessibility statement, starting with https://."),
    ),
    Editable(
        "accounts",
        "registrations",
        "accounts",
        N_("Who can open an account"),
        N_(
            "open: anyone; approval: a moderator approves each new account; closed: only"
            " with an invitation link."
        ),
        "choice",
        REGISTRATIONS,
    ),
    Editable("mail", "host", "mail", N_("Server"), N_("Empty: this node sends no e-mail.")),
    Editable("mail", "port", "mail", N_("Port"), N_("Usually 587, or 465 with tls."), "number"),
    Editable(
        "mail",
        "security",
        "mail",
        N_("Protection"),
        N_("starttls, tls (from the start) or none (only for a server on this machine)."),
        "choice",
        MAIL_SECURITY,
    ),
    Editable("mail", "username", "mail", N_("User name"), N_("Empty: send without logging in.")),
    Editable(
        "mail",
        "password",
        "mail",
        N_("Password"),
        N_("Not shown. Leave it empty to keep the one saved."),
        "secret",
    ),
    Editable(
        "mail",
        "sender",
        "mail",
        N_("Sender address"),
        N_("The address the e-mails come from, such as noreply@example.org."),
    ),
    Editable("moderation.rates", "post", "rates", N_("Posts per account"), RATE_HINT),
    Editable("moderation.rates", "support", "rates", N_("Supports per account"), RATE_HINT),
    Editable("moderation.rates", "vote", "rates", N_("Votes per account"), RATE_HINT),
    Editable("moderation.rates", "report", "rates", N_("Reports per account"), RATE_HINT),
    Editable(
        "moderation.rates",
        "inbox",
        "rates",
        N_("Messages per other server"),
        N_("What one other server may send in how many seconds, for example 300/60."),
    ),
    Editable(
        "moderation",
        "report_threshold",
        "moderation",
        N_("Reports before hiding"),
        N_("After this many different reporters a post is hidden until a moderator looks."),
        "number",
    ),
)
BY_NAME = {setting.name: setting for setting in EDITABLE}
# What a running node takes over the moment it is saved; the rest is read at start.
APPLIED_AT_ONCE = ("moderation.", "look.", "node.description", "node.rules", "node.languages")


def applied_at_once(running: NodeConfig, saved: NodeConfig) -> NodeConfig:
    """The running node's configuration with what applies at once taken from ``saved``:
    the look, the description, the rules and the languages (the rate limits and report
    threshold are the moderation rules, configured apart)."""
    return replace(
        running,
        look=saved.look,
        description=saved.description,
        rules=saved.rules,
        languages=saved.languages,
    )


@dataclass(frozen=True)
class SettingProblem:
    """Why one setting was refused: the start's reason, and its code for the page."""

    message: str
    code: str
    values: Mapping[str, object]


class SettingsRefused(Invalid):
    """Settings refused, each for its own reason; the file was not changed."""

    def __init__(self, problems: Mapping[str, SettingProblem]) -> None:
        super().__init__(
            "; ".join(f"{name}: {problem.message}" for name, problem in problems.items()),
            code="settings_invalid",
        )
        self.by_setting = dict(problems)


def current_values(data_dir: Path) -> dict[str, str]:
    """What the file says for each editable setting as the form shows it ("" where it
    says nothing, so the default holds; a list one item a line); secrets never."""
    document = tomlkit.parse((data_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    values = {}
    for setting in EDITABLE:
        table = _table(document, setting.table, create=False)
        found = table.get(setting.key) if table is not None else None
        if found is None or setting.kind == "secret":
            values[setting.name] = ""
        elif isinstance(found, list):
            joiner = "," if setting.kind == "choices" else "\n"
            values[setting.name] = joiner.join(str(item) for item in found)
        else:
            values[setting.name] = str(found)
    return values


def save_settings(
    data_dir: Path, changes: Mapping[str, str], logo: bytes | None = None
) -> tuple[NodeConfig, SpamRules, list[str]]:
    """Write ``changes`` (``table.key`` to the text typed; empty: back to the default)
    and an uploaded ``logo`` to the node's file once each change and the whole new file
    pass the start's checks. Returns the new configuration, the new moderation rules,
    and which settings changed; refuses with ``SettingsRefused`` and changes nothing."""
    path = data_dir / CONFIG_FILE
    original = path.read_text(encoding="utf-8")
    problems: dict[str, SettingProblem] = {}
    values: dict[str, object] = {}
    for name, typed in changes.items():
        setting = BY_NAME.get(name)
        if setting is None:
            raise Invalid(f"{name} is not a setting that can be changed here")
        try:
            values[name] = _value(setting, typed)
        except ConfigError as exc:
            problems[name] = SettingProblem(str(exc), exc.code, exc.values)
    new_logo = None
    if logo:
        try:
            new_logo = _logo_name(logo)
        except ConfigError as exc:
            problems["look.logo"] = SettingProblem(str(exc), exc.code, exc.values)
    if new_logo is not None:
        values["look.logo"] = new_logo
    # Each change alone on the file as it is, so a bad one is named beside its field.
    for name, value in values.items():
        document = tomlkit.parse(original)
        _apply(document, BY_NAME[name], value)
        placed = data_dir / new_logo if name == "look.logo" and new_logo and logo else None
        try:
            if placed is not None:
                placed.write_bytes(logo or b"")
            _checked(data_dir, document).unlink()
        except ConfigError as exc:
            problems[name] = SettingProblem(_without_path(exc, data_dir), exc.code, exc.values)
        finally:
            if placed is not None:
                placed.unlink()
    if problems:
        raise SettingsRefused(problems)
    document = tomlkit.parse(original)
    changed = [name for name, value in values.items() if _apply(document, BY_NAME[name], value)]
    placed = data_dir / new_logo if new_logo is not None and logo else None
    if placed is not None:
        placed.write_bytes(logo or b"")
    try:
        candidate = _checked(data_dir, document)
        config = load_config(data_dir, candidate)
        rules = moderation_rules(data_dir, candidate)
    except ConfigError as exc:
        if placed is not None:
            placed.unlink()
        raise Invalid(_without_path(exc, data_dir), code=exc.code, values=exc.values) from exc
    os.replace(candidate, path)
    return config, rules, changed


def _value(setting: Editable, typed: str) -> object:
    """The value a setting takes from what was typed (None: back to its default)."""
    text = typed.strip()
    if setting.kind == "secret" and not text:
        return ...
    if not text:
        return None
    if setting.kind == "number":
        if not text.isdigit():
            raise ConfigError(
                f"{setting.name}: {text!r} is not a whole number", "form_not_whole", text=text
            )
        return int(text)
    if setting.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if setting.kind == "choices":
        return [part for part in text.replace(",", " ").split() if part]
    return text


def _apply(document: tomlkit.TOMLDocument, setting: Editable, value: object) -> bool:
    """Put ``value`` in the document; whether that changed it. ``...`` keeps the value."""
    if value is ...:
        return False
    table = _table(document, setting.table, create=True)
    before = table.get(setting.key)
    if value is None:
        if before is None:
            return False
        del table[setting.key]
        return True
    if before is not None and getattr(before, "unwrap", lambda: before)() == value:
        return False
    table[setting.key] = value
    return True


def _logo_name(data: bytes) -> str:
    """The file name an uploaded logo gets, once its bytes say it is an image we show."""
    facts = sniff_image(data)
    if facts is None or facts.media_type not in LOGO_EXTENSIONS:
        raise ConfigError("the logo is not a PNG, JPEG or WebP image", "setting_logo_unreadable")
    if len(data) > MAX_LOGO_BYTES:
        raise ConfigError(
            f"the logo has {len(data)} bytes; at most {MAX_LOGO_BYTES}", "setting_logo_too_large"
        )
    return f"logo-{secrets.token_hex(4)}.{LOGO_EXTENSIONS[facts.media_type]}"


def _checked(data_dir: Path, document: tomlkit.TOMLDocument) -> Path:
    """The document written beside the node's file and read as the start reads it; the
    candidate's path (removed when the start would refuse it)."""
    candidate = data_dir / f"{CONFIG_FILE}.checking"
    # Owner-only from its first byte: the file may hold the SMTP password.
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(tomlkit.dumps(document))
    try:
        load_config(data_dir, candidate)
        moderation_rules(data_dir, candidate)
    except ConfigError:
        candidate.unlink()
        raise
    return candidate


def _without_path(exc: ConfigError, data_dir: Path) -> str:
    return str(exc).replace(str(data_dir / f"{CONFIG_FILE}.checking"), CONFIG_FILE)


def _table(document: tomlkit.TOMLDocument, dotted: str, *, create: bool) -> Any:
    """The (nested) table ``dotted`` names, made when ``create``; None where it is not."""
    table: Any = document
    for part in dotted.split("."):
        if part not in table:
            if not create:
                return None
            table[part] = tomlkit.table()
        table = table[part]
    return table
