"""What residents do with their own account: reset a forgotten password through a link
mailed to their confirmed address (valid an hour, used once; every login of the account
ends with it), change their password (with the current one) and change their e-mail
address (the new one is confirmed through a link mailed to it; the old one stays until
then), and delete the account. The mails go through the same queue and link approach
as sign-up's."""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

from activitypub.vocabulary import PUBLIC
from federation.actors import host_of
from federation.errors import NotFound, Refused
from node.i18n import N_, translator
from node.participation.mail_notices import CONFIRM_HOURS, mail_confirmation
from node.participation.signup import email_problems, require_mail
from node.participation.supports import withdraw_support
from node.password_rules import FieldsRefused, Problem, password_problems
from node.passwords import check_password, hash_password
from node.storage.account_changes import PendingEmail
from node.storage.accounts import Account

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

RESET_HOURS = 1
RESET_PATH = "/password/reset"
EMAIL_CONFIRM_PATH = "/me/account/confirm"


async def ask_password_reset(
    services: ParticipationServices, name_or_email: str, language: str
) -> None:
    """Mail a reset link to the confirmed address of the account with this user name or
    address. Whether there is one is never said: the answer is the same either way."""
    require_mail(services)
    given = name_or_email.strip().lstrip("@")
    if "@" in given:
        signup = await services.signups.by_email(given)
    else:
        account = await services.accounts.by_username(given) if given else None
        signup = await services.signups.by_actor(account.actor_id) if account else None
    if signup is None or not signup.confirmed:
        return
    token = secrets.token_urlsafe(32)
    t = translator(language)
    node = services.config.name
    link = f"{services.urls.base}{RESET_PATH}?token={token}"
    async with services.db.transaction():
        await services.account_changes.add_reset(
            signup.actor_id, token, services.clock.timestamp() + RESET_HOURS * 3600
        )
        await services.mail_queue.add(
            f"reset:{token}",
            signup.email,
            t(N_("A new password for %(node)s"), node=node),
            "\n\n".join(
                [
                    t(
                        N_("Someone asked for a new password for your account %(username)s."),
                        username=signup.username,
                    ),
                    t(
                        N_("Open this link within an hour to choose a new password: %(link)s"),
                        link=link,
                    ),
                    t(N_("Did you not ask for this? Then you do not have to do anything.")),
                ]
            )
            + "\n",
            "",
            services.clock.timestamp(),
        )


async def resetting(services: ParticipationServices, token: str) -> int:
    """The account a reset link is for; refused when unknown, used or expired."""
    found = await services.account_changes.reset_for(token) if token else None
    if found is None:
        raise NotFound("this link to reset a password is unknown or used", code="reset_unknown")
    actor_id, expires_at = found
    if expires_at <= services.clock.timestamp():
        raise Refused("this link to reset a password has expired", code="reset_expired")
    return actor_id


async def _new_password_hash(
    services: ParticipationServices, account: Account, password: str, again: str
) -> str:
    """The hash of a new password, or ``FieldsRefused`` with what is wrong with it."""
    signup = await services.signups.by_actor(account.actor_id)
    problems = password_problems(password, account.username, signup.email if signup else "")
    if password != again:
        problems.append(
            Problem("password_again", "ERR_INVALID", N_("The two passwords are not the same."))
        )
    if problems:
        raise FieldsRefused(problems)
    return await asyncio.to_thread(hash_password, password)


async def reset_password(
    services: ParticipationServices, token: str, password: str, again: str
) -> Account:
    """Give the account of a reset link a new password; the link is used up and every
    session and app token of the account ends."""
    actor_id = await resetting(services, token)
    row = await services.actors.by_row_id(actor_id)
    account = await services.accounts.by_username(row.username) if row else None
    if account is None:
        raise NotFound("this link to reset a password is unknown or used", code="reset_unknown")
    password_hash = await _new_password_hash(services, account, password, again)
    async with services.db.transaction():
        if not await services.account_changes.use_reset(token):
            raise NotFound("this link to reset a password is used", code="reset_unknown")
        await services.accounts.set_password(actor_id, password_hash)
        await services.account_changes.end_logins(actor_id)
    return account


