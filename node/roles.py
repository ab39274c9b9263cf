"""Who may do what on a node: the roles of its accounts, and how an administrator changes
them. Each change is a public entry in the moderation log (``moderation/log.py``), with
its reason and the administrators' role, never the administrator's name.

The roles (``node.storage.accounts.ROLES``): a resident takes part; an official gives the
official responses of the municipality or the collective; an organiser runs the node's
processes (``/organise``); a moderator handles reports, sanctions and the federation
policy; an administrator does all of that and gives roles. An administrator can also make
an account organiser of one process only (``set_process_organiser``): on ``/organise`` it
sees and runs that process and no other (``organised_processes``).
"""

from __future__ import annotations

from federation.errors import Invalid, NotAllowed, NotFound, Refused
from moderation.log import ROLE_ADMIN, LogEntry
from node.moderator_actions import Acting, reason_given
from node.moderator_services import ModeratorServices
from node.participation.models import Process
from node.storage.accounts import ROLES, Account, AccountRepository

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
        account = await _account_named(services, username)
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


async def _account_named(services: ModeratorServices, username: str) -> Account:
    """The account ``username`` (a leading @ allowed) names, or NotFound."""
    account = await services.accounts.by_username(username.strip().lstrip("@"))
    if account is None:
        raise NotFound(
            f"there is no account {username} on this node",
            code="role_no_account",
            values={"name": username},
        )
    return account


async def organised_processes(
    accounts: AccountRepository, account: Account
) -> frozenset[str] | None:
    """The processes ``account`` may run on /organise: None for every process (node-wide
    organisers and administrators), else those it was made organiser of (maybe none)."""
    if account.role in ORGANISING_ROLES:
        return None
    return await accounts.organised_processes(account.actor_id)


def require_organiser_of(allowed: frozenset[str] | None, process: Process) -> None:
    """Refuse an organiser's action on a process the account does not organise."""
    if allowed is not None and process.uri not in allowed:
        raise NotAllowed(
            f"you organise other processes on this node, not {process.title}",
            code="organise_not_this_process",
            values={"title": process.title},
        )


async def set_process_organiser(
    services: ModeratorServices,
    acting: Acting,
    username: str,
    process: Process,
    reason: str,
    *,
    organiser: bool = True,
) -> LogEntry:
    """Make the account ``username`` organiser of ``process`` only, or (``organiser``
    False) no longer, for ``reason``, in the public moderation log as a role change;
    refused for anyone but an administrator, for an account that organises every process
    already, and for a change that changes nothing."""
    if acting.role != ROLE_ADMIN:
        raise NotAllowed("only administrators give roles", code="role_not_admin")
    if not process.local:
        raise Refused("only a process of this node has organisers here")
    why = reason_given(reason)
    async with services.db.transaction():
        account = await _account_named(services, username)
        if organiser and account.role in ORGANISING_ROLES:
            raise Refused(
                f"{account.username} organises every process of this node already",
                code="process_organiser_everywhere",
                values={"name": account.username},
            )
        if not await services.accounts.set_process_organiser(
            account.actor_id, process.uri, organiser
        ):
            raise Refused(
                f"{account.username} is organiser of {process.title} already"
                if organiser
                else f"{account.username} is no organiser of {process.title}",
                code="process_organiser_already" if organiser else "process_organiser_not",
                values={"name": account.username, "title": process.title},
            )
        change = "organiser of" if organiser else "no longer organiser of"
        return await services.moderation_store.add_log_entry(
            "role", "account", account.actor_uri, f"{change} {process.slug}: {why}", ROLE_ADMIN
        )
