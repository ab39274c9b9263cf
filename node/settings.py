"""The settings an administrator changes on ``/admin/settings`` (and with ``samenspraak
settings set``), written back to ``samenspraak.toml`` with its comments and layout kept.

A change is checked as the node checks its file at start: the new file is written beside
the old one, read with ``load_config`` and ``moderation_rules``, and only then put in its
place. A bad value is refused with the reason the start would give, and the file stays as
it was.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from federation.errors import Invalid
from moderation.spam import SpamRules
from node.config import CONFIG_FILE, ConfigError, NodeConfig, load_config, moderation_rules


@dataclass(frozen=True)
class Editable:
    """A setting on the page: where it lives in the file and what kind of value it takes.
    ``kind`` is "text", "number" or "secret" (never shown; left empty, it stays)."""

    table: str
    key: str
    kind: str = "text"

    @property
    def name(self) -> str:
        """The form field's name, ``table.key``."""
        return f"{self.table}.{self.key}"


EDITABLE = (
    Editable("node", "name"),
    Editable("look", "colour"),
    Editable("look", "contact"),
    Editable("look", "privacy_statement"),
    Editable("look", "accessibility_statement"),
    Editable("accounts", "registrations"),
    Editable("mail", "host"),
    Editable("mail", "port", "number"),
    Editable("mail", "security"),
    Editable("mail", "username"),
    Editable("mail", "password", "secret"),
    Editable("mail", "sender"),
    Editable("moderation", "report_threshold", "number"),
    Editable("moderation.rates", "post"),
    Editable("moderation.rates", "support"),
    Editable("moderation.rates", "vote"),
    Editable("moderation.rates", "report"),
    Editable("moderation.rates", "inbox"),
)
BY_NAME = {setting.name: setting for setting in EDITABLE}


def current_values(data_dir: Path) -> dict[str, str]:
    """What the file says for each editable setting ("" where it says nothing, so the
    default holds); secrets are never given out."""
    document = tomlkit.parse((data_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    values = {}
    for setting in EDITABLE:
        table = _table(document, setting.table, create=False)
        found = table.get(setting.key) if table is not None else None
        values[setting.name] = "" if found is None or setting.kind == "secret" else str(found)
    return values


def save_settings(
    data_dir: Path, changes: Mapping[str, str]
) -> tuple[NodeConfig, SpamRules, list[str]]:
    """Write ``changes`` (``table.key`` to the text typed; empty: back to the default) to
    the node's file once the whole new file passes the start's checks. Returns the new
    configuration, the new moderation rules, and which settings changed."""
    path = data_dir / CONFIG_FILE
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    changed = []
    for name, typed in changes.items():
        setting = BY_NAME.get(name)
        if setting is None:
            raise Invalid(f"{name} is not a setting that can be changed here")
        text = typed.strip()
        if setting.kind == "secret" and not text:
            continue
        table = _table(document, setting.table, create=True)
        assert table is not None
        before = table.get(setting.key)
        if not text:
            if before is not None:
                del table[setting.key]
                changed.append(name)
            continue
        value: str | int = text
        if setting.kind == "number":
            if not text.isdigit():
                raise Invalid(f"{name}: {text!r} is not a whole number", values={"name": name})
            value = int(text)
        if before is None or str(before) != str(value):
            table[setting.key] = value
            changed.append(name)
    candidate = path.with_name(f"{CONFIG_FILE}.checking")
    candidate.write_text(tomlkit.dumps(document), encoding="utf-8")
    try:
        config = load_config(data_dir, candidate)
        rules = moderation_rules(data_dir, candidate)
    except ConfigError as exc:
        candidate.unlink()
        raise Invalid(str(exc).replace(str(candidate), CONFIG_FILE)) from exc
    # Owner-only: the file may hold the SMTP password.
    os.chmod(candidate, 0o600)
    os.replace(candidate, path)
    return config, rules, changed


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
