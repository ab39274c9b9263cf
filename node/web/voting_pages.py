"""Pages and open data of votes and budget ballots (results, recount exports, casting),
and the page where residents confirm their address with a letter code.

The recount exports hold counts only, never who voted: per option for a
vote, per proposal (with its cost) for a budget. Rerunning ``tally.py`` on
them gives the published result.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from federation.errors import NotFound, Refusal
from node.i18n import N_
from node.node import Node
from node.participation.ballots import (
    budget_allocations,
    budget_servers,
    cast_ballot,
    counted_ballot_receipts,
)
from node.participation.ballots import receipts_url as budget_receipts_url
from node.participation.ballots import recount_url as budget_recount_url
from node.participation.models import Process, Question
from node.participation.processes import local_process, page_name, shown_process
from node.participation.receipts import receipt_hash
from node.participation.remote_ballots import remote_ballot, send_remote_ballot, sent_ballot
from node.participation.sortition import published_draw
from node.participation.tally import SMALLEST_NAMED_SERVER, BallotEntry
from node.participation.verification import MAX_ACCOUNTS_PER_ADDRESS, verify_by_letter_code
from node.participation.voting import (
    cast_vote,
    counted_receipts,
    current_tally,
    known_questions,
    question_servers,
)
from node.participation.voting import receipts_url as question_receipts_url
from node.participation.voting import recount_url as question_recount_url
from node.storage.accounts import Account
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason, reason_for_people, refuse_form
from node.web.sessions import posted_form, require_account


def _csv(rows: list[list[Any]]) -> web.Response:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return web.Response(
        text=buffer.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def _question(node: Node, object_id: str) -> Question:
    question = await node.votes.question(f"{node.urls.base}/objects/{object_id}")
    if question is None:
        raise NotFound("no vote with that id on this node", code="vote_unknown")
    return question


async def question_tallies_csv(request: web.Request) -> web.Response:
    """``<question>/tallies.csv``: votes per option, for anyone to recount."""
    node = request.app[NODE]
    question = await _question(node, request.match_info["object_id"])
    tally = await current_tally(node.participation_services, question)
    rows: list[list[Any]] = [["question", "proposal", "option", "votes", "closed_at"]]
    rows += [
        [question.uri, question.proposal_uri, t.option, t.count, question.closed_at or ""]
        for t in tally.tallies
    ]
    return _csv(rows)


def _receipts_collection(url: str, hashes: list[str]) -> web.Response:
    document = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": url,
        "type": "OrderedCollection",
        "summary": "SHA-256 of the receipt code of each counted vote (capitals, no dashes)",
        "totalItems": len(hashes),
        "orderedItems": hashes,
    }
    return web.json_response(
        document,
        content_type="application/activity+json",
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def question_receipts(request: web.Request) -> web.Response:
    """``<question>/receipts``: the receipt hashes of a closed vote's counted votes."""
    node = request.app[NODE]
    question = await _question(node, request.match_info["object_id"])
    hashes = await counted_receipts(node.participation_services, question)
    return _receipts_collection(question_receipts_url(question), hashes)


async def budget_receipts(request: web.Request) -> web.Response:
    """``<process>/receipts``: the receipt hashes of a closed budget ballot's ballots."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["username"])
    hashes = await counted_ballot_receipts(node.participation_services, process)
    return _receipts_collection(budget_receipts_url(process), hashes)


async def panel_draw_json(request: web.Request) -> web.Response:
    """``<process>/draws/<n>``: a panel draw with all it takes to recompute it."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["username"])
    uri = f"{process.uri}/draws/{request.match_info['number']}"
    document = await published_draw(node.participation_services, uri)
    return web.json_response(document, headers={"Access-Control-Allow-Origin": "*"})


