"""Agreements ("afspraken per wijk") between a municipality and a neighbourhood.

A municipality node offers a neighbourhood node an agreement: which archetypes
it delegates, on which theme, with which budget, for which postcode areas,
which node is the registrar of each area, and for which period. The agreement
travels as an ``Agreement`` object (schema ``agreement``) embedded in an
``Offer`` from the municipality's organisation actor to the neighbourhood's;
the neighbourhood answers ``Accept`` or ``Reject`` with the same object
embedded, and either side ends an accepted agreement with a ``Leave`` of it.
Both nodes keep the agreement and every change of its state, and publish both
at ``/agreements`` (JSON and HTML).

An agreement is what makes a decision binding: a ``decide`` process that
spends a municipal budget names its agreement (``Process.agreement``), and its
votes count only while the agreement is accepted and within its period, and
only with a credential from the registrar the agreement names for the voter's
area (node/participation/credentials.py). ``trust add`` stays for advisory
processes. One area has one registrar: an agreement naming another registrar
for an area that an agreement on offer or in force already covers is refused,
on either side, when it is made.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NoReturn

import schemas
from activitypub.vocabulary import ASObject, as_list, id_of
from federation.actors import same_origin
from federation.errors import Conflict, FetchError, NotAllowed, NotFound, Reason, Refused
from federation.handlers import Handler, HandlerKey, InboxContext, bind_all
from node.clock import iso, iso_now, utc_now
from node.participation.models import (
    AGREEMENT_LIFECYCLE,
    ARCHETYPES,
    Agreement,
    AgreementArea,
    Money,
    Process,
    parse_moment,
)

if TYPE_CHECKING:
    from activitypub.vocabulary import Activity
    from node.participation.services import ParticipationServices

log = logging.getLogger(__name__)

POSTCODE_AREA = re.compile(r"^[1-9]\d{3}$")


def agreement_document(agreement: Agreement) -> dict[str, Any]:
    """The ``Agreement`` object both parties publish (schema ``agreement``)."""
    doc: dict[str, Any] = {
        "id": agreement.uri,
        "type": "Agreement",
        "attributedTo": agreement.municipality,
        "neighbourhood": agreement.neighbourhood,
        "name": agreement.theme,
        "delegates": list(agreement.delegates),
        "areas": [
            {
                "type": "Area",
                "postcodeArea": a.postcode_area,
                **({"name": a.name} if a.name else {}),
                "registrar": a.registrar,
            }
            for a in agreement.areas
        ],
        "startTime": agreement.start,
        "endTime": agreement.end,
        "published": agreement.offered_at,
    }
    if agreement.budget is not None:
        doc["budget"] = {
            "type": "MonetaryAmount",
            "amount": agreement.budget.amount,
            "currency": agreement.budget.currency,
        }
    return doc


def agreement_from_document(document: dict[str, Any]) -> Agreement:
    """Read an offered ``Agreement``; raise Refused naming what is wrong with it."""
    problems = schemas.validate("agreement", document)
    if problems:
        first = problems[0]
        raise Refused("the agreement is malformed", detail=f"at {first.path}: {first.message}")
    budget = document.get("budget")
    agreement = Agreement(
        uri=str(document["id"]),
        municipality=id_of(document["attributedTo"]) or "",
        neighbourhood=id_of(document["neighbourhood"]) or "",
        theme=str(document["name"]),
        delegates=tuple(str(d) for d in as_list(document["delegates"])),
        budget=Money(float(budget["amount"]), str(budget["currency"])) if budget else None,
        areas=tuple(
            AgreementArea(str(a["postcodeArea"]), a.get("name"), id_of(a["registrar"]) or "")
            for a in as_list(document["areas"])
        ),
        start=str(document["startTime"]),
        end=str(document["endTime"]),
        state="offered",
        offered_at=str(document.get("published") or iso_now()),
    )
    check_agreement(agreement)
    return agreement


def check_agreement(agreement: Agreement) -> None:
    """Refuse an agreement whose fields contradict each other."""
    if not agreement.theme.strip():
        raise Refused("an agreement needs a theme")
    unknown = [d for d in agreement.delegates if d not in ARCHETYPES]
    if not agreement.delegates or unknown:
        raise Refused(f"an agreement delegates one or more of {', '.join(ARCHETYPES)}")
    if not agreement.areas:
        raise Refused("an agreement covers at least one postcode area")
    codes = [a.postcode_area for a in agreement.areas]
    if len(set(codes)) != len(codes):
        raise Refused("each postcode area may be listed only once in an agreement")
    for code in codes:
        if not POSTCODE_AREA.match(code):
            raise Refused(f"{code!r} is not a postcode area (four digits, such as 9722)")
    if parse_moment(agreement.end) <= parse_moment(agreement.start):
        raise Refused("an agreement must end after it starts")
    if agreement.budget is not None and agreement.budget.amount <= 0:
        raise Refused("the delegated budget must be more than 0")
    if agreement.municipality == agreement.neighbourhood:
        raise Refused("an agreement is made between two different nodes")


async def _refuse_overlap(services: ParticipationServices, agreement: Agreement) -> None:
    for area in agreement.areas:
        other = await services.agreements.other_registrar(
            area.postcode_area, area.registrar, other_than=agreement.uri
        )
        if other is not None:
            raise Conflict(
                f"postcode area {area.postcode_area} already has {other[1]} as its"
                " registrar under another agreement; one area has one registrar",
                code="registrar_overlap",
                values={"area": area.postcode_area, "registrar": other[1]},
                detail=other[0],
            )


async def offer_agreement(
    services: ParticipationServices,
    *,
    neighbourhood: str,
    theme: str,
    delegates: Sequence[str],
    areas: Sequence[tuple[str, str | None, str | None]],
    start: str,
    end: str,
    budget: Money | None = None,
) -> Agreement:
    """The municipality offers a neighbourhood node an agreement; ``areas`` are
    (postcode area, name, registrar), the registrar being this node when None."""
    if services.config.kind != "municipality":
        raise NotAllowed("only a municipality node offers agreements to neighbourhoods")
    organisation = await services.organisation()
    try:
        await services.resolver.get(neighbourhood)
    except FetchError as exc:
        raise NotFound(
            "the neighbourhood node could not be reached", detail=f"{neighbourhood}: {exc}"
        ) from exc
    agreement = Agreement(
        uri=f"{services.urls.base}/agreements/{secrets.token_hex(8)}",
        municipality=organisation.uri,
        neighbourhood=neighbourhood,
        theme=theme,
        delegates=tuple(delegates),
        budget=budget,
        areas=tuple(
            AgreementArea(code, name, registrar or organisation.uri)
            for code, name, registrar in areas
        ),
        start=iso(parse_moment(start)),
        end=iso(parse_moment(end)),
        state="offered",
        offered_at=iso_now(),
    )
    check_agreement(agreement)
    document = agreement_document(agreement)

    async def store() -> None:
        await services.agreements.add(agreement, document, organisation.uri)

    async with services.db.transaction():
        await _refuse_overlap(services, agreement)
        await services.outbox.send(
            organisation.uri,
            {
                "id": services.outbox.new_activity_id(),
                "type": "Offer",
                "object": document,
                "target": neighbourhood,
                "to": [neighbourhood],
            },
            [neighbourhood],
            local_write=store,
        )
    return agreement


async def _ours(services: ParticipationServices, uri: str) -> Agreement:
    agreement = await services.agreements.get(uri)
    if agreement is None:
        raise NotFound(
            "this node is party to no such agreement", detail=uri, code="agreement_unknown"
        )
    return agreement


async def _answer(
    services: ParticipationServices, uri: str, activity_type: str, new: str, reason: str
) -> Agreement:
    """Move an agreement to ``new`` on our side and tell the other party."""
    agreement = await _ours(services, uri)
    organisation = await services.organisation()
    if organisation.uri not in (agreement.municipality, agreement.neighbourhood):
        raise NotAllowed("this node is not a party to the agreement")
    if new in ("accepted", "declined") and organisation.uri != agreement.neighbourhood:
        raise NotAllowed("only the neighbourhood that was offered an agreement answers it")
    AGREEMENT_LIFECYCLE.require_move(agreement.state, new)
    other = (
        agreement.municipality
        if organisation.uri == agreement.neighbourhood
        else agreement.neighbourhood
    )
    document = await services.agreements.document(uri) or agreement_document(agreement)
    activity: dict[str, Any] = {
        "id": services.outbox.new_activity_id(),
        "type": activity_type,
        "object": document,
        "to": [other],
    }
    if reason:
        activity["summary"] = reason
    async with services.db.transaction():
        if new == "accepted":
            await _refuse_overlap(services, agreement)
        if not await services.agreements.move(
            uri, agreement.state, new, organisation.uri, iso_now(), reason
        ):
            raise Conflict("the agreement changed meanwhile; look again and retry")
        await services.outbox.send(organisation.uri, activity, [other])
    return replace(agreement, state=new)


async def accept_agreement(services: ParticipationServices, uri: str) -> Agreement:
    """The neighbourhood accepts an agreement it was offered."""
    return await _answer(services, uri, "Accept", "accepted", "")


async def decline_agreement(services: ParticipationServices, uri: str, reason: str) -> Agreement:
    """The neighbourhood declines an agreement it was offered."""
    return await _answer(services, uri, "Reject", "declined", reason)


async def end_agreement(services: ParticipationServices, uri: str, reason: str) -> Agreement:
    """Either party ends an agreement: from then on it delegates nothing and binds no vote."""
    return await _answer(services, uri, "Leave", "ended", reason)


async def process_agreement(
    services: ParticipationServices, process: Process
) -> tuple[Agreement | None, Reason | None]:
    """The agreement a local process is delegated under, and why it binds no vote now
    (None when it does); (None, reason) when this node knows no such agreement."""
    assert process.agreement is not None
    agreement = await services.agreements.get(process.agreement)
    if agreement is None:
        return None, Reason(
            f"{process.title} names an agreement this node does not know, so it takes no"
            " binding votes",
            "agreement_unknown_here",
            process=process.title,
        )
    return agreement, agreement.binding_refusal(utc_now())


async def check_delegation(services: ParticipationServices, process: Process) -> None:
    """Refuse a process that names an agreement which does not delegate it here."""
    if process.agreement is None:
        return
    agreement = await _ours(services, process.agreement)
    organisation = await services.organisation()
    if agreement.neighbourhood != organisation.uri:
        raise Refused(
            "a delegated process is hosted by the neighbourhood of its agreement",
            code="agreement_other_neighbourhood",
        )
    if process.archetype not in agreement.delegates:
        raise Refused(
            f"the agreement {agreement.theme!r} delegates {', '.join(agreement.delegates)},"
            f" not {process.archetype}",
            code="agreement_other_archetype",
            values={"theme": agreement.theme},
        )
    refusal = agreement.binding_refusal(utc_now())
    if refusal is not None:
        raise Refused(refusal, code=refusal.code, values=refusal.values)
    if (
        agreement.budget is not None
        and process.budget is not None
        and process.budget.amount > agreement.budget.amount
    ):
        raise Refused(
            f"the process spends {process.budget.amount:.2f} but the agreement delegates"
            f" {agreement.budget.amount:.2f}",
            code="agreement_budget_exceeded",
            values={
                "budget_amount": agreement.budget.amount,
                "currency": agreement.budget.currency,
            },
        )


async def published_agreements(services: ParticipationServices) -> list[dict[str, Any]]:
    """What ``/agreements`` publishes: each agreement as offered, its state, its history
    and the processes delegated under it (whose results are binding)."""
    published = []
    for agreement in await services.agreements.all():
        document = await services.agreements.document(agreement.uri)
        published.append(
            {
                "agreement": document or agreement_document(agreement),
                "state": agreement.state,
                "history": [
                    {"state": c.state, "actor": c.actor, "at": c.at, "reason": c.reason}
                    for c in await services.agreements.history(agreement.uri)
                ],
                "delegatedProcesses": [
                    {"id": uri, "name": title, "binding": True}
                    for uri, title, _ in await services.agreements.delegated_processes(
                        agreement.uri
                    )
                ],
            }
        )
    return published


# --- the inbox ---------------------------------------------------------------------------


async def _refuse_offer(
    services: ParticipationServices, activity: Activity, obj: ASObject, reason: str
) -> NoReturn:
    """Answer a refused offer with a Reject naming the reason, then refuse the POST."""
    organisation = await services.organisation()
    await services.outbox.send(
        organisation.uri,
        {
            "id": services.outbox.new_activity_id(),
            "type": "Reject",
            "object": {k: v for k, v in obj.raw.items() if k != "@context"},
            "summary": reason,
            "to": [activity.actor],
        },
        [activity.actor],
        outlives_rollback=True,
    )
    raise Refused(reason)


async def receive_offer(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A municipality offers this node an agreement: keep it, to accept or decline."""
    obj = activity.object
    assert obj is not None
    if not same_origin(obj.id, activity.actor) or id_of(obj.raw.get("attributedTo")) != (
        activity.actor
    ):
        raise NotAllowed(f"{activity.actor} may offer only agreements of its own")
    if await services.agreements.get(obj.id) is not None:
        return
    organisation = await services.organisation()
    try:
        agreement = agreement_from_document(dict(obj.raw))
        if agreement.neighbourhood != organisation.uri:
            raise Refused(f"this agreement is offered to {agreement.neighbourhood}, not to us")
        await _refuse_overlap(services, agreement)
    except (Refused, Conflict) as exc:
        await _refuse_offer(services, activity, obj, exc.reason)
    document = {k: v for k, v in obj.raw.items() if k != "@context"}
    await services.agreements.add(agreement, document, activity.actor)


