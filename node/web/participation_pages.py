"""Pages and open data of the participation domain: processes, proposals, decisions."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from html import escape
from urllib.parse import urlsplit

from aiohttp import web

from federation.actors import host_of
from federation.errors import NotFound
from node.documents import actor_document
from node.i18n import N_, translator
from node.node import Node
from node.participation.comments import comments_of
from node.participation.models import Process, Proposal
from node.participation.official_responses import ANSWERING_ROLES
from node.participation.processes import local_process, page_name, shown_process
from node.participation.proposals import without_status
from node.participation.remote_ballots import ballot_open_elsewhere
from node.participation.supports import SUPPORT_PHASES
from node.participation.transparency import (
    decision_log,
    export_csv,
    export_document,
    proposal_rows,
    support_count,
)
from node.storage.objects import ObjectRecord
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.i18n import ARCHETYPE_EXPLAINED, language_of
from node.web.negotiation import activity_response, wants_activity_json
from node.web.pages import page_translator, post_images, render
from node.web.place_map import PlaceMap, place_map
from node.web.proposal_filters import ProposalFilter
from node.web.security_headers import allow_images_from
from node.web.sessions import current_account


async def names_of(node: Node, uris: set[str]) -> dict[str, str]:
    """The names people read for actors: a local person's display name; someone from
    elsewhere with the name of their server ("Bram · De Wijert"), never a raw address."""
    names: dict[str, str] = {}
    remote = []
    for uri in uris:
        local = await node.actors.by_uri(uri)
        if local is not None:
            names[uri] = local.display_name
        else:
            remote.append(uri)
    shown = await node.actors.shown_names(remote)
    for uri in remote:
        person, server = shown.get(uri, (None, host_of(uri)))
        names[uri] = f"{person} · {server}" if person else server
    return names


def _common(request: web.Request, process: Process) -> dict[str, object]:
    language = language_of(
        request, request.app[NODE].config.language, request.app[NODE].config.languages
    )
    return {
        "process": process,
        "archetype_explained": translator(language)(ARCHETYPE_EXPLAINED[process.archetype]),
    }


async def process_list(request: web.Request) -> web.Response:
    """Every process this node hosts, then those of other nodes its residents take part in."""
    node = request.app[NODE]
    return render(
        request,
        "processes.html",
        processes=await node.participation_store.local_processes(),
        elsewhere=await node.participation_store.remote_processes(),
        page_name=page_name,
    )


async def process_page(request: web.Request) -> web.StreamResponse:
    """A process: what it is, its phase and threshold, its proposals with their supports.

    A process of another node has a page here too (``/processes/slug@host``): its
    proposals as this node knows them, and the proposal form, so residents take
    part from their own node wherever the process lives.
    """
    node = request.app[NODE]
    process = await shown_process(node.participation_services, request.match_info["slug"])
    if wants_activity_json(request) and process.local:
        actor = await node.actors.by_uri(process.uri)
        assert actor is not None
        return activity_response(actor_document(actor, node.urls))
    return await render_process_page(request, process)


async def render_process_page(
    request: web.Request, process: Process, form: FormState | None = None, status: int = 200
) -> web.Response:
    """The process page, with the proposal form as the resident left it when it was refused."""
    node = request.app[NODE]
    account = await current_account(request)
    every = await proposal_rows(node.participation_services, process)
    chosen = ProposalFilter.from_query(request.query, new_seed=secrets.randbelow(10**6))
    # A few queries for the whole list, not a few per proposal (benchmarks/city_scale.py).
    records = await node.objects.records_of_process(process.uri)
    mine = (
        await node.participation_store.supported_in(process.uri, account.actor_uri)
        if account is not None
        else set()
    )
    for row in every:
        record = records.get(row["proposal"])
        row["row_id"] = record.row_id if record else 0
        row["page"] = f"{node.urls.base}/proposals/{record.row_id}" if record else row["proposal"]
    rows = chosen.apply(every, mine)
    stances = await node.participation_store.stances_in(process.uri)
    for row in rows:
        row["stances"] = Counter(stances.get(row["proposal"], []))
    return render(
        request,
        "process.html",
        status=status,
        account=account,
        form=form or FormState("propose"),
        rows=rows,
        chosen=chosen,
        shown_of=(len(rows), len(every)),
        statuses=sorted({row["status"] for row in every}),
        areas=sorted({row["area"] for row in every if row["area"]}),
        requested=sum(row["cost_amount"] or 0 for row in every),
        names=await names_of(node, {r["author"] for r in rows}),
        handle=f"@{process.slug}@{urlsplit(process.uri).netloc}",
        followers=len(await node.follows.followers_of(process.uri)) if process.local else None,
        page_name=page_name(process),
        ballot_elsewhere=await ballot_open_elsewhere(node.participation_services, process),
        **_common(request, process),
    )


async def decisions_page(request: web.Request) -> web.Response:
    """The public decision log of a process."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    decisions = await decision_log(node.participation_services, process)
    return render(
        request,
        "process_decisions.html",
        decisions=decisions,
        names=await names_of(node, {d["actor"] for d in decisions}),
        **_common(request, process),
    )


async def decisions_json(request: web.Request) -> web.Response:
    """The decision log as JSON."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    return _json(
        {
            "process": process.uri,
            "decisions": await decision_log(node.participation_services, process),
        }
    )


async def export_json(request: web.Request) -> web.Response:
    """The open-data export of a process as JSON."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    return _json(await export_document(node.participation_services, process))