async def budget_result_csv(request: web.Request) -> web.Response:
    """``<process>/budget-result.csv``: ballots per proposal with cost and whether it was
    funded, published once the ballot has closed."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["username"])
    budget_round = await node.ballots.budget_round(process.uri)
    if process.budget is None or budget_round is None or budget_round.closed_at is None:
        raise NotFound(f"{process.title} has no closed budget ballot yet")
    allocations, _ = await budget_allocations(node.participation_services, process)
    titles = {p.uri: p.title for p in await node.participation_store.proposals_of(process.uri)}
    rows: list[list[Any]] = [["proposal", "title", "cost", "currency", "votes", "selected"]]
    rows += [
        [
            a.proposal,
            titles.get(a.proposal, ""),
            f"{a.cost:.2f}",
            process.budget.currency,
            a.votes,
            "yes" if a.selected else "no",
        ]
        for a in allocations
    ]
    return _csv(rows)


async def _results(node: Node, process: Process) -> dict[str, Any]:
    titles = {p.uri: p.title for p in await node.participation_store.proposals_of(process.uri)}
    votes = []
    for question in await node.votes.questions_of(process.uri):
        tally = await current_tally(node.participation_services, question)
        votes.append(
            {
                "question": question,
                "title": titles.get(question.proposal_uri, question.proposal_uri),
                "tally": tally,
                "servers": await question_servers(node.participation_services, question, process),
                "recount": question_recount_url(question),
                "receipts": await _published_receipts(
                    question.closed_at,
                    question_receipts_url(question),
                    node.votes.receipt_hashes,
                    question.uri,
                ),
            }
        )
    budget: dict[str, Any] | None = None
    budget_round = await node.ballots.budget_round(process.uri)
    if process.budget is not None and budget_round is not None:
        closed = budget_round.closed_at is not None
        allocations, voters = await budget_allocations(node.participation_services, process)
        budget = {
            "round": budget_round,
            "closed": closed,
            "currency": process.budget.currency,
            "voters": voters,
            "allocations": [
                {
                    "title": titles.get(a.proposal, a.proposal),
                    "cost": a.cost,
                    "votes": a.votes,
                    "selected": a.selected,
                }
                for a in allocations
            ]
            if closed
            else [],
            "servers": await budget_servers(node.participation_services, process)
            if closed
            else None,
            "choices": [
                {"key": a.proposal, "label": titles.get(a.proposal, a.proposal)}
                for a in allocations
            ],
            "recount": budget_recount_url(process),
            "receipts": await _published_receipts(
                budget_round.closed_at,
                budget_receipts_url(process),
                node.ballots.receipt_hashes,
                process.uri,
            ),
        }
    return {"votes": votes, "budget": budget, "smallest_named": SMALLEST_NAMED_SERVER}


async def _published_receipts(
    closed_at: str | None,
    url: str,
    hashes_of: Callable[[str], Awaitable[list[str]]],
    subject: str,
) -> dict[str, Any] | None:
    """The published receipts of a closed vote or ballot (where, the hashes); None while
    it is open."""
    if closed_at is None:
        return None
    return {"url": url, "hashes": frozenset(await hashes_of(subject))}


def _receipt_found(results: dict[str, Any], code: str) -> tuple[str, bool]:
    """Whether a receipt code is among the published hashes of a process's results, and
    its hash (shown so the visitor can look it up in the published list too)."""
    hashed = receipt_hash(code)
    published = [vote["receipts"] for vote in results["votes"]]
    if results["budget"] is not None:
        published.append(results["budget"]["receipts"])
    return hashed, any(r is not None and hashed in r["hashes"] for r in published)


async def results_page(request: web.Request) -> web.Response:
    """``/processes/{slug}/results``: tallies of every vote and the budget result."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    results = await _results(node, process)
    code = request.query.get("receipt", "").strip()
    lookup = None
    if code:
        hashed, found = _receipt_found(results, code)
        lookup = {"code": code, "hash": hashed, "found": found}
    return render(request, "voting_results.html", process=process, lookup=lookup, **results)


async def vote_page(request: web.Request) -> web.Response:
    """``/processes/{slug}/vote``: the open votes of a process, with the account's choices;
    for a process of another node (``slug@host``) its open budget ballot, sent there."""
    node = request.app[NODE]
    process = await shown_process(node.participation_services, request.match_info["slug"])
    account = await require_account(request)
    return await _render_vote_page(request, node, process, account)


