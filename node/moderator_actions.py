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
from node.node import Node
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


async def acting_as(node: Node, account: LocalActor, object_uri: str | None = None) -> Acting:
    """The role of a local account for an action on an object (or on accounts and nodes).

    Node moderators and admins act everywhere; a process moderator only on what
    was posted in their process. Everyone else gets a 403.
    """
    login = await node.accounts.by_actor_uri(account.uri)
    if login is not None and login.role in STAFF_ROLES:
        return Acting(STAFF_ROLES[login.role], account.uri)
    if object_uri is not None:
        process = await node.moderation.audience_of(object_uri)
        if process and await node.moderation.is_process_moderator(process, account.uri):
            return Acting(ROLE_PROCESS_MODERATORS, account.uri, process)
    raise NotAllowed(f"{account.username} is not a moderator here")


async def appoint_process_moderator(node: Node, process: LocalActor, account: LocalActor) -> None:
    """Let a local account moderate what is posted in a local process."""
    if process.kind != "process":
        raise Refused(f"{process.username} is not a process")
    await node.moderation.add_process_moderator(process.uri, account.uri)


def _reason(text: str, *, required: bool = True) -> str:
    reason = plain_text(text, MAX_REASON)
    if required and not reason:
        raise Refused("give a reason: it is shown publicly in the moderation log")
    return reason


async def _tell(node: Node, account: str, object_id: str | None) -> None:
    await tell_about_moderation(node.notifications, node.actors, account, object_id)


async def _live_object(node: Node, uri: str) -> ObjectRecord:
    record = await node.objects.record(uri)
    if record is None or record.deleted_at is not None:
        raise NotFound("there is no post on this node", detail=uri, code="post_unknown")
    return record


async def _local_process(node: Node, record: ObjectRecord) -> LocalActor | None:
    if record.audience is None:
        return None
    process = await node.actors.by_uri(record.audience)
    return process if process is not None and process.kind == "process" else None


# Reports


