"""The initiate archetype across a municipality and a neighbourhood node."""

from __future__ import annotations

from activitypub.vocabulary import PUBLIC
from node import social_actions
from node.clock import iso, utc_now
from node.documents import actor_document
from node.participation import processes
from node.participation.comments import post_comment
from node.participation.proposals import create_proposal
from node.participation.supports import support
from node.participation.trail import change_status, withdraw
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.participation_helpers import PROPOSING_AND_VOTING, open_process, person
from tests.integration.voting_scenarios import delivery_error


async def test_neighbourhood_residents_take_part_in_a_municipal_initiate_process(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    agenda = await open_process(gemeente, "klimaat", "initiate", threshold=2)
    wijkdeal = await wijert.node.organisation()
    await social_actions.follow(wijert.node.social_services, wijkdeal, agenda.uri)
    await deliver(gemeente, wijert)

    anouk = await person(oosterpark, "anouk")
    remote = await processes.known_process(
        oosterpark.node.participation_services, agenda.uri, fetch=True
    )
    assert remote is not None and remote.archetype == "initiate" and not remote.local
    proposal = await create_proposal(
        oosterpark.node.participation_services,
        anouk,
        remote,
        "Regentonnen voor de Oosterpark",
        "Gratis regentonnen voor wie een tuin heeft.",
        cost=2500,
        area="Oosterparkwijk",
    )
    await deliver(gemeente, oosterpark, wijert)

    hosted = await gemeente.node.participation_store.get_proposal(proposal.uri)
    assert hosted is not None and hosted.status == "submitted" and hosted.title.startswith("Regen")
    shared = await wijert.node.participation_store.get_proposal(proposal.uri)
    assert shared is not None and shared.process_uri == agenda.uri

    bram = await person(oosterpark, "bram")
    await support(oosterpark.node.participation_services, bram, proposal.uri)
    await deliver(gemeente, oosterpark, wijert)
    assert await gemeente.node.participation_store.support_count(proposal.uri) == 1

    fatima = await person(gemeente, "fatima")
    await support(gemeente.node.participation_services, fatima, proposal.uri)
    await deliver(gemeente, oosterpark, wijert)

    for n in (gemeente, oosterpark, wijert):
        seen = await n.node.participation_store.get_proposal(proposal.uri)
        assert seen is not None and seen.status == "on_agenda", n.node.config.handle
    page = await oosterpark.node.objects.record(proposal.uri)
    assert page is not None and "op de agenda" in (page.document["content"] or "")

    wethouder = await person(gemeente, "wethouder", "moderator")
    on_agenda = await gemeente.node.participation_store.get_proposal(proposal.uri)
    assert on_agenda is not None
    accepted = await change_status(
        gemeente.node.participation_services,
        on_agenda,
        "accepted",
        reason="De raad trekt er 30.000 euro voor uit.",
        actor=wethouder.uri,
    )
    await change_status(
        gemeente.node.participation_services,
        accepted,
        "in_progress",
        reason="De eerste 200 tonnen zijn uitgedeeld.",
        actor=wethouder.uri,
        progress=40,
    )
    await deliver(gemeente, oosterpark, wijert)
    for n in (gemeente, oosterpark, wijert):
        trail = await n.node.participation_store.status_trail(proposal.uri)
        assert [c.status for c in trail] == [
            "submitted",
            "on_agenda",
            "accepted",
            "in_progress",
        ], n.node.config.handle
        assert trail[-1].progress == 40 and trail[-1].actor == wethouder.uri


async def test_municipality_follows_a_neighbourhood_process_and_answers(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijkagenda = await open_process(oosterpark, "wijkagenda", "initiate", threshold=1)
    municipality = await gemeente.node.organisation()
    await social_actions.follow(gemeente.node.social_services, municipality, wijkagenda.uri)
    await deliver(gemeente, oosterpark)

    sanne = await person(oosterpark, "sanne")
    proposal = await create_proposal(
        oosterpark.node.participation_services,
        sanne,
        wijkagenda,
        "Zebrapad bij de Linnaeusplein",
        "Kinderen steken daar elke ochtend over zonder zebrapad.",
    )
    await deliver(gemeente, oosterpark)
    known = await gemeente.node.participation_store.get_proposal(proposal.uri)
    assert known is not None and known.process_uri == wijkagenda.uri

    answer = await post_comment(
        gemeente.node.participation_services,
        municipality,
        proposal.uri,
        "We bekijken dit samen met de verkeerskundige.",
        stance="neutral",
    )
    await deliver(gemeente, oosterpark)
    stances = await oosterpark.node.participation_store.stances_of(proposal.uri)
    assert stances == {answer["id"]: "neutral"}

    moderator = await person(oosterpark, "moderator", "moderator")
    await change_status(
        oosterpark.node.participation_services,
        proposal,
        "under_review",
        reason="De gemeente onderzoekt de oversteekplaats.",
        actor=moderator.uri,
    )
    await deliver(gemeente, oosterpark)
    seen = await gemeente.node.participation_store.get_proposal(proposal.uri)
    assert seen is not None and seen.status == "under_review"


async def test_phase_change_reaches_followers_of_the_process(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    agenda = await open_process(gemeente, "klimaat", "initiate", threshold=2)
    await social_actions.follow(
        oosterpark.node.social_services, await oosterpark.node.organisation(), agenda.uri
    )
    await deliver(gemeente, oosterpark)
    assert (
        await processes.known_process(oosterpark.node.participation_services, agenda.uri)
    ).current_phase == "proposing"

    await processes.set_phase(gemeente.node.participation_services, agenda, "closed")
    await deliver(gemeente, oosterpark)
    remote = await processes.known_process(oosterpark.node.participation_services, agenda.uri)
    assert remote is not None and remote.current_phase == "closed"


async def test_an_update_moving_a_remote_process_back_a_phase_is_refused_and_changes_nothing(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    agenda = await open_process(gemeente, "klimaat", "initiate", 2, PROPOSING_AND_VOTING)
    await social_actions.follow(
        oosterpark.node.social_services, await oosterpark.node.organisation(), agenda.uri
    )
    await deliver(gemeente, oosterpark)
    agenda = await processes.set_phase(gemeente.node.participation_services, agenda, "voting")
    await deliver(gemeente, oosterpark)
    known = await oosterpark.node.actors.remote_document(agenda.uri)
    assert known is not None and known["currentPhase"] == "voting"

    # The process's own node refuses the move, so the Update is forged on its outbox.
    actor = await gemeente.node.actors.by_uri(agenda.uri)
    assert actor is not None
    backwards = {
        k: v for k, v in actor_document(actor, gemeente.node.urls).items() if k != "@context"
    }
    backwards["currentPhase"] = "proposing"
    update_id = gemeente.node.outbox.new_activity_id()
    followers = gemeente.node.urls.followers(agenda.slug)
    await gemeente.node.outbox.send(
        agenda.uri,
        {"id": update_id, "type": "Update", "object": backwards, "to": [PUBLIC], "cc": [followers]},
        [followers],
    )
    await deliver(gemeente, oosterpark)

    error = await delivery_error(gemeente, update_id)
    assert error is not None and error.startswith("422")
    assert "a process in its voting phase cannot move to proposing" in error
    assert await oosterpark.node.actors.remote_document(agenda.uri) == known
    remote = await processes.known_process(oosterpark.node.participation_services, agenda.uri)
    assert remote is not None and remote.current_phase == "voting"


async def test_status_change_from_anyone_but_the_process_is_refused_and_changes_nothing(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris")
    agenda = await open_process(gemeente, "klimaat", "initiate", threshold=2)
    anouk = await person(oosterpark, "anouk")
    remote = await processes.known_process(
        oosterpark.node.participation_services, agenda.uri, fetch=True
    )
    assert remote is not None
    proposal = await create_proposal(
        oosterpark.node.participation_services,
        anouk,
        remote,
        "Regentonnen",
        "Gratis regentonnen voor iedereen.",
    )
    await deliver(gemeente, oosterpark)

    record = await oosterpark.node.objects.record(proposal.uri)
    assert record is not None
    forged = {k: v for k, v in record.document.items() if k != "@context"}
    forged["proposalStatus"] = "accepted"
    forged["statusChange"] = {
        "type": "StatusChange",
        "status": "accepted",
        "previousStatus": "submitted",
        "reason": "Zomaar.",
        "actor": joris.uri,
        "published": iso(utc_now()),
    }
    update = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://samenspraak.nl/ns/v1"],
        "id": f"{joris.uri}#updates/1",
        "type": "Update",
        "actor": joris.uri,
        "object": forged,
    }
    answer = await mastodon.post(joris, f"{oosterpark.base_url}/inbox", update)

    assert answer.status == 403
    assert f"only {agenda.uri} decides" in answer.body["error"]
    unchanged = await oosterpark.node.participation_store.get_proposal(proposal.uri)
    assert unchanged is not None and unchanged.status == "submitted"
    assert [
        c.status for c in await oosterpark.node.participation_store.status_trail(proposal.uri)
    ] == ["submitted"]


async def test_author_withdraws_from_a_remote_process_and_everyone_sees_it(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    agenda = await open_process(gemeente, "klimaat", "initiate", threshold=2)
    anouk = await person(oosterpark, "anouk")
    remote = await processes.known_process(
        oosterpark.node.participation_services, agenda.uri, fetch=True
    )
    assert remote is not None
    proposal = await create_proposal(
        oosterpark.node.participation_services,
        anouk,
        remote,
        "Regentonnen",
        "Gratis regentonnen voor iedereen.",
    )
    await deliver(gemeente, oosterpark)

    await withdraw(
        oosterpark.node.participation_services,
        anouk,
        proposal.uri,
        "De woningcorporatie doet het al.",
    )
    await deliver(gemeente, oosterpark)

    for n in (gemeente, oosterpark):
        trail = await n.node.participation_store.status_trail(proposal.uri)
        assert [c.status for c in trail] == ["submitted", "withdrawn"], n.node.config.handle
        assert trail[-1].actor == anouk.uri
        assert trail[-1].reason == "De woningcorporatie doet het al."
