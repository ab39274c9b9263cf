"""Reports: filed by residents, sent between nodes as ``Flag``, queued for moderators.

A report about remote content travels as Mastodon sends it: a ``Flag`` by the
reporting node's instance actor (the reporter stays hidden), ``content`` the
comment, ``object`` the account followed by the reported posts. Content that
``report_threshold`` distinct reporters reported is hidden pending review: each
local account counts, a remote server counts once however many actors it sends
Flags from (``moderation.spam.reached_report_threshold``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from activitypub.vocabulary import Activity, ids_of
from federation.actors import host_of, same_origin
from federation.errors import Refused
from federation.handlers import InboxContext
from federation.ports import LocalActors, Notifier
from moderation.log import ROLE_AUTOMATIC
from moderation.ports import ModerationStore, NewReport
from moderation.sanitize import plain_text
from moderation.spam import Limits, SpamRules, reached_report_threshold

MAX_COMMENT = 1000
REPORTS_REASON = "in afwachting van beoordeling na meldingen (pending review after reports)"

AuthorOf = Callable[[str], Awaitable[str | None]]
TellAuthor = Callable[[str, str], Awaitable[None]]
# Mastodon 4.3's notification type for moderation decisions about one's account.
MODERATION_NOTIFICATION = "moderation_warning"


@dataclass(frozen=True)
class TakenReport:
    """A report in the queue, and what the report threshold hid because of it."""

    report_id: int
    hidden: tuple[str, ...]


def flag_activity(
    flag_id: str, instance_actor: str, target_account: str, object_ids: list[str], comment: str
) -> dict[str, Any]:
    """The ``Flag`` for a report, shaped exactly as Mastodon sends one."""
    return {
        "id": flag_id,
        "type": "Flag",
        "actor": instance_actor,
        "content": comment,
        "object": [target_account, *object_ids],
    }


def report_comment(text: str) -> str:
    """A report's comment as plain text of bounded length."""
    return plain_text(text, MAX_COMMENT)


async def take_report(
    store: ModerationStore,
    rules: SpamRules,
    report: NewReport,
    author_of: AuthorOf,
    tell_author: TellAuthor,
) -> TakenReport | None:
    """Queue a report and apply the report threshold.

    None when the same report (by uri) arrived before.
    """
    report_id = await store.add_report(report)
    if report_id is None:
        return None
    hidden = []
    for uri in report.object_ids:
        if await store.hidden(uri) is not None:
            continue
        if not reached_report_threshold(await store.distinct_reporters(uri), rules):
            continue
        await store.hide_object(uri, "reports", REPORTS_REASON, ROLE_AUTOMATIC)
        await store.add_log_entry("hide", "object", uri, REPORTS_REASON, ROLE_AUTOMATIC)
        author = await author_of(uri)
        if author is not None:
            await tell_author(author, uri)
        hidden.append(uri)
    return TakenReport(report_id, tuple(hidden))


async def tell_about_moderation(
    notifier: Notifier | None, local: LocalActors, account: str, object_id: str | None
) -> None:
    """Tell a local account, through its notifications, about a decision on it or its post.

    The notification comes from the instance actor, never from a moderator.
    """
    if notifier is not None:
        instance = await local.instance_signer()
        await notifier.notify(MODERATION_NOTIFICATION, account, instance.actor_id, object_id)


async def handle_flag(
    ctx: InboxContext, activity: Activity, store: ModerationStore, limits: Limits
) -> None:
    """A report from another node: into the moderator queue when it concerns us."""
    ids = ids_of(activity.raw.get("object"))
    objects = []
    accounts = []
    for uri in ids:
        known = await ctx.objects.get_object(uri)
        if known is not None:
            objects.append(known)
        else:
            accounts.append(uri)
    target = accounts[0] if accounts else (objects[0].attributed_to if objects else None)
    if target is None:
        raise Refused("a Flag must name the reported account")
    if not await _concerns_this_node(ctx, store, target, [o.uri for o in objects]):
        raise Refused("this report concerns no account or content on this node")
    content = activity.raw.get("content")
    report = NewReport(
        uri=activity.id if same_origin(activity.id, activity.actor) else None,
        reporter=activity.actor,
        target_account=target,
        object_ids=tuple(o.uri for o in objects),
        comment=report_comment(content) if isinstance(content, str) else "",
        origin_host=host_of(activity.actor),
    )

    async def author_of(uri: str) -> str | None:
        known = await ctx.objects.get_object(uri)
        return known.attributed_to if known else None

    async def tell_author(author: str, object_id: str) -> None:
        await tell_about_moderation(ctx.notifier, ctx.local, author, object_id)

    await take_report(store, limits.rules, report, author_of, tell_author)


async def _concerns_this_node(
    ctx: InboxContext, store: ModerationStore, account: str, object_ids: list[str]
) -> bool:
    if await ctx.is_local_actor(account):
        return True
    for uri in object_ids:
        known = await ctx.objects.get_object(uri)
        if known is not None and known.local:
            return True
        audience = await store.audience_of(uri)
        if audience is not None and await ctx.is_local_actor(audience):
            return True
    return False
