"""The inbox handlers of moderation, for the node's one handler table."""

from __future__ import annotations

from federation.handlers import ANY, Handler, HandlerKey
from moderation.actions import handle_process_removal, handle_undo_process_removal
from moderation.reports import handle_flag

MODERATION_HANDLERS: list[tuple[HandlerKey, Handler]] = [
    (("Flag", ANY), handle_flag),
    (("Remove", ANY), handle_process_removal),
    (("Undo", "Remove"), handle_undo_process_removal),
]

# The core ignores every Remove; a process's Remove is a moderation decision here.
REPLACED_CORE_KEYS = frozenset({("Remove", ANY)})
