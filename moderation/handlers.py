"""The inbox handlers of moderation, for the node's one handler table."""

from __future__ import annotations

from dataclasses import dataclass

from activitypub.vocabulary import Activity
from federation.handlers import ANY, Handler, HandlerKey, InboxContext
from moderation.actions import handle_process_removal, handle_undo_process_removal
from moderation.ports import ModerationStore
from moderation.reports import handle_flag
from moderation.spam import Limits


@dataclass(frozen=True)
class ModerationInboxServices:
    """What moderation's inbox handlers use beyond the ``InboxContext``; built once by the node."""

    store: ModerationStore
    # The node's limits, not a copy of their rules: a moderator may configure new ones.
    limits: Limits


def moderation_handlers(services: ModerationInboxServices) -> list[tuple[HandlerKey, Handler]]:
    """Moderation's entries for the handler table, bound to the node's services."""

    async def receive_flag(ctx: InboxContext, activity: Activity) -> None:
        await handle_flag(ctx, activity, services.store, services.limits)

    async def receive_process_removal(ctx: InboxContext, activity: Activity) -> None:
        await handle_process_removal(ctx, activity, services.store)

    async def receive_undo_process_removal(ctx: InboxContext, activity: Activity) -> None:
        await handle_undo_process_removal(ctx, activity, services.store)

    return [
        (("Flag", ANY), receive_flag),
        (("Remove", ANY), receive_process_removal),
        (("Undo", "Remove"), receive_undo_process_removal),
    ]


# The core ignores every Remove; a process's Remove is a moderation decision here.
REPLACED_CORE_KEYS = frozenset({("Remove", ANY)})
