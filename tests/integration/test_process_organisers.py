"""An administrator makes an account organiser of one process only, on that process's edit
page (and with ``samenspraak process organiser``): it sees only that process on /organise
and runs it there, while every action on another process (a phase move, a status, the edit
form, naming organisers) is refused with 403 and its reason, changing nothing. Each grant
and removal is in the public moderation log with its reason; a missing reason, an unknown
account and a grant given twice are refused beside their field."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.cli import main
from node.participation.processes import local_process
from node.participation.proposals import create_proposal
from node.runner import RunningNode
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import node_with_a_process, open_process, person
from tests.integration.web_login import logged_in


async def test_an_organiser_of_one_process_runs_it_and_nothing_else(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    assert gemeente.admin is not None
    sanne = await person(gemeente, "sanne")
    await person(gemeente, "bram")
    services = gemeente.node.participation_services
    bankjes = await open_process(gemeente, "bankjes", "initiate", threshold=3)
    groen = await open_process(gemeente, "groen", "initiate", threshold=3)
    proposal = await create_proposal(services, sanne, groen, "Meer bomen", "Voor schaduw.")
    organisers = "/organise/bankjes/organisers"
    grant = {"username": "sanne", "reason": "Regelt de bankjes", "change": "add"}

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        page = await admin.get("/organise/bankjes/edit")
        no_reason = await admin.post(organisers, {**grant, "reason": ""})
        nobody = await admin.post(organisers, {**grant, "username": "niemand"})
        given = await admin.post(organisers, grant)
        twice = await admin.post(organisers, grant)
    assert "Organisatoren van alleen dit proces" in page.text
    assert no_reason.status == 422 and 'id="organisers-reason-error"' in no_reason.text
    assert "Geef een reden: die staat openbaar in het moderatielogboek." in no_reason.text
    assert nobody.status == 404 and 'id="organisers-username-error"' in nobody.text
    assert "Er is geen account niemand op deze node." in nobody.text
    assert given.status == 200
    assert "sanne regelt nu alleen Proces bankjes." in given.text
    assert "<li>sanne</li>" in given.text
    assert twice.status == 422 and "sanne is al organisator van Proces bankjes." in twice.text
    accounts = gemeente.node.accounts
    assert await accounts.organised_processes(sanne_id := (await _id(gemeente, "sanne"))) == {
        bankjes.uri
    }

    async with logged_in(gemeente, "sanne") as as_sanne:
        own = await as_sanne.get("/me")
        listing = await as_sanne.get("/organise")
        other_phase = await as_sanne.post(
            "/organise", {"action": "phase", "process": "groen", "phase": "voting"}
        )
        other_status = await as_sanne.post(
            "/organise",
            {"action": "status", "proposal": proposal.uri, "status": "rejected", "reason": "Nee"},
        )
        other_form = await as_sanne.get("/organise/groen/edit")
        other_edit = await as_sanne.post("/organise/groen/edit", {"title": "Van Sanne"})
        naming = await as_sanne.post(organisers, {**grant, "username": "bram"})
        new = await as_sanne.get("/organise/new")
        own_phase = await as_sanne.post(
            "/organise", {"action": "phase", "process": "bankjes", "phase": "closed"}
        )
    assert f'href="{gemeente.base_url}/organise">Processen regelen' in own.text
    assert listing.status == 200 and "Proces bankjes" in listing.text
    assert "Proces groen" not in listing.text and "Nieuw proces beginnen" not in listing.text
    assert other_phase.status == other_status.status == 403
    assert "U regelt andere processen op deze node, niet Proces groen." in other_phase.text
    assert "Er is niets veranderd." in other_status.text
    assert other_form.status == other_edit.status == 403
    assert "niet Proces groen" in other_edit.text and "niet Proces groen" in other_form.text
    assert naming.status == 403 and "Alleen beheerders geven rollen." in naming.text
    assert new.status == 403
    assert own_phase.status == 200
    assert (await local_process(services, "groen")) == groen
    assert await gemeente.node.participation_store.get_proposal(proposal.uri) == proposal
    assert await accounts.organised_processes(await _id(gemeente, "bram")) == frozenset()
    assert (await local_process(services, "bankjes")).current_phase == "closed"

    async with logged_in(gemeente, "bram") as bram:
        refused = await bram.get("/organise")
    assert refused.status == 403 and "alleen voor de organisatoren en beheerders" in refused.text

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        removed = await admin.post(organisers, {**grant, "change": "remove", "reason": "Klaar"})
        log = await admin.get("/moderation")
    assert removed.status == 200 and "sanne regelt Proces bankjes niet meer." in removed.text
    assert "organiser of bankjes: Regelt de bankjes" in log.text
    assert "no longer organiser of bankjes: Klaar" in log.text
    assert await accounts.organised_processes(sanne_id) == frozenset()
    async with logged_in(gemeente, "sanne") as as_sanne:
        after = await as_sanne.get("/organise")
        own_after = await as_sanne.get("/me")
    assert after.status == 403 and "Processen regelen" not in own_after.text


async def test_naming_an_own_process_beside_another_process_s_proposal_is_refused(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    await person(gemeente, "sanne")
    bram = await person(gemeente, "bram")
    services = gemeente.node.participation_services
    bankjes = await open_process(gemeente, "bankjes", "initiate", threshold=3)
    groen = await open_process(gemeente, "groen", "initiate", threshold=3)
    mine = await create_proposal(services, bram, bankjes, "Bankje bij de vijver", "Om te rusten.")
    other = await create_proposal(services, bram, groen, "Meer bomen", "Voor schaduw.")
    duplicate = await create_proposal(services, bram, groen, "Bomen erbij", "Schaduw.")
    assert await gemeente.node.accounts.set_process_organiser(
        await _id(gemeente, "sanne"), bankjes.uri, True
    )

    async with logged_in(gemeente, "sanne") as as_sanne:
        status = await as_sanne.post(
            "/organise",
            {
                "action": "status",
                "process": "bankjes",
                "proposal": other.uri,
                "status": "rejected",
                "reason": "Nee",
            },
        )
        merge = await as_sanne.post(
            "/organise",
            {
                "action": "merge",
                "process": "bankjes",
                "proposal": duplicate.uri,
                "into": other.uri,
                "reason": "Hetzelfde",
            },
        )
        into_other = await as_sanne.post(
            "/organise",
            {"action": "merge", "proposal": mine.uri, "into": other.uri, "reason": "Hetzelfde"},
        )
    assert status.status == merge.status == into_other.status == 403
    assert "U regelt andere processen op deze node, niet Proces groen." in status.text
    assert "niet Proces groen" in merge.text and "niet Proces groen" in into_other.text
    store = gemeente.node.participation_store
    for proposal in (mine, other, duplicate):
        assert await store.get_proposal(proposal.uri) == proposal


async def test_a_grant_goes_with_its_account_when_it_is_deleted_or_its_sign_up_rejected(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    bankjes = await open_process(gemeente, "bankjes", "initiate", threshold=3)
    node = gemeente.node
    sanne, tom = await person(gemeente, "sanne"), await person(gemeente, "tom")
    for name in ("sanne", "tom"):
        assert await node.accounts.set_process_organiser(
            await _id(gemeente, name), bankjes.uri, True
        )
    sanne_id, tom_id = await _id(gemeente, "sanne"), await _id(gemeente, "tom")
    services = node.participation_services
    await services.account_changes.forget_account(sanne_id, sanne.uri, 0.0)
    # A sign-up an administrator granted before it was approved, then rejected: the
    # account and its actor go (PostgreSQL would refuse while a grant still named it).
    await services.signups.remove_account(tom_id)
    assert await node.accounts.organised_processes(sanne_id) == frozenset()
    assert await node.accounts.by_username("tom") is None
    assert await node.actors.by_uri(tom.uri) is None


async def _id(running: RunningNode, username: str) -> int:
    account = await running.node.accounts.by_username(username)
    assert account is not None
    return account.actor_id


def test_the_cli_makes_an_organiser_of_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = node_with_a_process(tmp_path, 8795)
    assert main(["account", "create", node, "sanne"]) == 0
    capsys.readouterr()

    command = ["process", "organiser", node, "groen", "sanne", "--reason"]
    assert main([*command, "Wijkraad"]) == 0
    assert "sanne now organises Groen" in capsys.readouterr().out
    assert main([*command, "Nog eens"]) == 2
    assert "sanne is organiser of Groen already" in capsys.readouterr().err
    assert main([*command, "Klaar", "--remove"]) == 0
    assert "sanne no longer organises Groen" in capsys.readouterr().out
    assert main([*command, "Klaar", "--remove"]) == 2
    assert "sanne is no organiser of Groen" in capsys.readouterr().err
