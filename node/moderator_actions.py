"""What moderators and residents do about content, accounts and other nodes.

The web pages, the client API and the CLI all go through these functions, so
every decision is checked, stored, logged publicly and federated the same way.
The CLI acts as the node's operator (``OPERATOR``); people act through
``acting_as``, which decides their role and refuses those without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.actors import host_of
from federation.errors import Conflict, FetchError, NotAllowed, NotFound, Refused
from moderation.actions import SUSPENSION_REASON, process_removal, undo_process_removal
from moderation.log import (
    ROLE_ADMIN,
    ROLE_NODE_MODERATORS,
    ROLE_PROCESS_MODERATORS,
    LogEntry,
)
from moderation.policy import BLOCK_SEVERITIES, MODES, candidate_domains
from moderation.ports import NewReport, Report
from moderation.reports import (
    flag_activity,
    report_comment,
    take_report,
    tell_about_moderation,
)
from moderation.sanitize import plain_text
from node import social_actions
from node.config import DOMAIN_PATTERN
from node.moderator_services import ModeratorServices
from node.storage.actors import LocalActor
from node.storage.objects import ObjectRecord

MAX_REASON = 500
STAFF_ROLES = {"admin": ROLE_ADMIN, "moderator": ROLE_NODE_MODERATORS}


@dataclass(frozen=True)
class Acting:
    """Who takes a moderation decision: the role the log shows, the account kept private,
    and the process a process moderator is limited to."""

    role: str
    account: str | None
    process: str | None = None


OPERATOR = Acting(ROLE_ADMIN, None)


async def acting_as(
    services: ModeratorServices, account: LocalActor, object_uri: str | None = None
) -> Acting:
    """The role of a local account for an action on an object (or on accounts and nodes).

    Node moderators and admins act everywhere; a process moderator only on what
    was posted in their process. Everyone else gets a 403.
    """
    login = await services.accounts.by_actor_uri(account.uri)
    if login is not None and login.role in STAFF_ROLES:
        return Acting(STAFF_ROLES[login.role], account.uri)
    if object_uri is not None:
        process = await services.moderation_store.audience_of(object_uri)
        if process and await services.moderation_store.is_process_moderator(process, account.uri):
            return Acting(ROLE_PROCESS_MODERATORS, account.uri, process)
    raise NotAllowed(f"{account.username} is not a moderator here")


async def appoint_process_moderator(
    services: ModeratorServices, process: LocalActor, account: LocalActor
) -> None:
    """Let a local account moderate what is posted in a local process."""
    if process.kind != "process":
        raise Refused(f"{process.username} is not a process")
    await services.moderation_store.add_process_moderator(process.uri, account.uri)


def reason_given(text: str, *, required: bool = True) -> str:
    """A moderation decision's reason as plain text for the public log; refused when a
    ``required`` one is missing."""
    reason = plain_text(text, MAX_REASON)
    if required and not reason:
        raise Refused(
            "give a reason: it is shown publicly in the moderation log", code="reason_missing"
        )
    return reason


async def _tell(services: ModeratorServices, account: str, object_id: str | None) -> None:
    await tell_about_moderation(services.notifier, services.actors, account, object_id)


async def _live_object(services: ModeratorServices, uri: str) -> ObjectRecord:
    record = await services.objects.record(uri)
    if record is None or record.deleted_at is not None:
        raise NotFound("there is no post on this node", detail=uri, code="post_unknown")
    return record


async def _local_process(services: ModeratorServices, record: ObjectRecord) -> LocalActor | None:
    if record.audience is None:
        return None
    process = await services.actors.by_uri(record.audience)
    return process if process is not None and process.kind == "process" else None


# Reports


async def file_report(
    services: ModeratorServices,
    reporter: LocalActor,
    target_account: str,
    object_ids: list[str],
    comment: str,
    *,
    forward: bool = True,
) -> Report:
    """A resident reports an account and, optionally, some of its posts.

    The report joins this node's moderator queue. When the account or the
    process the posts were written in lives elsewhere, a ``Flag`` from the
    instance actor goes there too unless the resident asked not to
    (``forward``, as in Mastodon); the reporter is never named in it.
    """
    await services.guard.check(reporter.uri, "report")
    if target_account == reporter.uri:
        raise Refused("you cannot report yourself", code="report_self")
    audiences: list[str] = []
    for uri in object_ids:
        record = await _live_object(services, uri)
        if record.attributed_to != target_account:
            raise Refused(
                "a reported post was not written by the reported account",
                detail=f"{uri} is by {record.attributed_to}, not {target_account}",
            )
        if record.audience:
            audiences.append(record.audience)
    if not await services.actors.is_local(target_account):
        await _known_remote_account(services, target_account)
    remote = [
        actor
        for actor in dict.fromkeys([target_account, *audiences])
        if forward and not await services.actors.is_local(actor)
    ]
    flag_id = services.urls.new_activity()
    text = report_comment(comment)
    report = NewReport(
        flag_id if remote else None, reporter.uri, target_account, tuple(object_ids), text, None
    )
    taken: list[int] = []

    async def author_of(uri: str) -> str | None:
        record = await services.objects.record(uri)
        return record.attributed_to if record else None

    async def tell_author(author: str, uri: str) -> None:
        await _tell(services, author, uri)

    async def store() -> None:
        result = await take_report(
            services.moderation_store, services.limits.rules, report, author_of, tell_author
        )
        assert result is not None
        taken.append(result.report_id)

    if remote:
        instance = (await services.actors.instance_signer()).actor_id
        flag = flag_activity(flag_id, instance, target_account, list(object_ids), text)
        await services.outbox.send(instance, flag, remote, local_write=store)
    else:
        async with services.db.transaction():
            await store()
    filed = await services.moderation_store.report(taken[0])
    assert filed is not None
    return filed


async def close_report(
    services: ModeratorServices, acting: Acting, report_id: int, state: str
) -> None:
    """Mark a report resolved or dismissed."""
    if acting.process is not None:
        raise NotAllowed("only node moderators handle the report queue")
    if state not in ("resolved", "dismissed"):
        raise Refused("a report is closed as resolved or dismissed", code="report_closing_unknown")
    if not await services.moderation_store.set_report_state(report_id, state):
        raise NotFound(f"there is no report {report_id}", code="report_unknown")


# Objects


async def hide(
    services: ModeratorServices, acting: Acting, object_uri: str, reason: str
) -> LogEntry:
    """Hide a post with a public reason; a process's followers everywhere hide it too."""
    return await _hide(services, acting, object_uri, reason, "hide")


