"""An administrator changes the node's settings on /admin/settings and with
``samenspraak settings``: a good change is written to samenspraak.toml with the file's
comments kept (the rate limits apply at once); a bad value is refused with the reason the
node's start would give and the file stays byte for byte as it was; residents get 403."""

from __future__ import annotations

import html
import os
import re
import stat
from pathlib import Path

import aiohttp
import pytest

from moderation.rate_limit import Rate
from node import settings
from node.cli import main
from node.config import CONFIG_FILE, MailConfig, NodeConfig, load_config
from node.mastodon_api.instance import solid_png
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.web_login import WebBrowser, logged_in, web_browser

FIELD_ERROR = re.compile(r'<p class="error" id="settings-([a-z_.]+)-error">[^:<]*: ([^<]*)</p>')


def field_errors(page: str) -> dict[str, str]:
    """Each refused setting's reason as the page shows it beside the field."""
    return {name: html.unescape(text) for name, text in FIELD_ERROR.findall(page)}


async def test_an_administrator_changes_settings_and_a_bad_value_changes_nothing(
    start: StartNode,
) -> None:
    wijk = await start("oosterpark", "Wijkraad Oosterpark")
    assert wijk.admin is not None
    await person(wijk, "anouk")
    path = wijk.node.data_dir / CONFIG_FILE
    path.write_text(path.read_text() + "\n# Beheer: Wijkraad, kamer 2\n", encoding="utf-8")

    async with logged_in(wijk, "anouk") as anouk:
        assert (await anouk.get("/admin/settings")).status == 403
        refused = await anouk.post("/admin/settings", {"node.name": "Overgenomen"})
    assert refused.status == 403

    async with logged_in(wijk, "admin", wijk.admin.password) as admin:
        shown = await admin.get("/admin/settings")
        assert shown.status == 200 and 'value="Wijkraad Oosterpark"' in shown.text
        assert "<legend>E-mail (SMTP)</legend>" in shown.text and ">Kleur</label>" in shown.text
        before = path.read_bytes()
        # Every bad value is refused beside its own field, in the visitor's language.
        bad = await admin.post(
            "/admin/settings?lang=en",
            {
                "node.name": "Wijkraad Oosterpark",
                "look.colour": "#ffee00",
                "moderation.rates.post": "veel",
                "accounts.registrations": "iedereen",
                "mail.port": "vijf",
                "look.privacy_statement": "privacy.html",
            },
        )
        assert bad.status == 422
        assert field_errors(bad.text) == {
            "look.colour": "White text on #ffee00 stands out by only 1.2 to 1; it must be at"
            " least 4.5 to 1 (WCAG AA). Choose a darker colour.",
            "moderation.rates.post": "Write it as a number, a slash and a number of seconds,"
            " such as 30/300.",
            "accounts.registrations": "Choose one of: open, approval, closed.",
            "mail.port": "Give a whole number, such as 25.",
            "look.privacy_statement": "Give a web address that starts with https://.",
        }
        pale_nl = await admin.post(
            "/admin/settings?lang=nl",
            {"node.name": "Wijkraad Oosterpark", "look.colour": "#ffee00"},
        )
        assert field_errors(pale_nl.text) == {
            "look.colour": "Witte tekst op #ffee00 steekt maar 1,2 tegen 1 af; dat moet minstens"
            " 4,5 tegen 1 zijn (WCAG AA). Kies een donkerdere kleur."
        }
        assert path.read_bytes() == before
        assert wijk.node.config.look.colour == "#2d6a4f"

        saved = await admin.post(
            "/admin/settings",
            {
                "node.name": "Coöperatieve Wijkraad Oosterpark",
                "look.colour": "#1d4ed8",
                "moderation.rates.post": "2/300",
            },
        )
    assert saved.status == 200 and "Opgeslagen in samenspraak.toml." in saved.text
    assert "Deze gelden als de node opnieuw start: Naam." in saved.text
    config = load_config(wijk.node.data_dir)
    assert (config.name, config.look.colour) == ("Coöperatieve Wijkraad Oosterpark", "#1d4ed8")
    assert "# Beheer: Wijkraad, kamer 2" in path.read_text()
    # The new rate limit and the colour hold at once, without a restart.
    assert wijk.node.limits.rules.rates["post"] == Rate(2, 300)
    assert wijk.node.config.look.colour == "#1d4ed8"