async def _render_vote_page(
    request: web.Request,
    node: Node,
    process: Process,
    account: Account,
    form: FormState | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    """The vote page; ``form`` a refused vote or ballot with its reason (a refused ballot
    shows the picks as the resident ticked them), ``done`` the confirmation of one cast."""
    form = form or FormState("")
    store = node.votes
    titles = {p.uri: p.title for p in await node.participation_store.proposals_of(process.uri)}
    # The polls of a process elsewhere are voted on /votes, with every other poll.
    questions = [
        {
            "question": q,
            "title": titles.get(q.proposal_uri, q.proposal_uri),
            "mine": await store.vote_of(q.uri, account.actor_uri),
            "receipt": await node.participation_services.receipts.latest(account.actor_uri, q.uri),
        }
        for q in (await store.questions_of(process.uri) if process.local else [])
    ]
    ballot = (
        await _ballot(node, process, account, titles, form)
        if process.local
        else await _remote_ballot(node, process, account, titles, form)
    )
    return render(
        request,
        "voting_vote.html",
        status=status,
        process=process,
        page_name=page_name(process),
        questions=questions,
        ballot=ballot,
        account=account,
        verified=await node.residents.get(account.actor_uri),
        eligibility_problem=reason_for_people(
            request, await node.participation_services.eligibility(process, account.actor_uri)
        ),
        form=form,
        done=done,
    )


async def _proposal_page(node: Node, uri: str) -> str:
    record = await node.objects.record(uri)
    return f"{node.urls.base}/proposals/{record.row_id}" if record else uri


async def _ballot(
    node: Node, process: Process, account: Account, titles: dict[str, str], form: FormState
) -> dict[str, Any] | None:
    store = node.ballots
    budget_round = await store.budget_round(process.uri)
    if process.budget is None or budget_round is None:
        return None
    if form.name == "ballot":
        picked = set(form.value("picks").split())
    else:
        picked = set(await store.picks_of(process.uri, account.actor_uri))
    return await _ballot_form(
        node,
        process,
        await store.entries(process.uri),
        picked,
        titles,
        closed=budget_round.refusal() is not None,
        receipt=await node.participation_services.receipts.latest(account.actor_uri, process.uri),
        sent=None,
    )


async def _remote_ballot(
    node: Node, process: Process, account: Account, titles: dict[str, str], form: FormState
) -> dict[str, Any] | None:
    """The open budget ballot of a process elsewhere, with the last ballot sent to it and
    what became of it (sent, counted with its receipt, refused with the reason)."""
    services = node.participation_services
    ballot = await remote_ballot(services, process)
    if ballot is None:
        return None
    sent = await sent_ballot(services, account.actor_uri, process.uri)
    if form.name == "ballot":
        picked = set(form.value("picks").split())
    else:
        picked = set(sent.picks) if sent else set()
    # Proposals fetched just now for the ballot have their titles since.
    titles |= {p.uri: p.title for p in await node.participation_store.proposals_of(process.uri)}
    return await _ballot_form(
        node,
        process,
        list(ballot.entries),
        picked,
        titles,
        closed=not ballot.open,
        receipt=sent.receipt if sent else None,
        sent=sent,
    )


async def _ballot_form(
    node: Node,
    process: Process,
    entries: list[BallotEntry],
    picked: set[str],
    titles: dict[str, str],
    **more: Any,
) -> dict[str, Any]:
    """What the ballot form shows: the entries with the resident's picks, the budget and
    what the picks cost together."""
    assert process.budget is not None
    total = sum(e.cost for e in entries if e.proposal in picked)
    return {
        **more,
        "budget": process.budget.amount,
        "currency": process.budget.currency,
        # What the ticked projects cost together, as the page opens; the ballot's small
        # script (static/ballot.js) keeps it current as the resident ticks.
        "total": total,
        "left": process.budget.amount - total,
        "entries": [
            {
                "proposal": e.proposal,
                "title": titles.get(e.proposal, e.proposal),
                "page": await _proposal_page(node, e.proposal),
                "cost": e.cost,
                "picked": e.proposal in picked,
            }
            for e in entries
        ],
    }


async def vote_submit(request: web.Request) -> web.Response:
    """A vote cast on the page; a refusal is shown with its reason and stores nothing."""
    node = request.app[NODE]
    process = await local_process(node.participation_services, request.match_info["slug"])
    account, form = await posted_form(request)
    actor = await node.actors.by_uri(account.actor_uri)
    assert actor is not None
    try:
        await cast_vote(
            node.participation_services,
            actor,
            str(form.get("question", "")),
            str(form.get("option", "")),
        )
    except Refusal as exc:
        state = FormState("vote")
        refuse_form(request, state, exc)
        return await _render_vote_page(
            request, node, process, account, state, None, http_status(exc)
        )
    done = page_translator(request)(N_("Your vote has been counted."))
    return await _render_vote_page(request, node, process, account, done=done)


async def ballot_submit(request: web.Request) -> web.Response:
    """A budget ballot cast on the page, or sent to the process's node when it is
    elsewhere; a refusal (from here) is shown with its reason."""
    node = request.app[NODE]
    process = await shown_process(node.participation_services, request.match_info["slug"])
    account, form = await posted_form(request)
    actor = await node.actors.by_uri(account.actor_uri)
    assert actor is not None
    picks = [str(p) for p in form.getall("pick", [])]
    try:
        if process.local:
            await cast_ballot(node.participation_services, actor, process.uri, picks)
        else:
            await send_remote_ballot(node.participation_services, actor, process, picks)
    except Refusal as exc:
        state = FormState("ballot", {"picks": " ".join(picks)})
        refuse_form(request, state, exc)
        return await _render_vote_page(
            request, node, process, account, state, None, http_status(exc)
        )
    done = page_translator(request)(
        N_("Your ballot has been counted.") if process.local else N_("Your ballot has been sent.")
    )
    return await _render_vote_page(request, node, process, account, done=done)


async def verification_page(request: web.Request) -> web.Response:
    """``/verify``: whether the logged-in account is a verified resident, and how to become one."""
    node = request.app[NODE]
    account = await require_account(request)
    return await _render_verification(request, node, account)


async def _render_verification(
    request: web.Request,
    node: Node,
    account: Account,
    form: FormState | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    return render(
        request,
        "verification.html",
        status=status,
        account=account,
        residency=await node.residents.get(account.actor_uri),
        per_address=MAX_ACCOUNTS_PER_ADDRESS,
        form=form or FormState(""),
        done=done,
    )


async def verification_submit(request: web.Request) -> web.Response:
    """A letter code typed in by its resident; a wrong or used code is refused with why."""
    node = request.app[NODE]
    account, form = await posted_form(request)
    code = str(form.get("code", ""))
    try:
        await verify_by_letter_code(node.participation_services, account.username, code)
    except Refusal as exc:
        # The code is what was wrong: the field says so, and the summary links to it.
        state = FormState("verify", {"code": code}, {"code": page_reason(request, exc)})
        return await _render_verification(request, node, account, state, None, http_status(exc))
    done = page_translator(request)(N_("You are confirmed as a resident."))
    return await _render_verification(request, node, account, done=done)


async def votes_page(request: web.Request) -> web.Response:
    """``/votes``: every poll this node knows, here or on other nodes, to vote from home."""
    node = request.app[NODE]
    account = await require_account(request)
    return await _render_votes(request, node, account, None)


async def _render_votes(
    request: web.Request, node: Node, account: Account, message: str | None, status: int = 200
) -> web.Response:
    local_votes = node.votes
    sent = node.participation_services.sent_votes
    polls = []
    for known in await known_questions(node.participation_services):
        receipts = node.participation_services.receipts
        if known.local:
            mine = await local_votes.vote_of(known.uri, account.actor_uri)
            state, reason = ("counted" if mine else None), None
            receipt = await receipts.latest(account.actor_uri, known.uri)
        else:
            latest = await sent.latest(account.actor_uri, known.uri)
            mine = latest["choice"] if latest else None
            state = latest["state"] if latest else None
            reason = latest["reason"] if latest else None
            # Only the last vote sent counts: an earlier vote's receipt is void.
            receipt = await receipts.of_vote(latest["activity_object"]) if latest else None
            if state == "sent" and receipt is not None:
                # The process's node answered with a receipt: it counted the vote.
                state = "counted"
        polls.append(
            {"poll": known, "mine": mine, "state": state, "reason": reason, "receipt": receipt}
        )
    return render(
        request,
        "voting_polls.html",
        status=status,
        account=account,
        polls=polls,
        verified=await node.residents.get(account.actor_uri),
        message=message,
    )


async def votes_submit(request: web.Request) -> web.Response:
    """A vote on any known poll: counted here, or sent to the process's node as Mastodon
    sends poll votes (a refusal from there shows up on this page with its reason)."""
    node = request.app[NODE]
    account, form = await posted_form(request)
    actor = await node.actors.by_uri(account.actor_uri)
    assert actor is not None
    question = str(form.get("question", ""))
    try:
        await cast_vote(node.participation_services, actor, question, str(form.get("option", "")))
    except Refusal as exc:
        return await _render_votes(
            request, node, account, page_reason(request, exc), http_status(exc)
        )
    local = await node.votes.question(question) is not None
    message = page_translator(request)(
        N_("Your vote has been counted.")
        if local
        else N_("Your vote has been sent to the process.")
    )
    return await _render_votes(request, node, account, message)


def register(app: web.Application) -> None:
    """Add the voting pages and exports."""
    app.router.add_get("/objects/{object_id}/tallies.csv", question_tallies_csv)
    app.router.add_get("/actors/{username}/budget-result.csv", budget_result_csv)
    app.router.add_get("/objects/{object_id}/receipts", question_receipts)
    app.router.add_get("/actors/{username}/receipts", budget_receipts)
    app.router.add_get("/actors/{username}/draws/{number}", panel_draw_json)
    app.router.add_get("/processes/{slug}/results", results_page)
    app.router.add_get("/processes/{slug}/vote", vote_page)
    app.router.add_post("/processes/{slug}/vote", vote_submit)
    app.router.add_post("/processes/{slug}/ballot", ballot_submit)
    app.router.add_get("/votes", votes_page)
    app.router.add_post("/votes", votes_submit)
    app.router.add_get("/verify", verification_page)
    app.router.add_post("/verify", verification_submit)
