"""The public moderation log (``/moderation`` and ``/moderation.json``) and the
moderator queue (``/moderation/queue``, for moderators only), where moderators act
on each report through the same functions the CLI uses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiohttp import web

from federation.actors import host_of
from federation.errors import NotFound, Refusal, Refused
from moderation.log import LogEntry, public_entry
from node import moderator_actions
from node.moderator_actions import STAFF_ROLES, Acting, acting_as, describe
from node.moderator_services import ModeratorServices
from node.node import Node
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.pages import render
from node.web.participation_pages import names_of
from node.web.refusals import http_status, page_reason
from node.web.sessions import posted_form, require_account

LOG_LENGTH = 200
QUEUE = "/moderation/queue"


async def moderation_log_page(request: web.Request) -> web.Response:
    """Every moderation decision of this node: what, about what, why, by which role."""
    node = request.app[NODE]
    return render(
        request,
        "moderation_log.html",
        entries=await node.moderation_store.log_entries(LOG_LENGTH),
        mode=await node.moderation_store.federation_mode(),
    )


async def moderation_log_json(request: web.Request) -> web.Response:
    """The moderation log as JSON, for other nodes and for open data."""
    node = request.app[NODE]
    entries = await node.moderation_store.log_entries(LOG_LENGTH)
    return web.json_response(
        {
            "node": node.urls.base,
            "federation_mode": await node.moderation_store.federation_mode(),
            "entries": [public_entry(e) for e in entries],
        },
        headers={"Access-Control-Allow-Origin": "*"},
    )


StaffPage = Callable[[web.Request, str, FormState, int, str], Awaitable[web.Response]]


async def _staff_page(
    request: web.Request, render_page: StaffPage, actions: Collection[str]
) -> web.Response:
    """A page for this node's moderators only, with the confirmation of ``?done=`` when it
    names one of its ``actions``."""
    moderator = await require_account(request, STAFF_ROLES)
    done = request.query.get("done", "")
    return await render_page(
        request, moderator.username, FormState(""), 200, done if done in actions else ""
    )


async def moderator_queue(request: web.Request) -> web.Response:
    """``/moderation/queue``: open reports, with what was reported."""
    return await _staff_page(request, _render_queue, ACTIONS)


async def _render_queue(
    request: web.Request, moderator: str, form: FormState, status: int = 200, done: str = ""
) -> web.Response:
    node = request.app[NODE]
    reports = [describe(r) for r in await node.moderation_store.open_reports()]
    per_account = Counter(r["account"] for r in reports)
    history = await node.moderation_store.log_entries(LOG_LENGTH)
    for report in reports:
        report["local"] = await node.actors.is_local(report["account"])
        report["node"] = host_of(report["account"])
        report["posts"] = [await _post_state(node, uri) for uri in report["objects"]]
        # How many people reported this account, never who.
        report["reports_about_account"] = per_account[report["account"]]
        report["earlier"] = await _earlier_decisions(node, history, report["account"])
    names = await names_of(node, {r["account"] for r in reports})
    return render(
        request,
        "moderation_queue.html",
        status=status,
        reports=reports,
        names=names,
        moderator=moderator,
        form=form,
        done=done,
    )


async def _post_state(node: Node, uri: str) -> dict[str, Any]:
    """A reported post as the queue shows it: its text, the process it is in, and whether
    it is gone, hidden (and why) or visible."""
    record = await node.objects.record(uri)
    proposal_uri = await node.participation_store.proposal_of_comment(uri) or uri
    proposal = await node.participation_store.get_proposal(proposal_uri)
    process = await node.participation_store.get_process(proposal.process_uri) if proposal else None
    return {
        "uri": uri,
        "gone": record is None or record.deleted_at is not None,
        "hidden": record.hidden_reason if record else None,
        "content": record.content if record else None,
        "process": process.title if process else None,
    }


async def _earlier_decisions(node: Node, history: list[LogEntry], account: str) -> list[LogEntry]:
    """What the log holds about an account before: measures against it, against its
    posts, and against its node."""
    host = host_of(account)
    earlier = []
    for entry in history:
        if entry.subject == account or (entry.subject_kind == "domain" and entry.subject == host):
            earlier.append(entry)
        elif entry.subject_kind == "object":
            record = await node.objects.record(entry.subject)
            if record is not None and record.attributed_to == account:
                earlier.append(entry)
    return earlier


# (services, acting, report number, subject (a post or the account), reason)
Action = Callable[[ModeratorServices, Acting, int, str, str], Awaitable[None]]
Decision = Callable[[ModeratorServices, Acting, str, str], Awaitable[object]]


def _resolving(act: Decision) -> Action:
    """A decision about the reported post or account, after which the report is resolved."""

    async def run(
        services: ModeratorServices, acting: Acting, report_id: int, subject: str, reason: str
    ) -> None:
        await act(services, acting, subject, reason)
        await moderator_actions.close_report(services, acting, report_id, "resolved")

    return run


async def _restore(services: ModeratorServices, acting: Acting, _: int, uri: str, __: str) -> None:
    # The report stays open: restoring (say, what a rule hid pending review) is not its end.
    await moderator_actions.restore(services, acting, uri)


async def _dismiss(
    services: ModeratorServices, acting: Acting, report_id: int, _: str, __: str
) -> None:
    await moderator_actions.close_report(services, acting, report_id, "dismissed")


def _against_node(severity: str) -> Action:
    """Limit or block the whole node of the reported (remote) account, as
    ``samenspraak federation block`` does; the report is resolved."""

    async def run(
        services: ModeratorServices, acting: Acting, report_id: int, account: str, reason: str
    ) -> None:
        if await services.actors.is_local(account):
            raise Refused(
                "this account is on this node; act on the account instead",
                code="node_block_local",
            )
        await moderator_actions.block_domain(services, acting, host_of(account), severity, reason)
        await moderator_actions.close_report(services, acting, report_id, "resolved")

    return run


ACTIONS: dict[str, Action] = {
    "hide": _resolving(moderator_actions.hide),
    "remove": _resolving(moderator_actions.remove),
    "restore": _restore,
    "warn": _resolving(moderator_actions.warn),
    "silence": _resolving(moderator_actions.silence),
    "suspend": _resolving(moderator_actions.suspend),
    "dismiss": _dismiss,
    "limit-node": _against_node("silence"),
    "block-node": _against_node("suspend"),
}

POST_ACTIONS = frozenset({"hide", "remove", "restore"})


async def act_on_report(request: web.Request) -> web.StreamResponse:
    """``POST /moderation/queue/{report}``: a moderator's decision on a report; it lands
    in the public log like the CLI's, and a refusal shows the queue with its reason."""
    node = request.app[NODE]
    account, form = await posted_form(request, STAFF_ROLES)
    state = FormState(
        "report-" + request.match_info["report"],
        {name: str(form.get(name, "")).strip() for name in ("action", "object", "reason")},
    )
    report_id = int(request.match_info["report"])
    report = await node.moderation_store.report(report_id)
    if report is None:
        raise NotFound("There is no such report.", code="report_unknown")
    try:
        action = ACTIONS.get(state.value("action"))
        if action is None:
            raise Refused(
                f"choose one of: {', '.join(ACTIONS)}",
                code="setting_choice",
                values={"choices": ", ".join(ACTIONS)},
            )
        subject = report.target_account
        if state.value("action") in POST_ACTIONS:
            subject = state.value("object")
            if subject not in report.object_ids:
                raise Refused("that post is not part of this report", code="report_post_unknown")
        actor = await node.actors.by_uri(account.actor_uri)
        assert actor is not None, "every account has its actor"
        acting = await acting_as(node.moderator_services, actor)
        await action(node.moderator_services, acting, report_id, subject, state.value("reason"))
    except Refusal as exc:
        state.refusal = page_reason(request, exc)
        return await _render_queue(request, account.username, state, http_status(exc))
    raise web.HTTPSeeOther(f"{QUEUE}?done={state.value('action')}")


