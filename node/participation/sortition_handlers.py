"""Inbox handlers of panel draws (node/participation/sortition.py): residents of other
nodes opting in, the parties' commitments and reveals, and this node's part as a party
in another node's draw."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activitypub.vocabulary import id_of
from federation.actors import same_origin
from federation.errors import NotAllowed, NotFound, Refusal, Refused
from federation.handlers import Handler, HandlerKey, InboxContext, bind_all
from node.participation.services import ParticipationServices
from node.participation.sortition import (
    answer_join,
    commit_as_party,
    opt_in,
    receive_commitment,
    receive_join_answer,
    receive_reveal,
    reveal_as_party,
)

if TYPE_CHECKING:
    from activitypub.vocabulary import Activity


def _share(activity: Activity, field: str) -> tuple[str, str]:
    """The draw and the value of a party's ``Add`` of its commitment or reveal."""
    obj = activity.object
    if obj is None:
        raise Refused(f"the {field} must be embedded in its Add")
    draw_uri = id_of(obj.raw.get("draw")) or ""
    if id_of(obj.raw.get("party")) != activity.actor:
        raise NotAllowed(f"{activity.actor} may only add its own {field}")
    value = obj.raw.get(field)
    if not isinstance(value, str) or not value:
        raise Refused(f"the {field} is missing")
    return draw_uri, value


async def handle_join(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A resident of another node opts in to one of our draws, with the registrar's
    credential when the draw's process is under an agreement; their node is answered with
    an Accept naming their pseudonym, or a Reject with the reason."""
    credential = activity.object.raw.get("credential") if activity.object else None
    panel = await services.draws.get(activity.object_id)
    if panel is None:
        raise NotFound("there is no such draw on this node", detail=activity.object_id)
    # The Join as answered, without the credential: the resident's node needs no copy.
    join = {
        "id": activity.id,
        "type": "Join",
        "actor": activity.actor,
        "object": panel.uri,
    }
    try:
        pseudonym = await opt_in(
            services,
            panel.uri,
            activity.actor,
            credential if isinstance(credential, str) else None,
        )
    except Refusal as exc:
        await answer_join(
            services, panel.process_uri, join, {"type": "Reject", "summary": exc.reason}
        )
        raise
    await answer_join(services, panel.process_uri, join, {"type": "Accept", "pseudonym": pseudonym})


async def handle_join_answer(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A process answers a sign-up this node sent for one of its residents."""
    # The vocabulary reads an embedded Join as an object, not as an activity.
    join = activity.object_activity or activity.object
    if join is None:
        raise Refused("the answered Join must be embedded")
    await receive_join_answer(services, activity.actor, dict(activity.raw), dict(join.raw))


async def handle_commitment(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A party commits to its part of one of our draws' seeds."""
    draw_uri, commitment = _share(activity, "commitment")
    await receive_commitment(services, draw_uri, activity.actor, commitment)


async def handle_reveal(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A party reveals its part of one of our draws' seeds."""
    draw_uri, reveal = _share(activity, "reveal")
    await receive_reveal(services, draw_uri, activity.actor, reveal)


def _own_draw(activity: Activity) -> dict[str, Any]:
    """The draw a process sends, refused unless it is that process's own."""
    obj = activity.object
    if obj is None or not same_origin(activity.actor, obj.id):
        raise NotAllowed("a process may only send its own draws")
    return dict(obj.raw)


async def handle_invite(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """Another node's process invites this node to commit to its draw's seed."""
    await commit_as_party(services, activity.actor, _own_draw(activity))


async def handle_update(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A draw this node is a party to asks for the reveals (or tells its outcome)."""
    await reveal_as_party(services, activity.actor, _own_draw(activity))


def sortition_handlers(services: ParticipationServices) -> list[tuple[HandlerKey, Handler]]:
    """The draw entries for the node's handler table."""
    return bind_all(
        services,
        [
            (("Join", "PanelDraw"), handle_join),
            (("Accept", "Join"), handle_join_answer),
            (("Reject", "Join"), handle_join_answer),
            (("Add", "SeedCommitment"), handle_commitment),
            (("Add", "SeedReveal"), handle_reveal),
            (("Invite", "PanelDraw"), handle_invite),
            (("Update", "PanelDraw"), handle_update),
        ],
    )