async def export_csv_route(request: web.Request) -> web.Response:
    """The proposals of a process as CSV."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    return web.Response(
        text=export_csv(await proposal_rows(node.participation_services, process)),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{process.slug}.csv"'},
    )


def _json(document: dict[str, object]) -> web.Response:
    return web.Response(
        text=json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json",
        charset="utf-8",
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def proposal_of_page(request: web.Request) -> tuple[ObjectRecord, Proposal]:
    """The proposal a ``/proposals/{row_id}`` address is about."""
    node = request.app[NODE]
    try:
        row_id = int(request.match_info["row_id"])
    except ValueError as exc:
        raise NotFound("no such proposal", code="proposal_unknown") from exc
    record = await node.objects.record_by_row_id(row_id)
    proposal = await node.participation_store.get_proposal(record.uri) if record else None
    if record is None or proposal is None or record.deleted_at is not None:
        raise NotFound("no such proposal", code="proposal_unknown")
    return record, proposal


async def proposal_page(request: web.Request) -> web.Response:
    """A proposal: its text, status trail, the official response apart, then the comments."""
    return await render_proposal_page(request)


# What the proposal page confirms after a form of it did its work (``?done=`` the form).
DONE = {
    "proposed": N_(
        "Your proposal has been submitted. Others can support it and comment on it now; its"
        " status shows here."
    ),
    "support": N_("Your support has been counted."),
    "withdraw": N_("Your support has been withdrawn."),
    "comment": N_("Your comment has been placed under Comments."),
    "official": N_("Your official response has been placed."),
    "report": N_(
        "Thank you. Your report is with the moderators. They will look at it and decide what"
        " happens; who reported is never named."
    ),
}


def _done_message(request: web.Request) -> str | None:
    done = DONE.get(request.query.get("done", ""))
    return page_translator(request)(done) if done else None


async def render_proposal_page(
    request: web.Request, form: FormState | None = None, status: int = 200
) -> web.Response:
    """The proposal page, with a refused form (support, comment, official response) shown
    again with its reason."""
    node = request.app[NODE]
    record, proposal = await proposal_of_page(request)
    process = await node.participation_store.get_process(proposal.process_uri)
    assert process is not None
    trail = await node.participation_store.status_trail(proposal.uri)
    responses = []
    for official in await node.participation_store.official_responses(proposal.uri):
        answer = await node.objects.record(official.response_uri)
        if answer is not None and answer.deleted_at is None:
            responses.append(answer)
    comments = await comments_of(node.participation_services, proposal.uri)
    people = {proposal.author, *(c.actor for c in trail)}
    people |= {r.attributed_to for r in responses if r.attributed_to}
    people |= {c.attributed_to for c, _, _ in comments if c.attributed_to}
    account = await current_account(request)
    supported = account is not None and (
        await node.participation_store.support_activity(proposal.uri, account.actor_uri) is not None
    )
    images, images_elsewhere = post_images(record, node.urls.base)
    merged_into = await _merged_into(node, proposal)
    shown_map = _place_map(node.config.look.map_tiles, record.document.get("location"))
    response = render(
        request,
        "proposal.html",
        status=status,
        account=account,
        form=form or FormState(""),
        supported=supported,
        support_open=process.current_phase in SUPPORT_PHASES,
        may_answer=node.config.kind == "municipality"
        and account is not None
        and account.role in ANSWERING_ROLES,
        organisation=await node.organisation(),
        page=f"/proposals/{record.row_id}",
        done=_done_message(request),
        proposal=proposal,
        merged_into=merged_into,
        body=without_status(record.content or "").removeprefix(
            # The bold first line Mastodon readers see is this page's heading already.
            f"<p><strong>{escape(proposal.title)}</strong></p>"
        ),
        post=record,
        trail=trail,
        responses=responses,
        comments=comments,
        supports=await support_count(node.participation_services, process, proposal),
        names=await names_of(node, people),
        process_link=process.uri if not process.local else f"/processes/{process.slug}",
        images=images if not record.hidden_reason else [],
        images_elsewhere=images_elsewhere if not record.hidden_reason else [],
        place_map=shown_map,
        **_common(request, process),
    )
    if shown_map is not None:
        allow_images_from(response, node.config.look.map_tiles)
    return response


async def _merged_into(node: Node, proposal: Proposal) -> tuple[str, str] | None:
    """The page and title of the proposal a merged duplicate points to, when known here."""
    if proposal.merged_into is None:
        return None
    into = await node.participation_store.get_proposal(proposal.merged_into)
    record = await node.objects.record(proposal.merged_into)
    if into is None or record is None:
        return None
    return f"/proposals/{record.row_id}", into.title


def _place_map(tiles: str, place: object) -> PlaceMap | None:
    """The map of a proposal's place, where the node names a tile server and the place
    has coordinates."""
    if not tiles or not isinstance(place, dict):
        return None
    latitude, longitude = place.get("latitude"), place.get("longitude")
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (latitude, longitude)
    ):
        return None
    return place_map(tiles, float(latitude), float(longitude))


def register(app: web.Application) -> None:
    """Add the participation routes."""
    app.router.add_get("/processes", process_list)
    app.router.add_get("/processes/{slug}", process_page)
    app.router.add_get("/processes/{slug}/decisions", decisions_page)
    app.router.add_get("/processes/{slug}/decisions.json", decisions_json)
    app.router.add_get("/processes/{slug}/export.json", export_json)
    app.router.add_get("/processes/{slug}/export.csv", export_csv_route)
    app.router.add_get("/proposals/{row_id}", proposal_page)
