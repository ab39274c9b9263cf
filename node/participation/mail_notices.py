"""Notification e-mails residents asked for: a proposal of theirs changed status or got an
official response, or a vote or budget ballot opened in a process they follow; and the
mail that confirms their address.

Each mail is written in its reader's language and queued in the transaction of the
event it tells of (``node/storage/mail.py``); the periodic jobs send it afterwards
(``node/mail.py``). Only a confirmed address that asked for the kind gets one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from node.i18n import N_, STATUS_LABELS, labels, readable_moment, translator
from node.participation.models import Process, Proposal, StatusChange
from node.participation.processes import page_name
from node.storage.mail import Subscriber
from node.storage.signups import Signup

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

# How long the link in a confirmation mail works.
CONFIRM_HOURS = 48
SETTINGS_PATH = "/me/mail"


async def _queue(
    services: ParticipationServices,
    subscriber: Subscriber,
    kind: str,
    event: str,
    subject: str,
    paragraphs: list[str],
) -> None:
    """Queue one notification mail of ``kind``, with the footer saying why it came and
    how to stop it."""
    t = translator(subscriber.language)
    base = services.urls.base
    node_name = services.config.name
    unsubscribe = f"{base}/mail/unsubscribe?token={subscriber.unsubscribe_token}&kind={kind}"
    footer = [
        "-- ",
        t(N_("You get this e-mail because you asked for it on %(node)s."), node=node_name),
        t(N_("No longer want these e-mails? Turn them off here: %(link)s"), link=unsubscribe),
        t(N_("All your e-mail settings: %(link)s"), link=base + SETTINGS_PATH),
    ]
    await services.mail_queue.add(
        f"{event}:{subscriber.actor_uri}",
        subscriber.address,
        subject,
        "\n\n".join([*paragraphs, "\n".join(footer)]) + "\n",
        unsubscribe,
        services.clock.timestamp(),
    )


async def _proposal_link(services: ParticipationServices, proposal: Proposal) -> str:
    record = await services.objects.record(proposal.uri)
    return f"{services.urls.base}/proposals/{record.row_id}" if record else proposal.uri


async def _process_title(services: ParticipationServices, proposal: Proposal) -> str:
    process = await services.store.get_process(proposal.process_uri)
    return process.title if process else proposal.process_uri


async def _actor_name(services: ParticipationServices, uri: str) -> str:
    """The name people read for an actor: its display name, never its address."""
    local = await services.actors.by_uri(uri)
    if local is not None:
        return local.display_name
    person, server = (await services.actors.shown_names([uri])).get(uri, (None, None))
    return person or server or uri


async def mail_status_change(
    services: ParticipationServices, proposal: Proposal, change: StatusChange
) -> None:
    """Tell the proposal's author, if they asked, that it has a new status and why."""
    link = await _proposal_link(services, proposal)
    process = await _process_title(services, proposal)
    for subscriber in await services.mail_subscribers.wanting([proposal.author], "status_changes"):
        t = translator(subscriber.language)
        status = labels(STATUS_LABELS, subscriber.language).get(change.status, change.status)
        await _queue(
            services,
            subscriber,
            "status_changes",
            f"status:{proposal.uri}:{change.status}:{change.published}",
            t(
                N_("Your proposal “%(title)s” is now: %(status)s"),
                title=proposal.title,
                status=status,
            ),
            [
                t(
                    N_("Your proposal “%(title)s” in %(process)s has a new status: %(status)s."),
                    title=proposal.title,
                    process=process,
                    status=status,
                ),
                t(N_("Reason: %(reason)s"), reason=change.reason),
                t(N_("See your proposal: %(link)s"), link=link),
            ],
        )


