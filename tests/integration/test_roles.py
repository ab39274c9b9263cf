"""An administrator gives roles on /admin/roles (and with ``samenspraak account role``):
the new role takes effect at once (an official may give official responses), every change
is in the public moderation log with its reason, and a resident opening the page, a missing
reason, an unknown role and taking away the last administrator are refused with their
reason, changing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.cli import main
from node.participation.proposals import create_proposal
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import open_process, person
from tests.integration.web_login import logged_in


async def test_an_administrator_makes_a_resident_an_official_and_the_log_says_why(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    assert gemeente.admin is not None
    femke = await person(gemeente, "femke")
    await person(gemeente, "bram")
    process = await open_process(gemeente, "klimaat", "advise", threshold=2)
    proposal = await create_proposal(
        gemeente.node.participation_services, femke, process, "Meer bomen", "Voor schaduw."
    )
    record = await gemeente.node.objects.record(proposal.uri)
    assert record is not None
    page = f"/proposals/{record.row_id}"
    role_of = gemeente.node.accounts.by_username

    async with logged_in(gemeente, "bram") as bram:
        refused = await bram.get("/admin/roles")
        posted = await bram.post(
            "/admin/roles", {"username": "bram", "role": "admin", "reason": "Waarom niet"}
        )
    assert refused.status == posted.status == 403
    assert "alleen voor moderatoren en beheerders" in refused.text
    assert (await role_of("bram")).role == "resident"  # type: ignore[union-attr]

    async with logged_in(gemeente, "femke") as as_femke:
        before = await as_femke.get(page)
    assert "Officieel antwoord geven" not in before.text

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        listing = await admin.get("/admin/roles")
        no_reason = await admin.post(
            "/admin/roles", {"username": "femke", "role": "official", "reason": ""}
        )
        unknown = await admin.post(
            "/admin/roles", {"username": "femke", "role": "koning", "reason": "Grapje"}
        )
        last = await admin.post(
            "/admin/roles", {"username": "admin", "role": "resident", "reason": "Vakantie"}
        )
        made = await admin.post(
            "/admin/roles",
            {"username": "femke", "role": "official", "reason": "Gebiedsteam Oosterpark"},
        )
        log = await admin.get("/moderation")
    assert listing.status == 200 and "femke" in listing.text and "bewoner" in listing.text
    assert no_reason.status == 422 and "Geef een reden" in no_reason.text
    assert unknown.status == 422 and "De rol &#39;koning&#39; bestaat niet" in unknown.text
    assert last.status == 422 and "admin is de enige beheerder" in last.text
    assert made.status == 200
    assert "femke is nu ambtenaar (geeft officiële reacties)." in made.text
    assert (await role_of("femke")).role == "official"  # type: ignore[union-attr]
    assert (await role_of("admin")).role == "admin"  # type: ignore[union-attr]
    assert "rol gewijzigd" in log.text
    assert "resident → official: Gebiedsteam Oosterpark" in log.text
    entries = await gemeente.node.moderation_store.log_entries()
    assert [e.action for e in entries].count("role") == 1

    async with logged_in(gemeente, "femke") as as_femke:
        after = await as_femke.get(page)
    assert "Officieel antwoord geven" in after.text


def test_the_cli_gives_roles_as_the_page_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = str(tmp_path / "wijk")
    init = ["init", node, "--domain", "127.0.0.1:8798", "--name", "Wijk", "--handle", "wijk"]
    assert main([*init, "--dev"]) == 0
    assert main(["account", "create", node, "sanne"]) == 0
    capsys.readouterr()

    assert main(["account", "role", node, "sanne", "moderator", "--reason", "Wijkraad"]) == 0
    assert "sanne is now moderator" in capsys.readouterr().out
    assert main(["account", "role", node, "sanne", "moderator", "--reason", "Nog eens"]) == 2
    assert "sanne is moderator already" in capsys.readouterr().err
    assert main(["account", "role", node, "niemand", "official", "--reason", "x"]) == 2
    assert "there is no account niemand" in capsys.readouterr().err
    assert main(["account", "list", node]) == 0
    assert "sanne\tmoderator" in capsys.readouterr().out
