"""A resident's copy of their own data, as JSON (the GDPR's right of access): their
profile and address, everything they posted (proposals, comments, posts), the proposals
they support, whom they follow and who follows them, their e-mail choices, and every
vote and budget ballot they cast with where it went and its receipt.

What they chose in a vote is left out, as on their own page: the file may be shown to
others, and a vote nobody can be made to prove stays free. The receipt lets them check
that their vote is among the counted ones. (A Mastodon app shows its owner their own
choice on a poll, as Mastodon does; that is on their own screen only.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from node.clock import iso_now
from node.participation.own_acts import votes_cast
from node.storage.accounts import Account
from node.storage.mail import MAIL_KINDS

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

# Far more than anyone posts: the export holds everything.
EVERYTHING = 1_000_000


async def account_data(services: ParticipationServices, account: Account) -> dict[str, Any]:
    """Everything this node keeps about ``account`` that is theirs to see."""
    me = account.actor_uri
    actor = await services.actors.by_uri(me)
    signup = await services.signups.by_actor(account.actor_id)
    pending = await services.account_changes.pending_email(account.actor_id)
    subscriber = await services.mail_subscribers.get(me)
    verified = await services.residents.get(me)
    return {
        "exported_at": iso_now(),
        "node": services.urls.base,
        "account": {
            "id": me,
            "username": account.username,
            "display_name": account.display_name,
            "summary": actor.summary if actor else "",
            "role": account.role,
            "created_at": account.created_at,
            "email": signup.email if signup and signup.confirmed else None,
            "email_waiting_for_confirmation": pending.address if pending else None,
            "reason_given_at_sign_up": signup.reason if signup else None,
            "residency_verified": verified is not None,
        },
        "notification_mail": {
            "address": subscriber.address,
            "confirmed": subscriber.confirmed,
            "kinds": [kind for kind in MAIL_KINDS if kind in subscriber.kinds],
        }
        if subscriber
        else None,
        "objects": [
            record.document | {"id": record.uri, "type": record.as_type}
            for record in await services.objects.all_by_author(me)
        ],
        "proposals": [
            {
                "id": p.uri,
                "process": p.process_uri,
                "title": p.title,
                "status": p.status,
                "published": p.published,
            }
            for p in await services.store.proposals_by(me, EVERYTHING)
        ],
        "supports": [
            {"proposal": p.uri, "title": p.title}
            for p in await services.store.supported_by(me, EVERYTHING)
        ],
        "following": await services.follows.following_of(me),
        "followers": await services.follows.followers_of(me),
        "votes": [
            {
                "kind": vote.kind,
                "on": vote.target,
                "title": vote.title,
                "state": vote.state,
                "reason": vote.reason,
                "receipt": vote.receipt,
            }
            for vote in await votes_cast(services, me)
        ],
    }
