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
    updated = await request.app[NODE].objects.record(record.uri)
    return web.json_response(await entities.poll(updated or record))


def register(app: web.Application) -> None:
    """Add the poll routes."""
    app.router.add_get("/api/v1/polls/{id}", show)
    app.router.add_post("/api/v1/polls/{id}/votes", vote)
