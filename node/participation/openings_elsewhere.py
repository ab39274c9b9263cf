"""A vote or budget ballot opened in a process of another node that residents here follow.

The process's node tells its followers: a vote by the ``Create`` of its ``Question``
(node/participation/voting.py ``open_vote``), the budget ballot by an ``Update`` of the
process carrying its ``ballotWindow`` (node/participation/ballots.py). Each local
follower then finds a notification on /me, of Mastodon's type ``status`` (an account
they follow posted something), and those who asked for it get the mail a local opening
sends. Only the move to open tells anyone: a later Update of the same process (its
tallies, a phase, its result) carries the same window and tells nobody again, and the
notification and the mail are each kept once per event and resident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from federation.errors import Refused
from node.clock import utc_now
from node.participation.mail_notices import mail_voting_opened
from node.participation.models import Process, parse_moment
from node.participation.processes import known_process

if TYPE_CHECKING:
    from activitypub.vocabulary import ASObject
    from node.participation.services import ParticipationServices

# The notification type: Mastodon's, so that apps show it as a post of a followed account.
OPENED_NOTIFICATION = "status"


def _still_open(end: object) -> bool:
    if not isinstance(end, str):
        return False
    try:
        return parse_moment(end) > utc_now()
    except Refused:
        return False


def ballot_window(document: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The (start, end) of the budget ballot a process document says is open, if any."""
    window = document.get("ballotWindow") if document is not None else None
    if not isinstance(window, Mapping) or "budgetResult" in (document or {}):
        return None
    start, end = window.get("startTime"), window.get("endTime")
    if not isinstance(start, str) or not _still_open(end):
        return None
    assert isinstance(end, str)
    return start, end


async def _tell_followers(
    services: ParticipationServices,
    process: Process,
    about: str,
    event: str,
    subject: str | None,
    end: str,
) -> None:
    """Notify every local follower of ``process`` of an opening (``about``: the Question or
    the process), and mail those who asked."""
    for follower in await services.follows.followers_of(process.uri):
        await services.notifications.notify(OPENED_NOTIFICATION, follower, process.uri, about)
    await mail_voting_opened(services, process, event, subject, end)


async def question_opened_elsewhere(
    services: ParticipationServices, actor: str, question: ASObject
) -> None:
    """A process of another node opened a vote (the Create of its open Question)."""
    raw = question.raw
    if question.attributed_to != actor or question.audience not in (None, actor):
        return
    if "closed" in raw or not _still_open(raw.get("endTime")):
        return
    process = await known_process(services, actor)
    if process is None or process.local:
        return
    subject = question.name or process.title
    await _tell_followers(
        services, process, question.id, f"vote:{question.id}", subject, str(raw["endTime"])
    )


async def ballot_opened_elsewhere(
    services: ParticipationServices,
    process_uri: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> None:
    """A process of another node sent its Group document (``after``; ``before`` as we held
    it): when it newly carries an open ballot window, its ballot has opened."""
    window = ballot_window(after)
    if window is None or window == ballot_window(before):
        return
    process = await known_process(services, process_uri)
    if process is None or process.local:
        return
    start, end = window
    await _tell_followers(
        services, process, process.uri, f"ballot:{process.uri}:{start}", None, end
    )