async def remove(
    services: ModeratorServices, acting: Acting, object_uri: str, reason: str
) -> LogEntry:
    """Remove a post for good. A local post is deleted (its author's server sends the
    Delete, as Mastodon does); a remote one stays hidden here and in the process."""
    record = await _live_object(services, object_uri)
    if record.local and record.attributed_to:
        author = await services.actors.by_uri(record.attributed_to)
        if author is not None:
            why = reason_given(reason)
            _require_scope(acting, record)
            await social_actions.delete_note(services, author, object_uri)
            return await services.moderation_store.add_log_entry(
                "remove", "object", object_uri, why, acting.role, acting.process
            )
    return await _hide(services, acting, object_uri, reason, "remove")


def _require_scope(acting: Acting, record: ObjectRecord) -> None:
    if acting.process is not None and record.audience != acting.process:
        raise NotAllowed("process moderators act only on what was posted in their process")


async def _hide(
    services: ModeratorServices, acting: Acting, object_uri: str, reason: str, cause: str
) -> LogEntry:
    record = await _live_object(services, object_uri)
    _require_scope(acting, record)
    why = reason_given(reason)
    if await services.moderation_store.hidden(object_uri) is not None:
        raise Conflict("this post is hidden already", detail=object_uri, code="post_hidden_already")
    process = await _local_process(services, record)
    hidden_by = process.uri if process else (acting.account or acting.role)
    entries: list[LogEntry] = []

    async def store() -> None:
        await services.moderation_store.hide_object(object_uri, cause, why, hidden_by)
        entries.append(
            await services.moderation_store.add_log_entry(
                cause, "object", object_uri, why, acting.role, acting.process
            )
        )

    if process is None:
        async with services.db.transaction():
            await store()
    else:
        removal = process_removal(
            services.outbox.new_activity_id(),
            process.uri,
            object_uri,
            record.attributed_to,
            why,
            services.urls.followers(process.username),
        )
        await services.outbox.send(process.uri, removal, removal["cc"], local_write=store)
    if record.attributed_to:
        await _tell(services, record.attributed_to, object_uri)
    return entries[0]