async def file_report(
    node: Node,
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
    await node.guard.check(reporter.uri, "report")
    if target_account == reporter.uri:
        raise Refused("you cannot report yourself")
    audiences: list[str] = []
    for uri in object_ids:
        record = await _live_object(node, uri)
        if record.attributed_to != target_account:
            raise Refused(
                "a reported post was not written by the reported account",
                detail=f"{uri} is by {record.attributed_to}, not {target_account}",
            )
        if record.audience:
            audiences.append(record.audience)
    if not await node.actors.is_local(target_account):
        await _known_remote_account(node, target_account)
    remote = [
        actor
        for actor in dict.fromkeys([target_account, *audiences])
        if forward and not await node.actors.is_local(actor)
    ]
    flag_id = node.urls.new_activity()
    text = report_comment(comment)
    report = NewReport(
        flag_id if remote else None, reporter.uri, target_account, tuple(object_ids), text, None
    )
    taken: list[int] = []

    async def author_of(uri: str) -> str | None:
        record = await node.objects.record(uri)
        return record.attributed_to if record else None

    async def tell_author(author: str, uri: str) -> None:
        await _tell(node, author, uri)

    async def store() -> None:
        result = await take_report(
            node.moderation, node.limits.rules, report, author_of, tell_author
        )
        assert result is not None
        taken.append(result.report_id)

    if remote:
        instance = await node.instance_actor()
        flag = flag_activity(flag_id, instance.uri, target_account, list(object_ids), text)
        await node.outbox.send(instance.uri, flag, remote, local_write=store)
    else:
        async with node.db.transaction():
            await store()
    filed = await node.moderation.report(taken[0])
    assert filed is not None
    return filed


async def close_report(node: Node, acting: Acting, report_id: int, state: str) -> None:
    """Mark a report resolved or dismissed."""
    if acting.process is not None:
        raise NotAllowed("only node moderators handle the report queue")
    if state not in ("resolved", "dismissed"):
        raise Refused("a report is closed as resolved or dismissed")
    if not await node.moderation.set_report_state(report_id, state):
        raise NotFound(f"there is no report {report_id}", code="report_unknown")


# Objects


async def hide(node: Node, acting: Acting, object_uri: str, reason: str) -> LogEntry:
    """Hide a post with a public reason; a process's followers everywhere hide it too."""
    return await _hide(node, acting, object_uri, reason, "hide")


async def remove(node: Node, acting: Acting, object_uri: str, reason: str) -> LogEntry:
    """Remove a post for good. A local post is deleted (its author's server sends the
    Delete, as Mastodon does); a remote one stays hidden here and in the process."""
    record = await _live_object(node, object_uri)
    if record.local and record.attributed_to:
        author = await node.actors.by_uri(record.attributed_to)
        if author is not None:
            why = _reason(reason)
            _require_scope(acting, record)
            await social_actions.delete_note(node, author, object_uri)
            return await node.moderation.add_log_entry(
                "remove", "object", object_uri, why, acting.role, acting.process
            )
    return await _hide(node, acting, object_uri, reason, "remove")


def _require_scope(acting: Acting, record: ObjectRecord) -> None:
    if acting.process is not None and record.audience != acting.process:
        raise NotAllowed("process moderators act only on what was posted in their process")


async def _hide(node: Node, acting: Acting, object_uri: str, reason: str, cause: str) -> LogEntry:
    record = await _live_object(node, object_uri)
    _require_scope(acting, record)
    why = _reason(reason)
    if await node.moderation.hidden(object_uri) is not None:
        raise Conflict("this post is hidden already", detail=object_uri)
    process = await _local_process(node, record)
    hidden_by = process.uri if process else (acting.account or acting.role)
    entries: list[LogEntry] = []

    async def store() -> None:
        await node.moderation.hide_object(object_uri, cause, why, hidden_by)
        entries.append(
            await node.moderation.add_log_entry(
                cause, "object", object_uri, why, acting.role, acting.process
            )
        )

    if process is None:
        async with node.db.transaction():
            await store()
    else:
        removal = process_removal(
            node.outbox.new_activity_id(),
            process.uri,
            object_uri,
            record.attributed_to,
            why,
            node.urls.followers(process.username),
        )
        await node.outbox.send(process.uri, removal, removal["cc"], local_write=store)
    if record.attributed_to:
        await _tell(node, record.attributed_to, object_uri)
    return entries[0]


async def restore(node: Node, acting: Acting, object_uri: str) -> LogEntry:
    """Show a hidden post again; a process tells its followers with ``Undo``."""
    record = await _live_object(node, object_uri)
    _require_scope(acting, record)
    hidden = await node.moderation.hidden(object_uri)
    if hidden is None:
        raise Conflict("this post is not hidden", detail=object_uri)
    if hidden.cause == "remove":
        raise Conflict("this post was removed for good and cannot be restored", detail=object_uri)
    if hidden.cause == "suspension":
        raise Conflict("this post is hidden because its author is suspended: lift the suspension")
    process = await _local_process(node, record)
    entries: list[LogEntry] = []

    async def store() -> None:
        await node.moderation.unhide_object(object_uri)
        entries.append(
            await node.moderation.add_log_entry(
                "restore", "object", object_uri, "", acting.role, acting.process
            )
        )

    removal = (
        await node.moderation.last_sent(hidden.hidden_by, "Remove", object_uri)
        if process is not None and hidden.hidden_by == process.uri
        else None
    )
    if process is None or removal is None:
        async with node.db.transaction():
            await store()
    else:
        undo = undo_process_removal(node.outbox.new_activity_id(), removal)
        await node.outbox.send(process.uri, undo, list(undo["cc"]), local_write=store)
    return entries[0]


# Accounts


def _require_node_staff(acting: Acting) -> None:
    if acting.process is not None:
        raise NotAllowed("only node moderators act on accounts")


async def _account_subject(node: Node, account: str) -> bool:
    """Whether the account is local; a remote one must be known or fetchable."""
    if await node.actors.is_local(account):
        if await node.accounts.by_actor_uri(account) is None:
            raise Refused(f"{account} is not a person's account")
        return True
    await _known_remote_account(node, account)
    return False


async def _known_remote_account(node: Node, account: str) -> None:
    try:
        await node.resolver.get(account)
    except FetchError as exc:
        raise NotFound(f"no account {account} could be found", detail=str(exc)) from exc


async def warn(node: Node, acting: Acting, account: str, reason: str) -> LogEntry:
    """Warn a local account: it is told, and the log shows the warning."""
    _require_node_staff(acting)
    if not await _account_subject(node, account):
        raise Refused("only accounts of this node can be warned")
    why = _reason(reason)
    entry = await node.moderation.add_log_entry("warn", "account", account, why, acting.role)
    await _tell(node, account, None)
    return entry


async def silence(node: Node, acting: Acting, account: str, reason: str) -> LogEntry:
    """Limit an account, local or remote: its posts leave the public listings of this node."""
    _require_node_staff(acting)
    await _account_subject(node, account)
    why = _reason(reason)
    async with node.db.transaction():
        await node.moderation.set_sanction(account, "silenced", why)
        return await node.moderation.add_log_entry("silence", "account", account, why, acting.role)


async def suspend(node: Node, acting: Acting, account: str, reason: str) -> LogEntry:
    """Suspend an account: its content is hidden here, it can no longer act (a local
    account) or deliver anything to this node (a remote one), and a remote account
    no longer follows anyone here."""
    _require_node_staff(acting)
    local = await _account_subject(node, account)
    why = _reason(reason)
    async with node.db.transaction():
        await node.moderation.set_sanction(account, "suspended", why)
        await node.moderation.hide_by_author(account, SUSPENSION_REASON, account)
        if not local:
            for followed in await node.follows.followed_by(account):
                await node.follows.remove_follow(account, followed)
        return await node.moderation.add_log_entry("suspend", "account", account, why, acting.role)


async def unsuspend(node: Node, acting: Acting, account: str, reason: str = "") -> LogEntry:
    """Lift a silence or suspension; what the suspension hid is shown again."""
    _require_node_staff(acting)
    async with node.db.transaction():
        if not await node.moderation.lift_sanction(account):
            raise Conflict(f"{account} is neither limited nor suspended")
        await node.moderation.unhide_by_author(account)
        return await node.moderation.add_log_entry(
            "unsuspend", "account", account, _reason(reason, required=False), acting.role
        )


# Other nodes


def _domain(node: Node, domain: str) -> str:
    domain = domain.strip().lower()
    if not DOMAIN_PATTERN.match(domain) or "." not in domain:
        raise Refused(f"{domain!r} is not a domain (host name with an optional :port)")
    if domain == node.urls.host:
        raise Refused("a node cannot block or allow itself")
    return domain


@dataclass(frozen=True)
class BlockOutcome:
    """What blocking a domain undid at once."""

    entry: LogEntry
    follows_removed: int
    deliveries_cancelled: int


async def set_mode(node: Node, acting: Acting, mode: str, reason: str = "") -> LogEntry:
    """Switch between open, blocklist and allowlist federation; effective at once."""
    _require_node_staff(acting)
    if mode not in MODES:
        raise Refused(f"mode must be one of {', '.join(MODES)}")
    async with node.db.transaction():
        await node.moderation.set_federation_mode(mode)
        entry = await node.moderation.add_log_entry(
            "mode", "node", mode, _reason(reason, required=False), acting.role
        )
        await _cancel_undeliverable(node)
    return entry


async def block_domain(
    node: Node, acting: Acting, domain: str, severity: str, reason: str
) -> BlockOutcome:
    """Silence or suspend a node. Suspending drops follows both ways and what is
    queued for it; nothing is delivered there any more and its inbox POSTs get 403."""
    _require_node_staff(acting)
    domain = _domain(node, domain)
    if severity not in BLOCK_SEVERITIES:
        raise Refused(f"severity must be one of {', '.join(BLOCK_SEVERITIES)}")
    why = _reason(reason)
    removed = cancelled = 0
    async with node.db.transaction():
        if await node.moderation.federation_mode() == "open":
            # Blocks only apply in blocklist mode; an open node that blocks becomes one.
            await node.moderation.set_federation_mode("blocklist")
            await node.moderation.add_log_entry("mode", "node", "blocklist", "", acting.role)
        await node.moderation.set_domain_rule(domain, severity, why)
        entry = await node.moderation.add_log_entry(
            "block", "domain", domain, f"{severity}: {why}", acting.role
        )
        if severity == "suspend":
            for follower, followed in await node.moderation.follow_pairs():
                if _covered(domain, follower) or _covered(domain, followed):
                    removed += await node.follows.remove_follow(follower, followed)
            cancelled = await _cancel_undeliverable(node)
    return BlockOutcome(entry, removed, cancelled)


async def allow_domain(node: Node, acting: Acting, domain: str, reason: str = "") -> LogEntry:
    """Approve a node, for allowlist mode."""
    _require_node_staff(acting)
    domain = _domain(node, domain)
    why = _reason(reason, required=False)
    async with node.db.transaction():
        await node.moderation.set_domain_rule(domain, "allow", why)
        return await node.moderation.add_log_entry("allow", "domain", domain, why, acting.role)


async def unblock_domain(node: Node, acting: Acting, domain: str, reason: str = "") -> LogEntry:
    """Drop a node's rule (block or approval)."""
    _require_node_staff(acting)
    domain = _domain(node, domain)
    async with node.db.transaction():
        if not await node.moderation.remove_domain_rule(domain):
            raise Conflict(f"there is no rule for {domain}")
        entry = await node.moderation.add_log_entry(
            "unblock", "domain", domain, _reason(reason, required=False), acting.role
        )
        await _cancel_undeliverable(node)
    return entry


def _covered(domain: str, actor: str) -> bool:
    return domain in candidate_domains(host_of(actor))


async def _cancel_undeliverable(node: Node) -> int:
    cancelled = 0
    for host in await node.moderation.pending_delivery_hosts():
        if not await node.policy.may_deliver(host):
            cancelled += await node.deliveries.cancel_for_host(host)
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
