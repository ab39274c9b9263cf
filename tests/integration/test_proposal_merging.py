"""Organisers merge duplicate proposals on /organise (and with ``samenspraak proposal
merge``): the duplicate, here one from another node, becomes "merged" with a link to the
proposal it duplicates, its supporters count toward that one once each (which brings it
to the threshold), and the node following the process sees the merge. A resident, a
missing reason, a merge into itself or into a rejected proposal, and merging twice are
refused with their reason, changing nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from node.cli import main
from node.config import load_config
from node.node import open_node
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.trail import change_status
from node.setup import create_account
from tests.integration.conftest import StartNode, deliver
from tests.integration.participation_helpers import (
    node_with_a_process,
    open_process,
    person,
    proposal_from_elsewhere,
)
from tests.integration.voting_scenarios import follow
from tests.integration.web_login import logged_in


async def test_an_organiser_merges_a_duplicate_from_another_node_and_its_supports_count_once(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    assert gemeente.admin is not None
    bram, kees, dirk = [await person(gemeente, name) for name in ("bram", "kees", "dirk")]
    anna = await person(oosterpark, "anna")
    services = gemeente.node.participation_services
    store = gemeente.node.participation_store
    process = await open_process(gemeente, "bankjes", "initiate", threshold=3)
    await follow(oosterpark, anna, process.uri)
    await deliver(gemeente, oosterpark)
    original = await create_proposal(services, bram, process, "Meer bankjes", "Om te rusten.")
    rejected = await create_proposal(services, kees, process, "Een fontein", "Voor verkoeling.")
    await change_status(services, rejected, "rejected", reason="Te duur.", actor=process.uri)
    duplicate = await proposal_from_elsewhere(gemeente, oosterpark, anna, process)
    for supporter, proposal in ((bram, original), (dirk, original), (bram, duplicate)):
        await support(services, supporter, proposal.uri)
    await support(services, kees, duplicate.uri)
    await deliver(gemeente, oosterpark)
    assert await store.support_count(original.uri) == 2
    before = await store.get_proposal(duplicate.uri)
    assert before is not None and not before.local and before.status == "submitted"
    # The form's name counts the proposals in the page's order (the ports decide ties).
    place = [p.uri for p in await store.proposals_of(process.uri)].index(duplicate.uri) + 1
    name = f"merge-bankjes-{place}"
    merge = {"action": "merge", "form": name, "proposal": duplicate.uri}

    async with logged_in(gemeente, "bram") as as_bram:
        refused = await as_bram.post("/organise", {**merge, "into": original.uri, "reason": "x"})
    assert refused.status == 403

    async with logged_in(gemeente, "admin", gemeente.admin.password) as admin:
        listing = await admin.get("/organise")
        no_reason = await admin.post("/organise", {**merge, "into": original.uri, "reason": ""})
        itself = await admin.post("/organise", {**merge, "into": duplicate.uri, "reason": "Zelf"})
        closed = await admin.post("/organise", {**merge, "into": rejected.uri, "reason": "Ook"})
        assert await store.get_proposal(duplicate.uri) == before
        assert await store.support_count(original.uri) == 2
        merged = await admin.post(
            "/organise",
            {**merge, "into": original.uri, "reason": "Hetzelfde idee: bankjes in het park."},
        )
        again = await admin.post("/organise", {**merge, "into": original.uri, "reason": "Nog"})
    assert "Samenvoegen als dubbel voorstel" in listing.text
    assert "De steun telt daarna mee voor het andere voorstel, iedereen één keer." in listing.text
    assert no_reason.status == 422 and f'id="{name}-reason-error"' in no_reason.text
    assert "Geef een reden: die wordt gepubliceerd met de nieuwe status." in no_reason.text
    assert itself.status == 422 and f'id="{name}-into-error"' in itself.text
    assert "Een voorstel kan niet met zichzelf worden samengevoegd." in itself.text
    assert closed.status == 422 and f'id="{name}-into-error"' in closed.text
    assert "Een fontein is zelf samengevoegd, ingetrokken of afgewezen" in closed.text
    assert merged.status == 200
    assert "Wadi&#39;s is samengevoegd met Meer bankjes." in merged.text
    assert again.status == 422 and "Over Wadi&#39;s is al besloten." in again.text

    stored = await store.get_proposal(duplicate.uri)
    assert stored is not None and stored.status == "merged"
    assert stored.merged_into == original.uri
    # bram supported both and counts once: bram, dirk and kees.
    assert await store.support_count(original.uri) == 3
    reached = await store.get_proposal(original.uri)
    assert reached is not None and reached.status == "on_agenda"
    record = await gemeente.node.objects.record(duplicate.uri)
    original_record = await gemeente.node.objects.record(original.uri)
    assert record is not None and original_record is not None
    async with logged_in(gemeente, "kees") as as_kees:
        page = await as_kees.get(f"/proposals/{record.row_id}")
    assert "Status: samengevoegd met een ander voorstel" in page.text
    assert "Samengevoegd met:" in page.text
    assert f'/proposals/{original_record.row_id}">Meer bankjes</a>' in page.text

    await deliver(gemeente, oosterpark)
    there = await oosterpark.node.participation_store.get_proposal(duplicate.uri)
    assert there is not None and there.status == "merged"
    assert there.merged_into == original.uri
    remote_record = await oosterpark.node.objects.record(duplicate.uri)
    assert remote_record is not None
    async with logged_in(oosterpark, "anna") as as_anna:
        own = await as_anna.get(f"/proposals/{remote_record.row_id}")
    assert "Status: samengevoegd met een ander voorstel" in own.text
    assert "Samengevoegd met:" in own.text and "Meer bankjes</a>" in own.text


async def _two_proposals(directory: Path) -> tuple[str, str]:
    node = await open_node(directory, load_config(directory))
    try:
        author = (
            await create_account(node.db, node.urls, "femke", "resident", "wachtwoord-123")
        ).actor
        services = node.participation_services
        process = await services.store.local_process_by_slug("groen")
        assert process is not None
        first = await create_proposal(services, author, process, "Bomen", "Meer bomen.")
        second = await create_proposal(services, author, process, "Meer bomen", "Ook bomen.")
        return first.uri, second.uri
    finally:
        await node.close()


def test_the_cli_merges_a_duplicate_as_the_page_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = node_with_a_process(tmp_path, 8796)
    first, second = asyncio.run(_two_proposals(Path(node)))
    capsys.readouterr()

    merge = ["proposal", "merge", node, second, "--into"]
    assert main([*merge, second, "--reason", "Dubbel"]) == 2
    assert "a proposal cannot be merged into itself" in capsys.readouterr().err
    assert main([*merge, first, "--reason", "Dubbel"]) == 0
    assert "Meer bomen is merged into Bomen" in capsys.readouterr().out
    assert main(["proposal", "list", node, "groen"]) == 0
    assert f"{second}\tmerged\t0\tMeer bomen" in capsys.readouterr().out