async def restore(services: ModeratorServices, acting: Acting, object_uri: str) -> LogEntry:
    """Show a hidden post again; a process tells its followers with ``Undo``."""
    record = await _live_object(services, object_uri)
    _require_scope(acting, record)
    hidden = await services.moderation_store.hidden(object_uri)
    if hidden is None:
        raise Conflict("this post is not hidden", detail=object_uri, code="post_not_hidden")
    if hidden.cause == "remove":
        raise Conflict(
            "this post was removed for good and cannot be restored",
            detail=object_uri,
            code="post_removed_for_good",
        )
    if hidden.cause == "suspension":
        raise Conflict(
            "this post is hidden because its author is suspended: lift the suspension",
            code="post_hidden_by_suspension",
        )
    process = await _local_process(services, record)
    entries: list[LogEntry] = []

    async def store() -> None:
        await services.moderation_store.unhide_object(object_uri)
        entries.append(
            await services.moderation_store.add_log_entry(
                "restore", "object", object_uri, "", acting.role, acting.process
            )
        )

    removal = (
        await services.moderation_store.last_sent(hidden.hidden_by, "Remove", object_uri)
        if process is not None and hidden.hidden_by == process.uri
        else None
    )
    if process is None or removal is None:
        async with services.db.transaction():
            await store()
    else:
        undo = undo_process_removal(services.outbox.new_activity_id(), removal)
        await services.outbox.send(process.uri, undo, list(undo["cc"]), local_write=store)
    return entries[0]


# Accounts


def _require_node_staff(acting: Acting) -> None:
    if acting.process is not None:
        raise NotAllowed("only node moderators act on accounts")


async def _account_subject(services: ModeratorServices, account: str) -> bool:
    """Whether the account is local; a remote one must be known or fetchable."""
    if await services.actors.is_local(account):
        if await services.accounts.by_actor_uri(account) is None:
            raise Refused(f"{account} is not a person's account")
        return True
    await _known_remote_account(services, account)
    return False


async def _known_remote_account(services: ModeratorServices, account: str) -> None:
    try:
        await services.resolver.get(account)
    except FetchError as exc:
        raise NotFound(f"no account {account} could be found", detail=str(exc)) from exc


async def warn(services: ModeratorServices, acting: Acting, account: str, reason: str) -> LogEntry:
    """Warn a local account: it is told, and the log shows the warning."""
    _require_node_staff(acting)
    if not await _account_subject(services, account):
        raise Refused("only accounts of this node can be warned", code="warn_local_only")
    why = reason_given(reason)
    entry = await services.moderation_store.add_log_entry(
        "warn", "account", account, why, acting.role
    )
    await _tell(services, account, None)
    return entry


async def silence(
    services: ModeratorServices, acting: Acting, account: str, reason: str
) -> LogEntry:
    """Limit an account, local or remote: its posts leave the public listings of this node."""
    _require_node_staff(acting)
    await _account_subject(services, account)
    why = reason_given(reason)
    async with services.db.transaction():
        await services.moderation_store.set_sanction(account, "silenced", why)
        return await services.moderation_store.add_log_entry(
            "silence", "account", account, why, acting.role
        )


async def suspend(
    services: ModeratorServices, acting: Acting, account: str, reason: str
) -> LogEntry:
    """Suspend an account: its content is hidden here, it can no longer act (a local
    account) or deliver anything to this node (a remote one), and a remote account
    no longer follows anyone here."""
    _require_node_staff(acting)
    local = await _account_subject(services, account)
    why = reason_given(reason)
    async with services.db.transaction():
        await services.moderation_store.set_sanction(account, "suspended", why)
        await services.moderation_store.hide_by_author(account, SUSPENSION_REASON, account)
        if not local:
            for followed in await services.follows.followed_by(account):
                await services.follows.remove_follow(account, followed)
        return await services.moderation_store.add_log_entry(
            "suspend", "account", account, why, acting.role
        )


async def unsuspend(
    services: ModeratorServices, acting: Acting, account: str, reason: str = ""
) -> LogEntry:
    """Lift a silence or suspension; what the suspension hid is shown again."""
    _require_node_staff(acting)
    async with services.db.transaction():
        if not await services.moderation_store.lift_sanction(account):
            raise Conflict(
                f"{account} is neither limited nor suspended", code="account_not_sanctioned"
            )
        await services.moderation_store.unhide_by_author(account)
        return await services.moderation_store.add_log_entry(
            "unsuspend", "account", account, reason_given(reason, required=False), acting.role
        )


# Other nodes


