"""Moderator actions, and how a process's hides travel to the nodes that follow it.

Objects: hide (with a public reason, reversible), restore, remove (for good).
Local accounts: warn, silence, suspend. Remote accounts: limit (silence) or
suspend — their content is hidden and their activities refused.

A process moderator's hide or removal is sent by the process (its ``Group``
actor) as a ``Remove`` of the object with the process as ``target`` and the
reason as ``summary``, the way Lemmy communities federated mod removals;
restoring sends ``Undo`` of that ``Remove``. A receiving node takes it only
from the process that the object's ``audience`` names.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from activitypub.vocabulary import PUBLIC, Activity
from federation.errors import NotAllowed
from federation.handlers import InboxContext
from moderation.log import ROLE_PROCESS_MODERATORS
from moderation.ports import ModerationStore

log = logging.getLogger(__name__)

OBJECT_ACTIONS = ("hide", "restore", "remove")
LOCAL_ACCOUNT_ACTIONS = ("warn", "silence", "suspend", "unsuspend")
REMOTE_ACCOUNT_ACTIONS = ("silence", "suspend", "unsuspend")
SUSPENSION_REASON = "account geschorst (account suspended)"


def process_removal(
    activity_id: str,
    process: str,
    object_id: str,
    author: str | None,
    reason: str,
    followers: str,
) -> dict[str, Any]:
    """The ``Remove`` a process sends when its moderators hide or remove an object."""
    return {
        "id": activity_id,
        "type": "Remove",
        "actor": process,
        "object": object_id,
        "target": process,
        "audience": process,
        "summary": reason,
        "to": [PUBLIC],
        "cc": [followers, *([author] if author else [])],
    }


def undo_process_removal(activity_id: str, removal: dict[str, Any]) -> dict[str, Any]:
    """The ``Undo`` that restores a hidden object; it embeds the ``Remove`` it undoes."""
    return {
        "id": activity_id,
        "type": "Undo",
        "actor": removal["actor"],
        "object": {k: v for k, v in removal.items() if k != "@context"},
        "to": removal["to"],
        "cc": removal["cc"],
    }


async def _posted_in_sender_process(
    ctx: InboxContext, store: ModerationStore, activity: Activity, object_id: str
) -> bool:
    if await ctx.objects.get_object(object_id) is None:
        return False
    audience = await store.audience_of(object_id)
    if audience != activity.actor:
        raise NotAllowed(
            f"{activity.actor} may not hide {object_id}: only the process it was posted in may"
        )
    return True


async def handle_process_removal(
    ctx: InboxContext, activity: Activity, store: ModerationStore
) -> None:
    """A process hid an object posted in it: hide it here too, with its reason."""
    if activity.target != activity.actor:
        # Other servers use Remove for collections (Mastodon's pinned posts): no effect here.
        return
    if not await _posted_in_sender_process(ctx, store, activity, activity.object_id):
        return
    reason = activity.summary or ""
    if await store.hide_object(activity.object_id, "hide", reason, activity.actor):
        await store.add_log_entry(
            "hide", "object", activity.object_id, reason, ROLE_PROCESS_MODERATORS, activity.actor
        )


async def handle_undo_process_removal(
    ctx: InboxContext, activity: Activity, store: ModerationStore
) -> None:
    """A process restored an object it had hidden."""
    removal = activity.object_activity
    if removal is None or removal.actor != activity.actor or removal.target != activity.actor:
        return
    if not await _posted_in_sender_process(ctx, store, activity, removal.object_id):
        return
    hidden = await store.hidden(removal.object_id)
    if hidden is None or hidden.hidden_by != activity.actor or hidden.cause != "hide":
        return
    await store.unhide_object(removal.object_id)
    await store.add_log_entry(
        "restore", "object", removal.object_id, "", ROLE_PROCESS_MODERATORS, activity.actor
    )


def hidden_notice_html(reason: str) -> str:
    """What readers see instead of a hidden post, in Dutch and English."""
    reason = html.escape(reason)
    return (
        f"<p>verborgen door de moderatoren: {reason}</p>"
        f'<p lang="en">hidden by the moderators: {reason}</p>'
    )
