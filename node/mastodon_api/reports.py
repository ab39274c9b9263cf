"""Reports: ``POST /api/v1/reports``, a resident telling the moderators about an
account and some of its posts, as Mastodon apps send it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.errors import Invalid, NotFound
from node.mastodon_api.auth import require_caller
from node.mastodon_api.common import visible_record, writer
from node.mastodon_api.params import Params
from node.mastodon_api.serializers import api_time
from node.mastodon_api.state import CLIENT_API
from node.moderator_actions import file_report
from node.web.app import NODE

CATEGORIES = ("spam", "legal", "violation", "other")


def _category(params: Params, rule_count: int) -> tuple[str, list[str]]:
    """Mastodon's category (``violation`` when rules are named, ``other`` by default) and
    the node's rules named (their ids in GET /api/v1/instance/rules)."""
    rule_ids = params.texts("rule_ids")
    category = params.text("category") or ("violation" if rule_ids else "other")
    if category not in CATEGORIES:
        raise Invalid(f"Validation failed: Category must be one of {', '.join(CATEGORIES)}")
    if category != "violation":
        return category, []
    known = {str(number) for number in range(1, rule_count + 1)}
    if not set(rule_ids) <= known:
        raise Invalid("Validation failed: Rule ids do not exist on this server")
    return category, list(dict.fromkeys(rule_ids))


async def create(request: web.Request) -> web.Response:
    """``POST /api/v1/reports``: file a report; answer with the Report entity."""
    caller = await require_caller(request, "write:reports")
    node = request.app[NODE]
    params = await Params.of(request)
    account_id = params.text("account_id") or ""
    target = (
        await request.app[CLIENT_API].account_ids.uri_for(int(account_id))
        if account_id.isdigit()
        else None
    )
    if target is None:
        raise NotFound("Record not found")
    category, rule_ids = _category(params, len(node.config.rules))
    statuses = [
        await visible_record(request, caller, int(s) if s.isdigit() else 0)
        for s in params.texts("status_ids")
    ]
    filed = await file_report(
        node.moderator_services,
        caller.actor,
        target,
        [s.uri for s in statuses],
        params.text("comment") or "",
        forward=params.flag("forward"),
    )
    entity: dict[str, Any] = {
        "id": str(filed.id),
        "action_taken": False,
        "action_taken_at": None,
        "category": category,
        "comment": filed.comment,
        "forwarded": filed.uri is not None,
        "created_at": api_time(filed.created_at),
        "status_ids": [str(s.row_id) for s in statuses],
        "rule_ids": rule_ids,
        "target_account": await writer(request, caller).account(target),
    }
    return web.json_response(entity)


def register(app: web.Application) -> None:
    """Add the report route (Mastodon.py posts to it with a trailing slash)."""
    app.router.add_post("/api/v1/reports", create)
    app.router.add_post("/api/v1/reports/", create)