async def mail_official_response(
    services: ParticipationServices, proposal: Proposal, responder: str, response_uri: str
) -> None:
    """Tell the proposal's author, if they asked, that it got an official response."""
    wanting = await services.mail_subscribers.wanting([proposal.author], "official_responses")
    if not wanting:
        return
    link = await _proposal_link(services, proposal)
    process = await _process_title(services, proposal)
    name = await _actor_name(services, responder)
    for subscriber in wanting:
        t = translator(subscriber.language)
        await _queue(
            services,
            subscriber,
            "official_responses",
            f"response:{response_uri}",
            t(N_("Official response to your proposal “%(title)s”"), title=proposal.title),
            [
                t(
                    N_(
                        "%(organisation)s has given an official response to your proposal"
                        " “%(title)s” in %(process)s."
                    ),
                    organisation=name,
                    title=proposal.title,
                    process=process,
                ),
                t(N_("Read the response: %(link)s"), link=link),
            ],
        )


async def mail_voting_opened(
    services: ParticipationServices, process: Process, event: str, subject: str | None, end: str
) -> None:
    """Tell the local followers of ``process`` who asked that voting opened: on the
    proposal titled ``subject``, or (None) the budget ballot; it closes at ``end``."""
    followers = await services.follows.followers_of(process.uri)
    link = f"{services.urls.base}/processes/{page_name(process)}"
    for subscriber in await services.mail_subscribers.wanting(followers, "votes_opening"):
        t = translator(subscriber.language)
        if subject is None:
            title = t(N_("The budget ballot of %(process)s is open"), process=process.title)
            opened = t(
                N_("In %(process)s, which you follow, the budget ballot is open."),
                process=process.title,
            )
        else:
            title = t(N_("Vote now: %(title)s"), title=subject)
            opened = t(
                N_("In %(process)s, which you follow, the vote on “%(title)s” is open."),
                process=process.title,
                title=subject,
            )
        await _queue(
            services,
            subscriber,
            "votes_opening",
            event,
            title,
            [
                opened,
                t(
                    N_("You can vote until %(end)s."),
                    end=readable_moment(end, subscriber.language),
                ),
                t(N_("See the process: %(link)s"), link=link),
            ],
        )


async def mail_confirmation(
    services: ParticipationServices,
    address: str,
    language: str,
    token: str,
    path: str = "/mail/confirm",
    why: str = N_("You gave this e-mail address on %(node)s to get messages."),
) -> None:
    """The mail with the link (to ``path``) that confirms a resident's new address; ``why``
    says what the address was given for."""
    t = translator(language)
    node = services.config.name
    link = f"{services.urls.base}{path}?token={token}"
    await services.mail_queue.add(
        f"confirm:{token}",
        address,
        t(N_("Confirm your e-mail address for %(node)s"), node=node),
        "\n\n".join(
            [
                t(why, node=node),
                t(
                    N_("Open this link within %(hours)d hours to confirm it: %(link)s"),
                    hours=CONFIRM_HOURS,
                    link=link,
                ),
                t(
                    N_(
                        "Did you not do this? Then you do not have to do anything."
                        " We will not send you any messages."
                    )
                ),
            ]
        )
        + "\n",
        "",
        services.clock.timestamp(),
    )


async def mail_signup_decision(
    services: ParticipationServices, signup: Signup, approved: bool, reason: str
) -> None:
    """Tell a resident whether a moderator approved the account they opened, and why not."""
    t = translator(signup.language)
    node = services.config.name
    if approved:
        subject = t(N_("Your account on %(node)s is approved"), node=node)
        paragraphs = [
            t(
                N_("A moderator approved your account %(username)s. You can log in now: %(link)s"),
                username=signup.username,
                link=f"{services.urls.base}/login",
            )
        ]
    else:
        subject = t(N_("Your account on %(node)s is not approved"), node=node)
        paragraphs = [
            t(
                N_("A moderator did not approve your account %(username)s, so it was removed."),
                username=signup.username,
            ),
            t(N_("Reason: %(reason)s"), reason=reason),
        ]
    await services.mail_queue.add(
        f"signup:{signup.actor_id}:{signup.created_at}:{approved}",
        signup.email,
        subject,
        "\n\n".join(paragraphs) + "\n",
        "",
        services.clock.timestamp(),
    )
