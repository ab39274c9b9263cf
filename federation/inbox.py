"""The inbox pipeline: from a POSTed body to a dispatched, recorded activity.

Order matters: cheap refusals first (size, JSON, keywords, policy), then the
signature (which may fetch a key), then normalising, idempotency and the
handler. Every refusal is a protocol refusal from federation/errors.py (or a
domain refusal from a handler); the node's error boundary turns it into a
status, a message and a log line.

The handler runs in one deferred write transaction with the inbox-log entry
(``InboxLog.record_with_effects``): a handler may fetch what it needs before
its first write, never after it, and a crash or an error at any point leaves
neither effects nor a log entry, so the sender's retry does the whole work.

Two more ways in share the same handlers and the same log: a ``ForwardedRequest``
(``federation/forwarding.py``), whose inner request is verified with its first
sender's key and then taken as if delivered here, and ``receive_local``, for what
this node's local actors send each other (``federation.delivery.OwnInbox``).
Handlers see the request as received in ``InboxContext.received``, to pass it on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from activitypub.bounded_json import loads_bounded
from activitypub.jsonld import JsonLdError, refuse_unsafe_keywords
from activitypub.signatures import KeyLookup, verdict_for_actor, verify_request
from activitypub.vocabulary import Activity, VocabularyError, id_of, parse_activity
from federation.actors import host_of, same_origin
from federation.errors import BodyTooLarge, MalformedDocument, NotAllowed, SignatureRefused
from federation.forwarding import (
    FORWARDED_REQUEST,
    InboxRequest,
    forwarded_request,
    verify_forwarded,
)
from federation.handlers import HandlerTable, InboxContext
from federation.ports import SYSTEM_TIME, Now

log = logging.getLogger(__name__)

MAX_INBOX_BODY = 1024 * 1024

HostPolicy = Callable[[str], Awaitable[None]]
ActorPolicy = Callable[[str], Awaitable[None]]
Normaliser = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class InboxResult:
    """What happened to an accepted POST."""

    activity: Activity
    handled: bool
    duplicate: bool


def parse_body(body: bytes) -> dict[str, Any]:
    """Decode a JSON object, or refuse with 400."""
    if len(body) > MAX_INBOX_BODY:
        raise BodyTooLarge(f"body of {len(body)} bytes is over the {MAX_INBOX_BODY} limit")
    try:
        doc = loads_bounded(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedDocument(f"body is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedDocument("body must be a JSON object")
    try:
        refuse_unsafe_keywords(doc)
    except JsonLdError as exc:
        raise MalformedDocument(str(exc)) from exc
    return doc


class InboxPipeline:
    """Verifies and dispatches incoming activities."""

    def __init__(
        self,
        *,
        table: HandlerTable,
        context: InboxContext,
        lookup_key: KeyLookup,
        normalise: Normaliser,
        host_policy: HostPolicy | None = None,
        actor_policy: ActorPolicy | None = None,
        now: Now = SYSTEM_TIME,
    ) -> None:
        self._table = table
        self._ctx = context
        self._lookup_key = lookup_key
        self._normalise = normalise
        self._host_policy = host_policy
        self._actor_policy = actor_policy
        self._now = now

    async def receive(self, request: InboxRequest) -> InboxResult:
        """Run one POST through the pipeline; raise a refusal to refuse it."""
        doc = parse_body(request.body)
        claimed_actor = await self._admitted_actor(doc, "activity")
        verification = await verify_request(
            method=request.method,
            target=request.target,
            headers=request.headers,
            body=request.body,
            lookup_key=self._lookup_key,
            now=self._now(),
        )
        if verification.ok:
            verification = verdict_for_actor(verification, claimed_actor)
        if not verification.ok:
            raise SignatureRefused(
                f"signature refused ({verification.verdict.value}): {verification.detail}",
                verification.verdict.value,
            )
        if doc.get("type") == FORWARDED_REQUEST:
            return await self._receive_forwarded(doc, claimed_actor)
        return await self._dispatch(self._activity(doc), replace(self._ctx, received=request))

    async def _receive_forwarded(self, wrapper: dict[str, Any], forwarder: str) -> InboxResult:
        """What another node passes on, verified as if its first sender had sent it here.

        The wrapper's own signature is checked already; the request inside passes the
        same policies and the same handlers as a direct delivery, and is never passed on
        again from here.
        """
        request = forwarded_request(wrapper, forwarder)
        doc = parse_body(request.body)
        actor = await self._admitted_actor(doc, "the forwarded activity")
        if host_of(actor) == self._ctx.own_host:
            raise NotAllowed(f"{actor} is an actor of this node: nothing of theirs is passed on")
        await verify_forwarded(request, actor, str(doc.get("type")), self._lookup_key, self._now())
        return await self._dispatch(self._activity(doc), self._ctx)

    async def _admitted_actor(self, doc: dict[str, Any], what: str) -> str:
        """The actor a document claims, refused when missing or when policy bars it."""
        actor = id_of(doc.get("actor"))
        if not actor:
            raise MalformedDocument(f"{what} has no actor")
        if self._host_policy is not None:
            await self._host_policy(host_of(actor))
        if self._actor_policy is not None:
            await self._actor_policy(actor)
        return actor

    async def receive_local(self, body: bytes) -> InboxResult:
        """Run an activity a local actor sent to this node's own inbox through the handlers.

        The body comes from the node's own outbox (``federation.delivery.OwnInbox``),
        so there is no signature to check; the activity must still be a local
        actor's, and it is handled once, like any other.
        """
        activity = self._activity(parse_body(body))
        if not await self._ctx.is_local_actor(activity.actor):
            raise NotAllowed(f"{activity.actor} is not an actor of this node")
        return await self._dispatch(activity, self._ctx)

    def _activity(self, doc: dict[str, Any]) -> Activity:
        try:
            activity = parse_activity(self._normalise(doc))
        except (JsonLdError, VocabularyError) as exc:
            raise MalformedDocument(f"not a readable activity: {exc}") from exc
        if not same_origin(activity.id, activity.actor):
            # The inbox log is keyed by activity id: a foreign id could shadow the real one.
            raise NotAllowed(f"activity {activity.id} is filed on another host than its actor")
        return activity

    async def _dispatch(self, activity: Activity, ctx: InboxContext) -> InboxResult:
        if await ctx.inbox_log.seen(activity.id):
            return InboxResult(activity, handled=False, duplicate=True)
        handler = self._table.handler_for(activity)
        if handler is None:
            log.info(
                "no handler for %s of %s from %s",
                activity.type,
                activity.object_type or "an IRI",
                activity.actor,
            )

        async def effects() -> None:
            if handler is not None:
                await handler(ctx, activity)

        # The effects and the log entry commit together: a refused, failed or
        # interrupted activity leaves nothing, and its retry is handled afresh.
        if not await ctx.inbox_log.record_with_effects(
            activity.id, activity.actor, activity.type, effects
        ):
            return InboxResult(activity, handled=False, duplicate=True)
        return InboxResult(activity, handled=handler is not None, duplicate=False)


__all__ = ["MAX_INBOX_BODY", "InboxPipeline", "InboxRequest", "InboxResult", "parse_body"]
