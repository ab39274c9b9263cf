"""A resident's e-mail address and the notification mails they ask for: the address is
confirmed through a link mailed to it, every kind of mail is off until they tick it,
and the link in every mail turns its kind off again."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from federation.errors import NotFound, Refused
from node.config import MAIL_ADDRESS_PATTERN
from node.participation.mail_notices import CONFIRM_HOURS, mail_confirmation
from node.storage.mail import MAIL_KINDS, Subscriber

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

# RFC 5321's limit on a whole address.
LONGEST_ADDRESS = 254


def _require_mail(services: ParticipationServices) -> None:
    if not services.config.mail.offered:
        raise Refused("this node does not send e-mail", code="mail_not_offered")


async def choose_mail(
    services: ParticipationServices,
    actor_uri: str,
    address: str,
    kinds: frozenset[str],
    language: str,
) -> bool:
    """Keep a resident's address and choices. A new address (or one still waiting) gets a
    mail with a link to confirm it; return whether one was sent. A malformed address is
    refused and nothing is changed."""
    _require_mail(services)
    address = address.strip()
    if len(address) > LONGEST_ADDRESS or not MAIL_ADDRESS_PATTERN.match(address):
        raise Refused(f"{address!r} is not an e-mail address", code="mail_address_invalid")
    kinds = kinds & frozenset(MAIL_KINDS)
    known = await services.mail_subscribers.get(actor_uri)
    if known is not None and known.confirmed and known.address.lower() == address.lower():
        await services.mail_subscribers.save(actor_uri, address, kinds, language, None, None)
        return False
    token = secrets.token_urlsafe(32)
    expires = services.clock.timestamp() + CONFIRM_HOURS * 3600
    async with services.db.transaction():
        await services.mail_subscribers.save(actor_uri, address, kinds, language, token, expires)
        await mail_confirmation(services, address, language, token)
    return True


async def confirming(services: ParticipationServices, token: str) -> Subscriber:
    """Whose address a confirmation link confirms; refused when unknown or expired."""
    _require_mail(services)
    subscriber = await services.mail_subscribers.by_confirm_token(token) if token else None
    if subscriber is None:
        raise NotFound("this confirmation link is unknown or used", code="mail_link_unknown")
    expires = subscriber.confirm_expires or 0.0
    if expires <= services.clock.timestamp():
        raise Refused("this confirmation link has expired", code="mail_link_expired")
    return subscriber


async def confirm_address(services: ParticipationServices, token: str) -> Subscriber:
    """Confirm the address a link was mailed to: from now on it gets what it asked for."""
    subscriber = await confirming(services, token)
    await services.mail_subscribers.confirm(subscriber.actor_uri)
    return subscriber


async def unsubscribing(services: ParticipationServices, token: str, kind: str) -> Subscriber:
    """Whose mails of ``kind`` an unsubscribe link stops; refused when unknown."""
    subscriber = await services.mail_subscribers.by_unsubscribe_token(token) if token else None
    if subscriber is None or kind not in MAIL_KINDS:
        raise NotFound("this link to stop e-mails is unknown", code="mail_unsubscribe_unknown")
    return subscriber


async def unsubscribe(services: ParticipationServices, token: str, kind: str) -> Subscriber:
    """No more mails of ``kind`` to the resident whose mails carry ``token``."""
    subscriber = await unsubscribing(services, token, kind)
    await services.mail_subscribers.stop(subscriber.actor_uri, kind)
    return subscriber