async def _receive_move(
    services: ParticipationServices, activity: Activity, new: str, parties: str
) -> None:
    agreement = await services.agreements.get(activity.object_id)
    if agreement is None:
        log.info(
            "%s of an agreement this node does not know: %s", activity.type, activity.object_id
        )
        return
    allowed = {
        "neighbourhood": (agreement.neighbourhood,),
        "either": (agreement.neighbourhood, agreement.municipality),
    }[parties]
    if activity.actor not in allowed:
        raise NotAllowed(f"{activity.actor} cannot {activity.type.lower()} {agreement.uri}")
    if agreement.state == new:
        return
    AGREEMENT_LIFECYCLE.require_move(agreement.state, new)
    if new == "accepted":
        await _refuse_overlap(services, agreement)
    await services.agreements.move(
        agreement.uri, agreement.state, new, activity.actor, iso_now(), activity.summary or ""
    )


async def receive_accept(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """The neighbourhood accepted an agreement this node offered."""
    await _receive_move(services, activity, "accepted", "neighbourhood")


async def receive_reject(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """The neighbourhood declined an agreement this node offered."""
    await _receive_move(services, activity, "declined", "neighbourhood")


async def receive_leave(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """The other party ended an agreement."""
    await _receive_move(services, activity, "ended", "either")


def agreement_handlers(services: ParticipationServices) -> list[tuple[HandlerKey, Handler]]:
    """The agreement entries for the node's handler table."""
    return bind_all(
        services,
        [
            (("Offer", "Agreement"), receive_offer),
            (("Accept", "Agreement"), receive_accept),
            (("Reject", "Agreement"), receive_reject),
            (("Leave", "Agreement"), receive_leave),
        ],
    )