FEDERATION = "/moderation/federation"


async def federation_page(request: web.Request) -> web.Response:
    """``/moderation/federation``: the node's federation policy and its rules per node,
    with the forms that change them."""
    return await _staff_page(request, _render_federation, POLICY_ACTIONS)


async def _render_federation(
    request: web.Request, moderator: str, form: FormState, status: int = 200, done: str = ""
) -> web.Response:
    node = request.app[NODE]
    return render(
        request,
        "moderation_federation.html",
        status=status,
        moderator=moderator,
        mode=await node.moderation_store.federation_mode(),
        rules=await node.moderation_store.domain_rules(),
        form=form,
        done=done,
    )


async def _mode(services: ModeratorServices, acting: Acting, values: dict[str, str]) -> None:
    await moderator_actions.set_mode(services, acting, values["mode"], values["reason"])


async def _block(services: ModeratorServices, acting: Acting, values: dict[str, str]) -> None:
    await moderator_actions.block_domain(
        services, acting, values["domain"], values["severity"], values["reason"]
    )


async def _allow(services: ModeratorServices, acting: Acting, values: dict[str, str]) -> None:
    await moderator_actions.allow_domain(services, acting, values["domain"], values["reason"])


async def _unblock(services: ModeratorServices, acting: Acting, values: dict[str, str]) -> None:
    await moderator_actions.unblock_domain(services, acting, values["domain"], values["reason"])


PolicyAction = Callable[[ModeratorServices, Acting, dict[str, str]], Awaitable[None]]
POLICY_ACTIONS: dict[str, PolicyAction] = {
    "mode": _mode,
    "block": _block,
    "allow": _allow,
    "unblock": _unblock,
}


async def change_federation(request: web.Request) -> web.StreamResponse:
    """``POST /moderation/federation``: change the mode, or block, allow or release a node;
    each change lands in the public log as the CLI's does, and a refusal shows the page
    with its reason and what was typed."""
    node = request.app[NODE]
    account, form = await posted_form(request, STAFF_ROLES)
    values = {
        name: str(form.get(name, "")).strip()
        for name in ("action", "mode", "domain", "severity", "reason")
    }
    state = FormState(values["action"], values)
    try:
        action = POLICY_ACTIONS.get(values["action"])
        if action is None:
            raise Refused(
                f"choose one of: {', '.join(POLICY_ACTIONS)}",
                code="setting_choice",
                values={"choices": ", ".join(POLICY_ACTIONS)},
            )
        actor = await node.actors.by_uri(account.actor_uri)
        assert actor is not None, "every account has its actor"
        await action(
            node.moderator_services, await acting_as(node.moderator_services, actor), values
        )
    except Refusal as exc:
        state.refusal = page_reason(request, exc)
        return await _render_federation(request, account.username, state, http_status(exc))
    raise web.HTTPSeeOther(f"{FEDERATION}?done={values['action']}")


def register(app: web.Application) -> None:
    """Add the moderation routes."""
    app.router.add_get("/moderation", moderation_log_page)
    app.router.add_get("/moderation.json", moderation_log_json)
    app.router.add_get(QUEUE, moderator_queue)
    app.router.add_post(QUEUE + r"/{report:\d+}", act_on_report)
    app.router.add_get(FEDERATION, federation_page)
    app.router.add_post(FEDERATION, change_federation)
