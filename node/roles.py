"""Who may do what on a node: the roles of its accounts, and how an administrator changes
them. Each change is a public entry in the moderation log (``moderation/log.py``), with
its reason and the administrators' role, never the administrator's name.

The roles (``node.storage.accounts.ROLES``): a resident takes part; an official gives the
official responses of the municipality or the collective; an organiser runs the node's
processes (``/organise``); a moderator handles reports, sanctions and the federation
policy; an administrator does all of that and gives roles.
"""

from __future__ import annotations

from federation.errors import Invalid, NotAllowed, NotFound, Refused
from moderation.log import ROLE_ADMIN, LogEntry
from node.moderator_actions import Acting, reason_given
from node.moderator_services import ModeratorServices
from node.storage.accounts import ROLES

# Who may run the node's processes on /organise: administrators can do all organisers can.
ORGANISING_ROLES = frozenset({"organiser", "admin"})


async def change_role(
    services: ModeratorServices, acting: Acting, username: str, role: str, reason: str
) -> LogEntry:
    """Give the account ``username`` the ``role``, for ``reason``; refused for anyone but
    an administrator, for a role that does not exist, and where it would leave the node
    without an administrator."""
    if acting.role != ROLE_ADMIN:
        raise NotAllowed("only administrators give roles", code="role_not_admin")
    if role not in ROLES:
        raise Invalid(
            f"there is no role {role!r}; the roles are {', '.join(ROLES)}",
            code="role_unknown",
            values={"role": role, "roles": ", ".join(ROLES)},
        )
    why = reason_given(reason)
    async with services.db.transaction():
        account = await services.accounts.by_username(username.strip().lstrip("@"))
        if account is None:
            raise NotFound(
                f"there is no account {username} on this node",
                code="role_no_account",
                values={"name": username},
            )
        if account.role == role:
            raise Refused(
                f"{account.username} is {role} already",
                code="role_already",
                values={"name": account.username},
            )
        if account.role == "admin" and await services.accounts.count_with_role("admin") == 1:
            raise Refused(
                f"{account.username} is the only administrator; make someone else"
                " administrator first",
                code="role_last_admin",
                values={"name": account.username},
            )
        await services.accounts.set_role(account.actor_id, role)
        return await services.moderation_store.add_log_entry(
            "role", "account", account.actor_uri, f"{account.role} → {role}: {why}", ROLE_ADMIN
        )
