"""docs/CONFIGURATION.md is what ``samenspraak config-reference`` writes from the code
that reads samenspraak.toml, and that code reads every key the reference names."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from node.config import (
    CONFIG_FILE,
    PAGE_LANGUAGES,
    SETTINGS,
    ConfigError,
    NodeConfig,
    config_reference,
    load_config,
    write_config,
)
from node.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = '[node]\ndomain = "wijk.example.nl"\nname = "Wijk"\nhandle = "wijk"\n'


def test_the_committed_reference_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    assert committed == config_reference(), (
        "docs/CONFIGURATION.md is stale: run samenspraak config-reference "
        "--output docs/CONFIGURATION.md"
    )


def test_every_key_init_writes_is_in_the_reference(tmp_path: Path) -> None:
    config = NodeConfig(domain="wijk.example.nl", name="Wijk", handle="wijk")
    written = tomllib.loads(write_config(tmp_path, config).read_text(encoding="utf-8"))
    keys = {(table, key) for table, values in written.items() for key in values}
    assert keys <= {(s.table, s.key) for s in SETTINGS}
    reference = config_reference()
    for setting in SETTINGS:
        assert f"| `{setting.key}` |" in reference


def test_a_file_with_only_the_required_keys_takes_the_documented_defaults(
    tmp_path: Path,
) -> None:
    (tmp_path / CONFIG_FILE).write_text(REQUIRED, encoding="utf-8")
    config = load_config(tmp_path)
    values = {f.name: getattr(config, f.name) for f in fields(config)}
    documented = {
        "kind": "collective",
        "language": "nl",
        "dev": False,
        "authorized_fetch": False,
        "host": "127.0.0.1",
        "port": 8700,
        "trusted_proxies": (),
        "health_max_queue_depth": 1000,
        "database": "",
        "registrations": "approval",
        "description": "",
        "rules": (),
        "languages": ("nl", "en"),
    }
    look = {f.name: getattr(config.look, f.name) for f in fields(config.look)}
    documented_look = {
        "colour": "#2d6a4f",
        "logo": "",
        "contact": "",
        "privacy_statement": "",
        "accessibility_statement": "",
        "map_tiles": "",
        "map_attribution": "© OpenStreetMap",
    }
    mail = {f.name: getattr(config.mail, f.name) for f in fields(config.mail)}
    documented_mail = {
        "host": "",
        "port": 587,
        "security": "starttls",
        "username": "",
        "password": "",
        "sender": "",
    }
    for setting in SETTINGS:
        if setting.default is not None and setting.table == "look":
            assert look[setting.key] == setting.default == documented_look[setting.key]
        elif setting.table == "mail":
            assert mail[setting.key] == setting.default == documented_mail[setting.key]
        elif setting.default is not None:
            name = setting.key if setting.table != "health" else f"health_{setting.key}"
            default = (
                tuple(setting.default) if isinstance(setting.default, list) else setting.default
            )
            assert values[name] == default == documented[name]
    # NodeConfig's own defaults (init, the demo) are the same as the file's.
    bare = NodeConfig(domain="wijk.example.nl", name="Wijk", handle="wijk")
    assert {name: getattr(bare, name) for name in documented} == documented
    assert {f.name: getattr(bare.look, f.name) for f in fields(bare.look)} == documented_look
    assert {f.name: getattr(bare.mail, f.name) for f in fields(bare.mail)} == documented_mail


@pytest.mark.parametrize("value", ["0", "-3", '"veel"', "true"])
def test_a_queue_threshold_that_is_no_positive_count_is_refused(tmp_path: Path, value: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        f"{REQUIRED}[health]\nmax_queue_depth = {value}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="max_queue_depth"):
        load_config(tmp_path)


def test_the_queue_threshold_is_read(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(f"{REQUIRED}[health]\nmax_queue_depth = 25\n", "utf-8")
    assert load_config(tmp_path).health_max_queue_depth == 25


def test_the_languages_a_node_can_offer_are_the_catalogues_the_pages_have() -> None:
    assert PAGE_LANGUAGES == LANGUAGES