def test_the_cli_shows_and_changes_the_same_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = str(tmp_path / "wijk")
    init = ["init", node, "--domain", "127.0.0.1:8797", "--name", "Wijk", "--handle", "wijk"]
    assert main([*init, "--dev"]) == 0
    capsys.readouterr()
    assert main(["settings", node, "mail.port=vijf"]) == 2
    assert "is not a whole number" in capsys.readouterr().err
    assert main(["settings", node, "look.contact=wijkraad@example.nl"]) == 0
    assert "Saved: look.contact" in capsys.readouterr().out
    assert main(["settings", node]) == 0
    assert "look.contact\twijkraad@example.nl" in capsys.readouterr().out
    # A list takes one item per repetition; a bad value says why and changes nothing.
    assert main(["settings", node, "node.rules=Wees aardig.", "node.rules=Geen reclame."]) == 0
    before = (Path(node) / CONFIG_FILE).read_bytes()
    assert main(["settings", node, "node.languages=en"]) == 2
    assert "must include the pages' language 'nl'" in capsys.readouterr().err
    assert main(["settings", node, "look.colour=#ffee00"]) == 2
    assert "stands out from white by only 1.2:1" in capsys.readouterr().err
    assert (Path(node) / CONFIG_FILE).read_bytes() == before
    assert main(["settings", node]) == 0
    shown = capsys.readouterr().out
    assert "node.rules\tWees aardig.\nnode.rules\tGeen reclame.\n" in shown
    assert "node.languages\t\n" in shown
    config = load_config(Path(node))
    assert config.rules == ("Wees aardig.", "Geen reclame.")
    assert config.languages == ("nl", "en")


def test_the_file_being_checked_is_never_readable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # It holds the SMTP password (and maybe the database's) from the moment it is written.
    node = str(tmp_path / "wijk")
    init = ["init", node, "--domain", "127.0.0.1:8798", "--name", "Wijk", "--handle", "wijk"]
    assert main([*init, "--dev"]) == 0
    modes: list[int] = []

    def load_watched(data_dir: Path, path: Path | None = None) -> NodeConfig:
        if path is not None:
            modes.append(stat.S_IMODE(path.stat().st_mode))
        return load_config(data_dir, path)

    monkeypatch.setattr(settings, "load_config", load_watched)
    old_mask = os.umask(0o022)
    try:
        assert main(["settings", node, "mail.password=geheim", "mail.port=587"]) == 0
        assert main(["settings", node, "mail.password=anders", "mail.port=vijf"]) == 2
    finally:
        os.umask(old_mask)
    capsys.readouterr()
    assert modes and set(modes) == {0o600}
    assert stat.S_IMODE((Path(node) / CONFIG_FILE).stat().st_mode) == 0o600


async def _upload_logo(admin: WebBrowser, data: bytes, name: str) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("csrf", admin.csrf)
    form.add_field("node.name", "Wijkraad Oosterpark")
    form.add_field("look.logo", data, filename=name, content_type="application/octet-stream")
    async with admin.http.post(admin.base + "/admin/settings?lang=en", data=form) as response:
        return response.status, await response.text()


