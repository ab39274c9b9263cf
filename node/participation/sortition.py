"""Sortition for a panel (loting): residents opt in, the draw's seed is made by several
nodes together, and anyone can recompute the panel from what the process publishes.

A draw belongs to a local process and names its postcode areas, its number of
seats, whether seats are shared over the areas in proportion, and its parties:
the process itself and at least one actor of another node, so that no single
node controls the seed. For a process under an agreement that is the other side
of the agreement (the municipality, for a neighbourhood's process); others may
be added, and a process under no agreement names its parties itself.

1. **open**: residents of the areas opt in (on this node, or from their own node
   with a ``Join`` of the draw); each gets a pseudonym for this draw alone, and
   only this node knows who is behind it. Under an agreement a candidate holds a
   credential from the registrar the agreement names for their area, as a vote
   does (node/participation/credentials.py): one candidacy per registered
   resident, and a candidate whose credential the registrar withdraws drops out
   while the draw is open. Under no agreement the process's eligibility policy
   decides, as for its votes.
2. **committing**: the organiser starts the draw; the candidate list is frozen
   and published, this node commits to a secret (``sha256`` of it), and each
   other party is sent an ``Invite`` to the draw, which its node answers with an
   ``Add`` of its ``SeedCommitment``.
3. **revealing**: once every party committed, the process sends the draw with
   all commitments as an ``Update``; each party answers with an ``Add`` of its
   ``SeedReveal``, refused unless it matches its commitment.
4. **drawn**: with every reveal in, the seed and the panel follow from
   ``node/participation/sortition_algorithm.py``; the process publishes them and
   tells each drawn resident in a direct post, which their own node shows as a
   notification.

Every refusal (a second start, a wrong reveal, an opt-in after the start) says
why and changes nothing.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import as_list, id_of
from federation.actors import host_of
from federation.errors import Conflict, FetchError, NotAllowed, NotFound, Reason, Refused
from node.clock import iso_now
from node.participation.agreements import process_agreement
from node.participation.credentials import (
    REVOKED,
    CountedCredential,
    check_credential,
    credential_to_send,
    request_credential,
)
from node.participation.eligibility import UnbelievedClaim
from node.participation.models import DRAW_LIFECYCLE, PanelDraw, Process
from node.participation.processes import known_process
from node.participation.sortition_algorithm import ALGORITHM, commitment_of, draw, seed_of
from node.social_actions import create_object
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

ALGORITHM_SOURCE = "node/participation/sortition_algorithm.py"

OPT_IN = "opt-in"
WITHDRAWN = Reason(
    "the registrar withdrew your credential for this process: the register slot is now"
    " bound to another account",
    REVOKED.code,
)


async def create_draw(
    services: ParticipationServices,
    process: Process,
    *,
    title: str,
    seats: int,
    areas: list[str],
    stratified: bool,
    parties: list[str],
) -> PanelDraw:
    """Open a draw of a local process for opt-ins."""
    if not process.local:
        raise Refused(
            "only the node hosting a process can hold a draw for it", code="draw_not_local"
        )
    if seats < 1:
        raise Refused("a panel needs at least one seat", code="draw_no_seats")
    areas = sorted({a.strip()[:4] for a in areas if a.strip()})
    if not areas or not all(a.isdigit() and len(a) == 4 for a in areas):
        raise Refused(
            "name the postcode areas of the draw as four digits, e.g. 9722", code="draw_areas"
        )
    others = await _other_parties(services, process, areas, parties)
    number = await services.draws.count_of(process.uri) + 1
    panel = PanelDraw(
        uri=f"{process.uri}/draws/{number}",
        process_uri=process.uri,
        title=title,
        seats=seats,
        stratified=stratified,
        areas=tuple(areas),
        parties=(process.uri, *others),
        state="open",
        seed=None,
        created_at=iso_now(),
        drawn_at=None,
    )
    await services.draws.add(panel)
    return panel


async def _other_parties(
    services: ParticipationServices, process: Process, areas: list[str], named: list[str]
) -> list[str]:
    """The parties besides the process: the other side of its agreement, then the actors
    of other nodes named; refused when that leaves none."""
    others = []
    if process.agreement is not None:
        agreement, refusal = await process_agreement(services, process)
        if refusal is not None:
            raise Refused(f"{process.title} cannot hold a draw: {refusal}")
        assert agreement is not None
        uncovered = [a for a in areas if agreement.registrar_for(a) is None]
        if uncovered:
            raise Refused(
                f"the agreement {agreement.theme!r} of {process.title} does not cover"
                f" postcode area {', '.join(uncovered)}, so no registrar can vouch for its"
                " residents",
                code="draw_area_uncovered",
                values={"areas": ", ".join(uncovered)},
            )
        organisation = await services.organisation()
        others.append(
            agreement.municipality
            if organisation.uri == agreement.neighbourhood
            else agreement.neighbourhood
        )
    others += [p for p in named if host_of(p) != services.urls.host]
    if not others:
        raise Refused(
            f"a draw needs at least one party on another node, so that no single node"
            f" controls its seed: {process.title} is under no agreement, so name an actor of"
            " another node as a party",
            code="draw_no_party",
        )
    return list(dict.fromkeys(others))


async def local_draw(services: ParticipationServices, uri: str) -> tuple[PanelDraw, Process]:
    """A draw this node holds with its process, or NotFound."""
    panel = await services.draws.get(uri)
    process = await services.store.get_process(panel.process_uri) if panel else None
    if panel is None or process is None:
        raise NotFound("there is no such draw on this node", detail=uri)
    return panel, process


async def resident_area(services: ParticipationServices, process: Process, actor_uri: str) -> str:
    """The postcode area a resident is verified for, or Refused with the reason."""
    if await services.actors.is_local(actor_uri):
        residency = await services.residents.get(actor_uri)
        if residency is None:
            raise Refused(
                "you are not confirmed as a resident yet: confirm your address first",
                code="not_verified",
            )
        return residency.postcode_area
    reason = await services.eligibility(process, actor_uri)
    if reason is not None:
        raise Refused(reason)
    try:
        return (await services.attestation(actor_uri)).postcode_area
    except UnbelievedClaim as exc:
        # An open process lets anyone vote, but a panel is for residents its node attests.
        raise Refused(f"{actor_uri} is not attested as a resident: {exc}") from exc


async def registrar_credential(
    services: ParticipationServices,
    panel: PanelDraw,
    process: Process,
    actor_uri: str,
    credential: str | None,
) -> CountedCredential:
    """The credential a candidate of a draw under an agreement holds (the one a remote
    resident's ``Join`` carries, or one asked of the registrar for a local account), or
    Refused with the reason."""
    if credential is None:
        local = await services.actors.by_uri(actor_uri)
        if local is not None:
            credential = await request_credential(services, local, process, OPT_IN)
    checked = await check_credential(services, process, credential)
    if isinstance(checked, CountedCredential):
        return checked
    reason = WITHDRAWN if checked.code == REVOKED.code else checked
    raise Refused(f"{actor_uri} cannot opt in to {panel.title}: {reason}", code=checked.code)


async def opt_in(
    services: ParticipationServices, draw_uri: str, actor_uri: str, credential: str | None = None
) -> str:
    """A resident of the draw's areas becomes a candidate; returns their pseudonym. Under
    an agreement the registrar's ``credential`` vouches for them (asked of the registrar
    when a local account opts in without one)."""
    panel, process = await local_draw(services, draw_uri)
    if panel.state != "open":
        raise Conflict(
            f"{panel.title} has started: residents can no longer opt in", code="draw_started"
        )
    registered = None
    if process.agreement is None:
        area = await resident_area(services, process, actor_uri)
    else:
        registered = await registrar_credential(services, panel, process, actor_uri, credential)
        area = registered.area
    if area not in panel.areas:
        raise Refused(
            f"{panel.title} is for residents of {', '.join(panel.areas)}; you are confirmed"
            f" as a resident of {area}",
            code="draw_other_area",
            values={"areas": ", ".join(panel.areas), "area": area},
        )
    pseudonym = secrets.token_hex(8)
    added = await services.draws.add_candidate(
        panel.uri,
        actor_uri,
        pseudonym,
        area,
        resident=registered.pseudonym if registered else None,
        credential_id=registered.id if registered else None,
    )
    if not added:
        raise Conflict(
            f"{actor_uri} takes part in {panel.title} already"
            + (" (as the same registered resident, from another account)" if registered else ""),
            code="draw_in_already",
        )
    return pseudonym


async def ask_to_join(services: ParticipationServices, resident: LocalActor, draw_uri: str) -> str:
    """A resident of this node opts in to a draw of another node's process (``Join``),
    with the registrar's credential when the process is under an agreement. The draw is
    read first (refused when it no longer takes sign-ups), and the sign-up is kept, so
    the resident's pages show the process's answer when it comes; returns its title."""
    try:
        document = await services.fetcher.fetch(draw_uri)
    except FetchError as exc:
        raise NotFound("that draw could not be found", detail=f"{draw_uri}: {exc}") from exc
    if document.type != "PanelDraw":
        raise NotFound("that address is not a draw", detail=draw_uri)
    if document.raw.get("drawState") != "open":
        raise Conflict(
            f"{document.name} has started: residents can no longer opt in", code="draw_started"
        )
    title = document.name or draw_uri
    process = draw_uri.rsplit("/draws/", 1)[0]
    panel = {"id": draw_uri, "type": "PanelDraw"}
    credential = await credential_to_send(
        services, resident, await known_process(services, process, fetch=True), OPT_IN
    )
    if credential is not None:
        panel["credential"] = credential
    join_id = services.outbox.new_activity_id()
    async with services.db.transaction():
        await services.draws.ask(join_id, resident.uri, draw_uri, title)
        await services.outbox.send(
            resident.uri,
            {"id": join_id, "type": "Join", "object": panel, "to": [process]},
            [process],
            personal_inboxes=True,
        )
    return title


async def answer_join(
    services: ParticipationServices, process_uri: str, join: dict[str, Any], answer: dict[str, Any]
) -> None:
    """Tell a resident's node whether their ``Join`` of a draw was taken: an ``Accept``
    with their pseudonym or a ``Reject`` with the reason (sent even when the refusal
    rolls the inbox's transaction back)."""
    resident = str(join.get("actor", ""))
    await services.outbox.send(
        process_uri,
        {
            "id": services.outbox.new_activity_id(),
            **answer,
            "object": join,
            "to": [resident],
        },
        [resident],
        outlives_rollback=answer["type"] == "Reject",
    )


async def receive_join_answer(
    services: ParticipationServices, process_uri: str, answer: dict[str, Any], join: dict[str, Any]
) -> None:
    """A process's ``answer`` (an Accept or Reject) to a resident's sign-up ``join`` that
    this node sent: kept for the resident's pages."""
    draw_uri = id_of(join.get("object")) or ""
    if draw_uri.rsplit("/draws/", 1)[0] != process_uri:
        raise NotAllowed(f"{process_uri} may only answer sign-ups for its own draws")
    accepted = answer.get("type") == "Accept"
    pseudonym = answer.get("pseudonym")
    summary = answer.get("summary")
    if not await services.draws.answered(
        id_of(join) or "",
        draw_uri,
        "accepted" if accepted else "refused",
        pseudonym if accepted and isinstance(pseudonym, str) else None,
        None if accepted else (summary if isinstance(summary, str) else ""),
    ):
        raise NotFound("this node asked for no such sign-up", detail=id_of(join) or "")


def federated_draw(panel: PanelDraw, commitments: dict[str, str]) -> dict[str, Any]:
    """The draw as it travels to the parties: who takes part and what they committed."""
    return {
        "id": panel.uri,
        "type": "PanelDraw",
        "name": panel.title,
        "process": panel.process_uri,
        "drawState": panel.state,
        "parties": list(panel.parties),
        "commitments": [
            {"type": "SeedCommitment", "party": party, "commitment": commitments[party]}
            for party in panel.parties
            if party in commitments
        ],
    }


async def start_draw(services: ParticipationServices, draw_uri: str) -> PanelDraw:
    """Freeze the candidates, commit to this node's part of the seed and invite the other
    parties to commit to theirs."""
    panel, _ = await local_draw(services, draw_uri)
    if panel.state != "open":
        raise Conflict(
            f"{panel.title} has been started already: a draw is made once",
            code="draw_made_once",
        )
    if not await services.draws.candidates(panel.uri):
        raise Refused(f"nobody has opted in to {panel.title} yet", code="draw_nobody")
    secret = secrets.token_hex(32)
    started = replace(panel, state="committing")
    others = list(panel.parties[1:])
    async with services.db.transaction():
        if not await services.draws.move(panel.uri, "open", "committing"):
            raise Conflict(
                f"{panel.title} has been started already: a draw is made once",
                code="draw_made_once",
            )
        await services.draws.commit(panel.uri, panel.process_uri, commitment_of(secret), secret)
        document = federated_draw(started, {panel.process_uri: commitment_of(secret)})
        await services.outbox.send(
            panel.process_uri,
            {
                "id": services.outbox.new_activity_id(),
                "type": "Invite",
                "object": document,
                "to": others,
            },
            others,
        )
    return started


async def _party_of(services: ParticipationServices, panel: PanelDraw, actor: str) -> str:
    if actor not in panel.parties[1:]:
        raise NotAllowed(f"{actor} is not a party to {panel.title}")
    return actor


async def receive_commitment(
    services: ParticipationServices, draw_uri: str, actor: str, commitment: str
) -> None:
    """A party commits; with every commitment in, the process asks for the reveals."""
    panel, _ = await local_draw(services, draw_uri)
    party = await _party_of(services, panel, actor)
    known = (await services.draws.shares(panel.uri)).get(party)
    if known is not None and known.commitment == commitment:
        return
    if panel.state != "committing" or known is not None:
        raise Conflict(f"{party} cannot commit to {panel.title} now: a party commits once")
    if len(commitment) != 64 or any(c not in "0123456789abcdef" for c in commitment):
        raise Refused("a commitment is a SHA-256 hash in lowercase hex")
    await services.draws.commit(panel.uri, party, commitment, None)
    shares = await services.draws.shares(panel.uri)
    if set(shares) != set(panel.parties):
        return
    DRAW_LIFECYCLE.require_move(panel.state, "revealing")
    if not await services.draws.move(panel.uri, "committing", "revealing"):
        raise Conflict(f"{panel.title} is no longer taking commitments")
    own = shares[panel.process_uri]
    assert own.secret is not None
    await services.draws.reveal(panel.uri, panel.process_uri, own.secret)
    await _send_draw(services, replace(panel, state="revealing"), list(panel.parties[1:]))


async def _send_draw(
    services: ParticipationServices, panel: PanelDraw, recipients: list[str]
) -> None:
    """The process sends the draw as it stands, with every commitment made, as an Update."""
    shares = await services.draws.shares(panel.uri)
    await services.outbox.send(
        panel.process_uri,
        {
            "id": services.outbox.new_activity_id(),
            "type": "Update",
            "object": federated_draw(panel, {p: s.commitment for p, s in shares.items()}),
            "to": recipients,
        },
        recipients,
    )


async def receive_reveal(
    services: ParticipationServices, draw_uri: str, actor: str, reveal: str
) -> PanelDraw:
    """A party reveals its part; refused unless it matches its commitment. With every
    reveal in, the draw is made, published and its residents told."""
    panel, process = await local_draw(services, draw_uri)
    party = await _party_of(services, panel, actor)
    share = (await services.draws.shares(panel.uri)).get(party)
    if panel.state != "revealing" or share is None:
        raise Conflict(f"{panel.title} is not waiting for reveals now")
    if commitment_of(reveal) != share.commitment:
        raise Refused(
            f"the value {party} revealed does not match its commitment to {panel.title};"
            " refused, nothing changed"
        )
    if share.reveal is not None:
        return panel
    await services.draws.reveal(panel.uri, party, reveal)
    shares = await services.draws.shares(panel.uri)
    if any(s.reveal is None for s in shares.values()):
        return panel
    return await _make_draw(services, panel, process)


async def _make_draw(
    services: ParticipationServices, panel: PanelDraw, process: Process
) -> PanelDraw:
    shares = await services.draws.shares(panel.uri)
    seed = seed_of([shares[p].reveal or "" for p in panel.parties])
    selected = draw(seed, await services.draws.candidates(panel.uri), panel.seats, panel.stratified)
    if not await services.draws.drawn(panel.uri, seed, selected):
        raise Conflict(f"{panel.title} has been drawn already: a draw is made once")
    drawn = await services.draws.get(panel.uri)
    assert drawn is not None
    await _send_draw(services, drawn, [services.urls.followers(process.slug), *panel.parties[1:]])
    actor = await services.actors.by_uri(process.uri)
    assert actor is not None
    for resident in await services.draws.selected_actors(panel.uri):
        await _tell_drawn(services, actor, process, drawn, resident)
    return drawn


async def _tell_drawn(
    services: ParticipationServices,
    actor: LocalActor,
    process: Process,
    panel: PanelDraw,
    resident: str,
) -> None:
    """A direct post from the process to a drawn resident: their own node shows it as a
    mention, Mastodon too."""
    title = html.escape(panel.title)
    note = {
        "id": services.urls.new_object(),
        "type": "Note",
        "attributedTo": process.uri,
        "content": f"<p>U bent geloot voor {title} van {html.escape(process.title)}. De"
        f" organisatie neemt contact met u op; de loting is na te rekenen op"
        f' <a href="{panel.uri}">{panel.uri}</a>.</p>',
        "published": iso_now(),
        "to": [resident],
        "cc": [],
        "tag": [{"type": "Mention", "href": resident}],
    }
    note["url"] = note["id"]
    await create_object(services.social, actor, note, [resident], deliver_locally=True)


async def published_draw(services: ParticipationServices, draw_uri: str) -> dict[str, Any]:
    """Everything anyone needs to recompute a draw: its candidates under their pseudonyms
    (once frozen), the parties' commitments and reveals, the seed and the panel."""
    panel, _ = await local_draw(services, draw_uri)
    shares = await services.draws.shares(panel.uri)
    drawn = panel.state == "drawn"
    document: dict[str, Any] = {
        "id": panel.uri,
        "type": "PanelDraw",
        "name": panel.title,
        "process": panel.process_uri,
        "drawState": panel.state,
        "seats": panel.seats,
        "stratified": panel.stratified,
        "postcodeAreas": list(panel.areas),
        "parties": [
            {
                "party": party,
                "commitment": shares[party].commitment if party in shares else None,
                "reveal": shares[party].reveal if drawn and party in shares else None,
            }
            for party in panel.parties
        ],
        "algorithm": {
            "name": ALGORITHM,
            "source": ALGORITHM_SOURCE,
            "seed": "sha256 of the parties' reveals in this order, joined by newlines",
            "rank": "sha256(seed + ':' + pseudonym); the lowest ranks are drawn",
            "strata": "seats per postcode area by largest remainder when stratified",
        },
    }
    if panel.state != "open":
        document["candidates"] = [
            {"pseudonym": p, "postcodeArea": a}
            for p, a in await services.draws.candidates(panel.uri)
        ]
    if drawn:
        chosen = draw(
            panel.seed or "",
            await services.draws.candidates(panel.uri),
            panel.seats,
            panel.stratified,
        )
        document |= {"seed": panel.seed, "selected": chosen, "drawnAt": panel.drawn_at}
    return document


async def commit_as_party(
    services: ParticipationServices, inviter: str, document: dict[str, Any]
) -> None:
    """Another node's process invites this node's organisation to commit to a draw: make
    a secret, keep it, and answer with its commitment (the same one when asked again)."""
    organisation = await services.organisation()
    draw_uri = str(document.get("id") or "")
    parties = [id_of(p) for p in as_list(document.get("parties"))]
    if organisation.uri not in parties or parties[:1] != [inviter]:
        raise NotAllowed(f"{inviter} did not name this node as a party to {draw_uri}")
    if document.get("drawState") != "committing":
        raise Conflict(f"{draw_uri} is not taking commitments")
    share = (await services.draws.shares(draw_uri)).get(organisation.uri)
    if share is None:
        secret = secrets.token_hex(32)
        await services.draws.commit(draw_uri, organisation.uri, commitment_of(secret), secret)
        commitment = commitment_of(secret)
    else:
        commitment = share.commitment
    await _send_share(
        services,
        organisation,
        inviter,
        draw_uri,
        {"type": "SeedCommitment", "commitment": commitment},
    )


async def reveal_as_party(
    services: ParticipationServices, process_uri: str, document: dict[str, Any]
) -> None:
    """The process has every commitment: reveal this node's part, once the commitment it
    lists for this node is the one this node made."""
    organisation = await services.organisation()
    draw_uri = str(document.get("id") or "")
    share = (await services.draws.shares(draw_uri)).get(organisation.uri)
    if share is None or share.secret is None or document.get("drawState") != "revealing":
        return
    listed = {
        id_of(c.get("party")): c.get("commitment")
        for c in as_list(document.get("commitments"))
        if isinstance(c, dict)
    }
    if listed.get(organisation.uri) != share.commitment:
        raise Refused(f"{draw_uri} lists another commitment for this node than it made")
    await _send_share(
        services,
        organisation,
        process_uri,
        draw_uri,
        {"type": "SeedReveal", "reveal": share.secret},
    )


async def _send_share(
    services: ParticipationServices,
    organisation: LocalActor,
    process_uri: str,
    draw_uri: str,
    share: dict[str, Any],
) -> None:
    await services.outbox.send(
        organisation.uri,
        {
            "id": services.outbox.new_activity_id(),
            "type": "Add",
            "object": {
                "id": services.urls.new_object(),
                **share,
                "draw": draw_uri,
                "party": organisation.uri,
            },
            "target": draw_uri,
            "to": [process_uri],
        },
        [process_uri],
        personal_inboxes=True,
    )