def _domain(services: ModeratorServices, domain: str) -> str:
    domain = domain.strip().lower()
    if not DOMAIN_PATTERN.match(domain) or "." not in domain:
        raise Refused(
            f"{domain!r} is not a domain (host name with an optional :port)",
            code="domain_invalid",
            values={"domain": domain},
        )
    if domain == services.urls.host:
        raise Refused("a node cannot block or allow itself", code="domain_self")
    return domain


@dataclass(frozen=True)
class BlockOutcome:
    """What blocking a domain undid at once."""

    entry: LogEntry
    follows_removed: int
    deliveries_cancelled: int


async def set_mode(
    services: ModeratorServices, acting: Acting, mode: str, reason: str = ""
) -> LogEntry:
    """Switch between open, blocklist and allowlist federation; effective at once."""
    _require_node_staff(acting)
    if mode not in MODES:
        raise Refused(
            f"mode must be one of {', '.join(MODES)}",
            code="setting_choice",
            values={"choices": ", ".join(MODES)},
        )
    async with services.db.transaction():
        await services.moderation_store.set_federation_mode(mode)
        entry = await services.moderation_store.add_log_entry(
            "mode", "node", mode, reason_given(reason, required=False), acting.role
        )
        await _cancel_undeliverable(services)
    return entry


async def block_domain(
    services: ModeratorServices, acting: Acting, domain: str, severity: str, reason: str
) -> BlockOutcome:
    """Silence or suspend a node. Suspending drops follows both ways and what is
    queued for it; nothing is delivered there any more and its inbox POSTs get 403."""
    _require_node_staff(acting)
    domain = _domain(services, domain)
    if severity not in BLOCK_SEVERITIES:
        raise Refused(
            f"severity must be one of {', '.join(BLOCK_SEVERITIES)}",
            code="setting_choice",
            values={"choices": ", ".join(BLOCK_SEVERITIES)},
        )
    why = reason_given(reason)
    removed = cancelled = 0
    async with services.db.transaction():
        if await services.moderation_store.federation_mode() == "open":
            # Blocks only apply in blocklist mode; an open node that blocks becomes one.
            await services.moderation_store.set_federation_mode("blocklist")
            await services.moderation_store.add_log_entry(
                "mode", "node", "blocklist", "", acting.role
            )
        await services.moderation_store.set_domain_rule(domain, severity, why)
        entry = await services.moderation_store.add_log_entry(
            "block", "domain", domain, f"{severity}: {why}", acting.role
        )
        if severity == "suspend":
            for follower, followed in await services.moderation_store.follow_pairs():
                if _covered(domain, follower) or _covered(domain, followed):
                    removed += await services.follows.remove_follow(follower, followed)
            cancelled = await _cancel_undeliverable(services)
    return BlockOutcome(entry, removed, cancelled)


async def allow_domain(
    services: ModeratorServices, acting: Acting, domain: str, reason: str = ""
) -> LogEntry:
    """Approve a node, for allowlist mode."""
    _require_node_staff(acting)
    domain = _domain(services, domain)
    why = reason_given(reason, required=False)
    async with services.db.transaction():
        await services.moderation_store.set_domain_rule(domain, "allow", why)
        return await services.moderation_store.add_log_entry(
            "allow", "domain", domain, why, acting.role
        )


async def unblock_domain(
    services: ModeratorServices, acting: Acting, domain: str, reason: str = ""
) -> LogEntry:
    """Drop a node's rule (block or approval)."""
    _require_node_staff(acting)
    domain = _domain(services, domain)
    async with services.db.transaction():
        if not await services.moderation_store.remove_domain_rule(domain):
            raise Conflict(
                f"there is no rule for {domain}", code="domain_no_rule", values={"domain": domain}
            )
        entry = await services.moderation_store.add_log_entry(
            "unblock", "domain", domain, reason_given(reason, required=False), acting.role
        )
        await _cancel_undeliverable(services)
    return entry


def _covered(domain: str, actor: str) -> bool:
    return domain in candidate_domains(host_of(actor))


async def _cancel_undeliverable(services: ModeratorServices) -> int:
    cancelled = 0
    for host in await services.moderation_store.pending_delivery_hosts():
        if not await services.policy.may_deliver(host):
            cancelled += await services.deliveries.cancel_for_host(host)
    return cancelled


def describe(report: Report) -> dict[str, Any]:
    """A report as the moderator queue shows it (never on public pages)."""
    return {
        "id": report.id,
        "account": report.target_account,
        "objects": list(report.object_ids),
        "comment": report.comment,
        "from_node": report.origin_host,
        "reporter": report.reporter,
        "state": report.state,
        "created_at": report.created_at,
    }
