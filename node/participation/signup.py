"""Accounts residents open themselves, on the node's pages or from a Mastodon app.

``[accounts] registrations`` decides who may: anyone (``open``), anyone once a
moderator approves (``approval``), or only who has an invitation link from an
administrator (``closed``); an invitation also skips the approval. Every new
account confirms its e-mail address through a link mailed to it (valid 48 hours,
the same queue and link approach as the notification mails) and cannot log in
before, nor before a moderator approved it where one must. A refused sign-up
stores nothing and says, per field, why.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from federation.errors import NotAllowed, NotFound, Refused
from moderation.log import ROLE_ADMIN
from node.config import HANDLE_PATTERN, MAIL_ADDRESS_PATTERN, ConfigError
from node.i18n import N_
from node.participation.mail_notices import (
    CONFIRM_HOURS,
    mail_confirmation,
    mail_signup_decision,
)
from node.participation.mail_settings import LONGEST_ADDRESS
from node.password_rules import FieldsRefused, Problem, password_problems
from node.passwords import hash_password
from node.setup import create_actor
from node.storage.actors import LocalActor
from node.storage.signups import AWAITING_APPROVAL, UNCONFIRMED, Invitation, Signup

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

LONGEST_USERNAME = 30
LONGEST_DISPLAY_NAME = 100
LONGEST_REASON = 1000
INVITATION_DAYS = 7
# An account whose address is not confirmed within a week is removed again, so that
# nobody holds a user name or someone else's address by signing up with it.
UNCONFIRMED_DAYS = 7
CONFIRM_PATH = "/signup/confirm"
# What apps are told for an account that cannot log in yet: Mastodon's words, which
# apps know.
HOLD_REFUSALS = {
    UNCONFIRMED: "Your login is missing a confirmed e-mail address",
    AWAITING_APPROVAL: "Your login is currently pending approval",
}


@dataclass(frozen=True)
class SignupForm:
    """What a person gives to open an account."""

    username: str
    display_name: str
    email: str
    password: str
    agreement: bool
    language: str
    reason: str = ""
    invitation: str = ""


def can_sign_up(services: ParticipationServices) -> bool:
    """Whether anyone can open an account without an invitation (the instance's
    ``registrations`` and NodeInfo's ``openRegistrations``)."""
    return services.config.mail.offered and services.config.registrations != "closed"


def approval_required(services: ParticipationServices) -> bool:
    """Whether a moderator approves each account opened without an invitation."""
    return services.config.registrations == "approval"


def require_mail(services: ParticipationServices) -> None:
    """Nobody can open an account on a node that sends no e-mail: the address could
    not be confirmed."""
    if not services.config.mail.offered:
        raise NotAllowed(
            "this node does not send e-mail, so no account can be opened here",
            code="signup_no_mail",
        )


async def _username_problems(services: ParticipationServices, username: str) -> list[Problem]:
    if not username:
        return [Problem("username", "ERR_BLANK", N_("Choose a user name."))]
    if len(username) > LONGEST_USERNAME:
        return [
            Problem(
                "username",
                "ERR_TOO_LONG",
                N_("A user name has at most %(count)s characters."),
                {"count": LONGEST_USERNAME},
            )
        ]
    if not HANDLE_PATTERN.match(username):
        return [
            Problem(
                "username",
                "ERR_INVALID",
                N_(
                    "A user name has only letters, digits and _, with a single . or - between them."
                ),
            )
        ]
    if await services.actors.by_username(username) is not None:
        return [
            Problem("username", "ERR_TAKEN", N_("This user name is taken. Choose another one."))
        ]
    return []


async def email_problems(services: ParticipationServices, email: str) -> list[Problem]:
    """What is wrong with ``email`` as an account's address: blank, malformed or taken."""
    if not email:
        return [Problem("email", "ERR_BLANK", N_("Give your e-mail address."))]
    if len(email) > LONGEST_ADDRESS or not MAIL_ADDRESS_PATTERN.match(email):
        return [
            Problem(
                "email",
                "ERR_INVALID",
                N_(
                    "This is not an e-mail address. An e-mail address looks like this:"
                    " name@example.org."
                ),
            )
        ]
    if await services.signups.email_taken(email):
        return [
            Problem(
                "email",
                "ERR_TAKEN",
                N_("There is an account with this e-mail address already. Log in with it."),
            )
        ]
    return []


async def _invitation(
    services: ParticipationServices, code: str
) -> tuple[Invitation | None, list[Problem]]:
    """The invitation a sign-up brings, or why it is refused; a node with open or
    approval registrations takes a sign-up without one."""
    if not code:
        if services.config.registrations != "closed":
            return None, []
        message = N_(
            "This node opens accounts only with an invitation. Ask the administrators of"
            " this node for an invitation link."
        )
        return None, [Problem("invite_code", "ERR_BLANK", message)]
    invitation = await services.signups.invitation(code)
    if invitation is None or invitation.used_by is not None:
        message = N_("This invitation link does not work: it is unknown or used already.")
        return None, [Problem("invite_code", "ERR_INVALID", message)]
    if invitation.expires_at <= services.clock.timestamp():
        message = N_("This invitation link has expired. Ask the administrators for a new one.")
        return None, [Problem("invite_code", "ERR_INVALID", message)]
    return invitation, []


async def check_signup(
    services: ParticipationServices, form: SignupForm
) -> tuple[Invitation | None, list[Problem]]:
    """Every problem of a sign-up, per field, and the invitation it brings."""
    invitation, problems = await _invitation(services, form.invitation)
    problems += await _username_problems(services, form.username)
    if len(form.display_name) > LONGEST_DISPLAY_NAME:
        message = N_("A display name has at most %(count)s characters.")
        count = {"count": LONGEST_DISPLAY_NAME}
        problems.append(Problem("display_name", "ERR_TOO_LONG", message, count))
    problems += await email_problems(services, form.email)
    problems += password_problems(form.password, form.username, form.email)
    if not form.agreement:
        message = N_("Accept the rules of this node to open an account.")
        problems.append(Problem("agreement", "ERR_ACCEPTED", message))
    if len(form.reason) > LONGEST_REASON:
        message = N_("Write at most %(count)s characters.")
        problems.append(Problem("reason", "ERR_TOO_LONG", message, {"count": LONGEST_REASON}))
    return invitation, problems


def _cleaned(form: SignupForm) -> SignupForm:
    return SignupForm(
        username=form.username.strip().lstrip("@"),
        display_name=" ".join(form.display_name.split()),
        email=form.email.strip(),
        password=form.password,
        agreement=form.agreement,
        language=form.language,
        reason=form.reason.strip(),
        invitation=form.invitation.strip(),
    )


async def open_account(services: ParticipationServices, form: SignupForm) -> LocalActor:
    """Open the account ``form`` asks for, unconfirmed, and mail the link that confirms its
    address; refused (``FieldsRefused``) with every problem, and then nothing is stored."""
    require_mail(services)
    form = _cleaned(form)
    invitation, problems = await check_signup(services, form)
    if problems:
        raise FieldsRefused(problems)
    approval = "pending" if invitation is None and approval_required(services) else "none"
    token = secrets.token_urlsafe(32)
    now = services.clock.timestamp()
    password_hash = await asyncio.to_thread(hash_password, form.password)
    async with services.db.transaction():
        try:
            actor = await create_actor(
                services.actors,
                services.urls,
                form.username,
                "person",
                form.display_name or form.username,
            )
        except ConfigError:
            # Taken by a sign-up that came in between the check and now.
            message = N_("This user name is taken. Choose another one.")
            raise FieldsRefused([Problem("username", "ERR_TAKEN", message)]) from None
        await services.accounts.create(actor.id, "resident", password_hash)
        await services.signups.add(
            actor.id,
            form.email,
            approval,
            form.reason,
            form.language,
            token,
            now + CONFIRM_HOURS * 3600,
            now,
        )
        if invitation is not None and not await services.signups.use_invitation(
            invitation, form.username, now
        ):
            message = N_("This invitation link does not work: it is unknown or used already.")
            raise FieldsRefused([Problem("invite_code", "ERR_INVALID", message)])
        await _mail_link(services, form.email, form.language, token)
    return actor


async def _mail_link(
    services: ParticipationServices, email: str, language: str, token: str
) -> None:
    why = N_("You opened an account on %(node)s with this e-mail address.")
    await mail_confirmation(services, email, language, token, CONFIRM_PATH, why)


async def send_link_again(services: ParticipationServices, actor_id: int) -> Signup | None:
    """A new confirmation link for an account not confirmed yet (the old one stops
    working); None when the account has nothing to confirm."""
    require_mail(services)
    signup = await services.signups.by_actor(actor_id)
    if signup is None or signup.confirmed:
        return None
    token = secrets.token_urlsafe(32)
    async with services.db.transaction():
        await services.signups.new_confirm_token(
            actor_id, token, services.clock.timestamp() + CONFIRM_HOURS * 3600
        )
        await _mail_link(services, signup.email, signup.language, token)
    return signup


async def confirming(services: ParticipationServices, token: str) -> Signup:
    """Whose account a confirmation link confirms; refused when unknown or expired."""
    signup = await services.signups.by_confirm_token(token) if token else None
    if signup is None:
        raise NotFound("this confirmation link is unknown or used", code="signup_link_unknown")
    if (signup.confirm_expires or 0.0) <= services.clock.timestamp():
        raise Refused("this confirmation link has expired", code="signup_link_expired")
    return signup


async def confirm_account(services: ParticipationServices, token: str) -> Signup:
    """Confirm the address of the account a link was mailed for; its owner can log in
    now, or once a moderator approved it."""
    signup = await confirming(services, token)
    await services.signups.confirm(signup.actor_id)
    confirmed = await services.signups.by_actor(signup.actor_id)
    assert confirmed is not None
    return confirmed


async def _awaiting(services: ParticipationServices, username: str) -> Signup:
    account = await services.accounts.by_username(username)
    signup = await services.signups.by_actor(account.actor_id) if account else None
    if signup is None or signup.approval != "pending":
        raise NotFound(f"no account {username!r} waits for approval", code="signup_unknown")
    return signup


async def approve_signup(
    services: ParticipationServices, username: str, role: str = ROLE_ADMIN
) -> Signup:
    """A moderator lets an account in; its owner gets a mail, and the public moderation
    log shows the account's address as it shows a role change, by ``role`` (the log's
    name for who decided)."""
    signup = await _awaiting(services, username)
    async with services.db.transaction():
        await services.signups.approve(signup.actor_id)
        await mail_signup_decision(services, signup, True, "")
        await services.moderation_log.add_log_entry(
            "approve", "account", services.urls.actor(signup.username), "", role
        )
    return signup


async def reject_signup(
    services: ParticipationServices, username: str, reason: str, role: str = ROLE_ADMIN
) -> Signup:
    """A moderator turns an account down, with a reason its owner gets by mail; the
    account and its actor are removed, so the user name and address are free again.
    The public log shows that a sign-up was rejected, neither the reason (written to
    the person, and maybe about them) nor who: the person never joined, and their name
    is free for someone else to take."""
    reason = reason.strip()
    if not reason:
        raise Refused("give a reason", code="signup_reason_missing")
    signup = await _awaiting(services, username)
    async with services.db.transaction():
        await services.signups.remove_account(signup.actor_id)
        await mail_signup_decision(services, signup, False, reason)
        await services.moderation_log.add_log_entry("reject", "account", "", "", role)
    return signup


async def invite(
    services: ParticipationServices, created_by: str, days: int = INVITATION_DAYS
) -> tuple[str, float]:
    """A new invitation link, for one account, valid ``days`` days: its address and when
    it expires. The public log says an invitation was made and until when it works,
    never its link nor for whom."""
    if not 1 <= days <= 90:
        raise Refused("an invitation is valid for 1 to 90 days", code="invitation_days")
    code = secrets.token_urlsafe(16)
    now = services.clock.timestamp()
    expires = now + days * 86400
    async with services.db.transaction():
        await services.signups.add_invitation(code, created_by, now, expires)
        await services.moderation_log.add_log_entry(
            "invite",
            "node",
            datetime.fromtimestamp(expires, UTC).date().isoformat(),
            "",
            ROLE_ADMIN,
        )
    return f"{services.urls.base}/signup?invite={code}", expires


async def login_hold(services: ParticipationServices, actor_id: int) -> str | None:
    """Why an account may not log in yet (``UNCONFIRMED``, ``AWAITING_APPROVAL``), or None."""
    signup = await services.signups.by_actor(actor_id)
    return signup.hold if signup else None


async def remove_unconfirmed(services: ParticipationServices) -> int:
    """Remove the accounts whose address was not confirmed within ``UNCONFIRMED_DAYS``
    (run by the periodic jobs); return how many."""
    cutoff = services.clock.timestamp() - UNCONFIRMED_DAYS * 86400
    stale = await services.signups.unconfirmed_before(cutoff)
    for signup in stale:
        async with services.db.transaction():
            await services.signups.remove_account(signup.actor_id)
    return len(stale)