async def test_the_rules_description_languages_and_logo_reach_the_pages_and_the_apps(
    start: StartNode,
) -> None:
    # A node that sends mail, so its sign-up form is open.
    mail = MailConfig(host="127.0.0.1", port=2525, security="none", sender="noreply@wijk.example")
    wijk = await start("oosterpark", "Wijkraad Oosterpark", mail=mail, registrations="open")
    assert wijk.admin is not None
    path = wijk.node.data_dir / CONFIG_FILE
    rules = "Behandel iedereen met respect.\nGeen reclame.\n"
    async with logged_in(wijk, "admin", wijk.admin.password) as admin:
        await admin.get("/admin/settings")
        before = path.read_bytes()
        english_only = await admin.post(
            "/admin/settings?lang=en",
            {"node.name": "Wijkraad Oosterpark", "node.languages": "", "node.languages.en": "on"},
        )
        too_long = await admin.post(
            "/admin/settings?lang=en",
            {"node.name": "Wijkraad Oosterpark", "node.rules": "Kort.\n" + "x" * 301},
        )
        not_an_image = await _upload_logo(admin, b"<svg onload=alert(1)>", "logo.png")
        assert path.read_bytes() == before
        saved = await admin.post(
            "/admin/settings",
            {
                "node.name": "Wijkraad Oosterpark",
                "node.description": "De wijkraad van de Oosterparkwijk.",
                "node.rules": rules,
                "node.languages": "",
                "node.languages.nl": "on",
            },
        )
        logo = await _upload_logo(admin, solid_png(40, 40, (20, 80, 40)), "wijkraad.png")
        shown = await admin.get("/admin/settings")
    assert field_errors(english_only.text) == {
        "node.languages": "The pages' default language (nl) must be one of the languages offered."
    }
    assert field_errors(too_long.text) == {
        "node.rules": "Rule 2 is longer than 300 characters. Keep a rule short."
    }
    assert not_an_image[0] == 422
    assert field_errors(not_an_image[1]) == {
        "look.logo": "This file is not a PNG, JPEG or WebP image. Choose one of those."
    }
    assert saved.status == 200 and "Opgeslagen in samenspraak.toml." in saved.text
    assert logo[0] == 200
    assert "Behandel iedereen met respect.\nGeen reclame.</textarea>" in shown.text
    config = load_config(wijk.node.data_dir)
    assert config.rules == ("Behandel iedereen met respect.", "Geen reclame.")
    assert config.languages == ("nl",) and config.look.logo.startswith("logo-")

    async with web_browser(wijk) as visitor:
        home = await visitor.get("/?lang=en")
        signup = await visitor.get("/signup")
        async with visitor.http.get(wijk.base_url + "/logo") as response:
            served = (response.status, await response.read())
        v1 = await (await visitor.http.get(wijk.base_url + "/api/v1/instance")).json()
        v2 = await (await visitor.http.get(wijk.base_url + "/api/v2/instance")).json()
        listed = await (await visitor.http.get(wijk.base_url + "/api/v1/instance/rules")).json()
    # English is no longer offered: the page stays Dutch and offers no other language.
    assert '<html lang="nl">' in home.text and "hreflang" not in home.text
    assert "De wijkraad van de Oosterparkwijk." in home.text
    assert "<li>Behandel iedereen met respect.</li><li>Geen reclame.</li>" in home.text
    assert "<li>Geen reclame.</li>" in signup.text, signup.text.split("<main")[1][:1500]
    assert "Ik ga akkoord met deze regels" in signup.text
    assert f'<img src="{wijk.base_url}/logo" alt="" class="logo">' in home.text
    assert served == (200, solid_png(40, 40, (20, 80, 40)))
    expected = [
        {"id": "1", "text": "Behandel iedereen met respect.", "hint": ""},
        {"id": "2", "text": "Geen reclame.", "hint": ""},
    ]
    assert v1["rules"] == v2["rules"] == listed == expected
    assert v1["languages"] == v2["languages"] == ["nl"]
    assert v2["description"] == "De wijkraad van de Oosterparkwijk."
    # Version 1 is HTML to Mastodon's clients: the typed text comes as a paragraph.
    assert v1["description"] == "<p>De wijkraad van de Oosterparkwijk.</p>"
