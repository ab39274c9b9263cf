"""An administrator changes the node's settings on /admin/settings and with
``samenspraak settings``: a good change is written to samenspraak.toml with the file's
comments kept (the rate limits apply at once); a bad value is refused with the reason the
node's start would give and the file stays byte for byte as it was; residents get 403."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.rate_limit import Rate
from node.cli import main
from node.config import CONFIG_FILE, load_config
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.web_login import logged_in


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
        before = path.read_bytes()
        pale = await admin.post(
            "/admin/settings", {"node.name": "Wijkraad Oosterpark", "look.colour": "#ffee00"}
        )
        assert pale.status == 422 and "stands out from white by only" in pale.text
        wrong_rate = await admin.post(
            "/admin/settings", {"node.name": "Wijkraad Oosterpark", "moderation.rates.post": "veel"}
        )
        assert wrong_rate.status == 422 and "count/seconds" in wrong_rate.text
        not_a_mode = await admin.post(
            "/admin/settings",
            {"node.name": "Wijkraad Oosterpark", "accounts.registrations": "iedereen"},
        )
        assert not_a_mode.status == 422 and "open, approval, closed" in not_a_mode.text
        assert path.read_bytes() == before

        saved = await admin.post(
            "/admin/settings",
            {
                "node.name": "Coöperatieve Wijkraad Oosterpark",
                "look.colour": "#1d4ed8",
                "moderation.rates.post": "2/300",
            },
        )
    assert saved.status == 200 and "Opgeslagen in samenspraak.toml." in saved.text
    assert "node.name, look.colour" in saved.text  # apply at the next start
    config = load_config(wijk.node.data_dir)
    assert (config.name, config.look.colour) == ("Coöperatieve Wijkraad Oosterpark", "#1d4ed8")
    assert "# Beheer: Wijkraad, kamer 2" in path.read_text()
    # The new rate limit holds at once, without a restart.
    assert wijk.node.limits.rules.rates["post"] == Rate(2, 300)


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
