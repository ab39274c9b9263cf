"""Polls: a process's vote on a proposal, shown and voted on as a Mastodon poll."""

from __future__ import annotations

from aiohttp import web

from federation.errors import Invalid, NotFound
from node.mastodon_api.auth import optional_caller, require_caller
from node.mastodon_api.common import visible_record, writer
from node.mastodon_api.params import Params
from node.participation.voting import cast_vote
from node.web.app import NODE


async def show(request: web.Request) -> web.Response:
    """``GET /api/v1/polls/:id`` (a poll's id is its status's id)."""
    caller = await optional_caller(request)
    record = await visible_record(request, caller)
    if record.as_type != "Question":
        raise NotFound("Record not found")
    return web.json_response(await writer(request, caller).poll(record))


async def vote(request: web.Request) -> web.Response:
    """``POST /api/v1/polls/:id/votes`` with ``choices[]``: one vote per person, counted by
    the process's node, which may refuse it (422 with its reason)."""
    caller = await require_caller(request, "write:statuses")
    record = await visible_record(request, caller)
    if record.as_type != "Question":
        raise NotFound("Record not found")
    entities = writer(request, caller)
    options = (await entities.poll(record))["options"]
    choices = (await Params.of(request)).texts("choices")
    if len(choices) != 1 or not choices[0].isdigit() or int(choices[0]) >= len(options):
        raise Invalid(
            f"Validation failed: choose exactly one option, numbered 0 to {len(options) - 1}"
        )
    await cast_vote(
        request.app[NODE].participation_services,
        caller.actor,
        record.uri,
        options[int(choices[0])]["title"],
    )
    node = request.app[NODE]
    updated = await node.objects.record(record.uri)
    poll = await entities.poll(updated or record)
    # Beyond Mastodon's Poll: the receipt of a vote counted here (a vote sent to another
    # node gets its receipt later, shown on the /votes page).
    receipt = None
    if await node.votes.question(record.uri) is not None:
        receipt = await node.participation_services.receipts.latest(caller.actor.uri, record.uri)
    return web.json_response({**poll, "receipt": receipt} if receipt else poll)


def register(app: web.Application) -> None:
    """Add the poll routes."""
    app.router.add_get("/api/v1/polls/{id}", show)
    app.router.add_post("/api/v1/polls/{id}/votes", vote)