async def _check_current(account: Account, current: str) -> None:
    if not await asyncio.to_thread(check_password, current, account.password_hash):
        message = N_("This is not your current password.")
        raise FieldsRefused([Problem("current_password", "ERR_INVALID", message)])


async def change_password(
    services: ParticipationServices, account: Account, current: str, password: str, again: str
) -> None:
    """A new password for a resident who knows their current one."""
    await _check_current(account, current)
    password_hash = await _new_password_hash(services, account, password, again)
    await services.accounts.set_password(account.actor_id, password_hash)


async def change_email(
    services: ParticipationServices, account: Account, address: str, language: str
) -> None:
    """Mail a link to confirm a new address; the account keeps its old one until then."""
    require_mail(services)
    address = address.strip()
    problems = await email_problems(services, address)
    if problems:
        raise FieldsRefused(problems)
    token = secrets.token_urlsafe(32)
    expires = services.clock.timestamp() + CONFIRM_HOURS * 3600
    why = N_("You gave this e-mail address for your account on %(node)s.")
    async with services.db.transaction():
        await services.account_changes.add_email_change(
            account.actor_id, address, token, expires, language
        )
        await mail_confirmation(services, address, language, token, EMAIL_CONFIRM_PATH, why)


async def confirming_email(services: ParticipationServices, token: str) -> PendingEmail:
    """The new address a link confirms; refused when unknown or expired."""
    change = await services.account_changes.email_change_for(token) if token else None
    if change is None:
        raise NotFound("this confirmation link is unknown or used", code="signup_link_unknown")
    if change.expires_at <= services.clock.timestamp():
        raise Refused("this confirmation link has expired", code="signup_link_expired")
    return change


async def confirm_email(services: ParticipationServices, token: str) -> PendingEmail:
    """The new address becomes the account's address."""
    change = await confirming_email(services, token)
    await services.account_changes.email_confirmed(change, services.clock.timestamp())
    return change


# Far more than anyone supports or posts: deleting an account takes everything along.
EVERYTHING = 1_000_000


async def delete_account(services: ParticipationServices, account: Account, password: str) -> None:
    """Delete a resident's account, once they gave its password.

    Their supports are withdrawn (each Undo federates, so processes elsewhere count
    them no more) and their comments and posts become tombstones; their proposals stay
    in their processes. Votes and budget ballots already counted stay counted, under a
    pseudonym. Their login, address, e-mail choices, follows and profile are removed, and
    a ``Delete`` of the actor goes to their followers' servers and the processes they
    took part in, whose software removes what they hold of the account. The actor's
    keys stay, to sign that Delete, and its user name is not given out again.
    """
    await _check_current(account, password)
    actor = await services.actors.by_uri(account.actor_uri)
    assert actor is not None
    me = actor.uri
    for proposal in await services.store.supported_by(me, EVERYTHING):
        await withdraw_support(services, actor, proposal.uri)
    proposals = await services.store.proposals_by(me, EVERYTHING)
    kept = {p.uri for p in proposals}
    objects = await services.objects.all_by_author(me)
    # Remote servers hold copies of what they follow and of what was posted to them.
    places = [*await services.follows.followers_of(me), *(r.audience for r in objects)]
    places += [p.process_uri for p in proposals]
    recipients = [
        uri for uri in dict.fromkeys(places) if uri and host_of(uri) != services.urls.host
    ]
    pseudonym = f"urn:samenspraak:deleted-account:{secrets.token_hex(16)}"
    async with services.db.transaction():
        for record in objects:
            if record.uri not in kept:
                await services.objects.tombstone(record.uri)
        await services.account_changes.anonymise_votes(me, pseudonym)
        await services.account_changes.end_logins(actor.id)
        await services.account_changes.forget_account(actor.id, me, services.clock.timestamp())
        if recipients:
            await services.outbox.send(
                me,
                {
                    "id": services.outbox.new_activity_id(),
                    "type": "Delete",
                    "object": me,
                    "to": [PUBLIC],
                    "cc": [services.urls.followers(actor.username)],
                },
                recipients,
            )
