"""``/me``: a resident's own page. Their proposals and where each stands, the proposals
they support, every vote and ballot they cast (counted or refused, with its receipt,
never what they chose) and their notifications, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from node.i18n import N_
from node.node import Node
from node.participation.models import Process, Proposal
from node.participation.openings_elsewhere import OPENED_NOTIFICATION
from node.participation.own_acts import support_shown, votes_cast
from node.participation.processes import page_name
from node.storage.notifications import Notification
from node.storage.paging import PageRequest
from node.web.app import NODE
from node.web.pages import render
from node.web.participation_pages import names_of
from node.web.sessions import note_mail_language, require_account

NOTIFICATIONS_PER_PAGE = 20
# What each kind of notification says, with the name of who did it.
NOTIFICATION_TEXT = {
    "follow": N_("%(name)s follows you."),
    "mention": N_("%(name)s mentioned you."),
    "favourite": N_("%(name)s liked your post."),
    "reblog": N_("%(name)s shared your post."),
    "update": N_("%(name)s changed something you took part in."),
    "poll": N_("A vote you took part in has closed: see the result."),
}


@dataclass(frozen=True)
class OwnProposal:
    """A proposal on the resident's page: where it is, and its supports as counted."""

    proposal: Proposal
    process: Process | None
    page: str
    supports: int


@dataclass(frozen=True)
class ShownNotification:
    """A notification with the page it is about."""

    notification: Notification
    text: str
    page: str | None


async def own_page(request: web.Request) -> web.Response:
    """``GET /me`` (``?before=ID`` for older notifications)."""
    node = request.app[NODE]
    account = await require_account(request)
    await note_mail_language(request, account)
    me = account.actor_uri
    services = node.participation_services
    before = request.query.get("before", "")
    notifications = await services.notifications.page(
        me,
        PageRequest(
            max_id=int(before) if before.isdigit() else None, limit=NOTIFICATIONS_PER_PAGE + 1
        ),
    )
    older = len(notifications) > NOTIFICATIONS_PER_PAGE
    notifications = notifications[:NOTIFICATIONS_PER_PAGE]
    names = await names_of(node, {n.actor for n in notifications})
    return render(
        request,
        "own_page.html",
        account=account,
        proposals=[await _own(node, p, me) for p in await services.store.proposals_by(me)],
        supported=[await _own(node, p, me) for p in await services.store.supported_by(me)],
        votes=await votes_cast(services, me),
        verified=await node.residents.get(me),
        sign_ups=await services.draws.sign_ups_of(me),
        # An account made organiser of some processes only runs them on /organise too.
        organises=account.role in ("organiser", "admin")
        or bool(await node.accounts.organised_processes(account.actor_id)),
        notifications=[await _shown(node, n) for n in notifications],
        names=names,
        older=notifications[-1].id if older else None,
        process_page=lambda process: f"/processes/{page_name(process)}",
    )


async def _proposal_page(node: Node, uri: str) -> str | None:
    record = await node.objects.record(uri)
    return f"/proposals/{record.row_id}" if record else None


async def _own(node: Node, proposal: Proposal, me: str) -> OwnProposal:
    services = node.participation_services
    return OwnProposal(
        proposal,
        await services.store.get_process(proposal.process_uri),
        await _proposal_page(node, proposal.uri) or proposal.uri,
        (await support_shown(services, proposal, me)).count,
    )


async def _shown(node: Node, notification: Notification) -> ShownNotification:
    if notification.type == OPENED_NOTIFICATION:
        opened = await _opened_elsewhere(node, notification)
        if opened is not None:
            return opened
    page = None
    question = await node.votes.question(notification.object) if notification.object else None
    process = await node.participation_store.get_process(question.process_uri) if question else None
    if process is not None:
        page = f"/processes/{page_name(process)}/results"
    elif notification.object:
        proposal = await node.participation_store.get_proposal(notification.object)
        page = await _proposal_page(node, notification.object) if proposal else None
        page = page or notification.object
    text = NOTIFICATION_TEXT.get(notification.type, N_("%(name)s did something concerning you."))
    return ShownNotification(notification, text, page)


async def _opened_elsewhere(node: Node, notification: Notification) -> ShownNotification | None:
    """A vote or budget ballot opened in a followed process of another node: voted from
    the polls page here, or from the process's page."""
    process = await node.participation_store.get_process(notification.actor)
    if process is None:
        return None
    if notification.object == process.uri:
        text = N_("%(name)s has opened its budget ballot: you can vote now.")
        return ShownNotification(notification, text, f"/processes/{page_name(process)}")
    return ShownNotification(
        notification, N_("%(name)s has opened a vote: you can vote now."), "/votes"
    )


def register(app: web.Application) -> None:
    """Add the resident's own page."""
    app.router.add_get("/me", own_page)
