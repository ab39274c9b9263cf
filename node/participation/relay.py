"""The author's node passes acts on a proposal on to the node that hosts its process.

Mastodon sends a favourite only to the author's server, and a reply only to
the servers of the accounts it mentions. When a proposal's author lives on this
node and its process on another, such an act reaches this node alone; this
node forwards the request it received, signed by its sender, to the process
(``federation/forwarding.py``); what our own people did from an app is sent to
the process directly. The process verifies the sender's own signature and then
judges the act as if it had received it directly: whether the person may
support or comment is the process's decision, and a support this node invented
would not verify there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from activitypub.vocabulary import Activity
from federation.actors import same_origin
from federation.forwarding import forwarded_request_activity
from federation.handlers import InboxContext

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices


async def pass_on_to_process(
    services: ParticipationServices, ctx: InboxContext, activity: Activity, proposal_uri: str
) -> None:
    """Forward ``activity``, received here about ``proposal_uri``, to the proposal's process
    when that lives on another node and the sender did not address it already.

    An act of one of our own people (from an app, through the node's own inbox) is
    not forwarded but sent to the process as well, signed by its author as usual.
    """
    local = ctx.received is None and await ctx.is_local_actor(activity.actor)
    if ctx.received is None and not local:
        # Another node passed it on already: it is never passed on twice.
        return
    proposal = await services.store.get_proposal(proposal_uri)
    if proposal is None:
        return
    process = await services.store.get_process(proposal.process_uri)
    if process is None or process.local or process.uri in _addressees(activity):
        return
    if same_origin(activity.actor, process.uri):
        # From the process's own node (its status notices): it has it already.
        return
    if ctx.received is None:
        await services.outbox.send_again(activity.id, activity.actor, [process.uri])
        return
    forwarder = (await services.actors.instance_signer()).actor_id
    await services.outbox.send(
        forwarder,
        forwarded_request_activity(
            services.outbox.new_activity_id(),
            forwarder,
            ctx.received,
            activity.id,
            [process.uri],
        ),
        [process.uri],
    )


def _addressees(activity: Activity) -> set[str]:
    found = set(activity.recipients)
    if activity.object is not None:
        found |= {*activity.object.to, *activity.object.cc, *activity.object.mentions}
    return found
