"""Talking to other nodes: the inbox pipeline, the handler table, delivery, remote fetch.

This layer is generic: it knows how nodes federate, not what a process or a
vote is, nor which database stores it. What it needs from storage it states as
small protocols in ``ports``; ``node/storage/`` implements them and
``node/node.py`` wires them in. Domains outside it (``moderation/``,
``node/participation/``) add their inbox handlers to the one table in
``handlers``.

Imports: ``activitypub`` only. It never imports ``moderation`` or ``node`` (the
layers contract in ``[tool.importlinter]`` of ``pyproject.toml``: node, then
moderation, then federation, then activitypub).

Modules:

- ``actors`` — finding remote actors and their keys (``ActorResolver``), with a
  cache in storage; origin helpers (``host_of``, ``same_origin``).
- ``delivery`` — outgoing delivery: who receives an activity (``Recipients``),
  the worker that expands fan-out jobs and sends the queue (``DeliveryWorker``),
  hands what local actors send each other to the node's own inbox (``OwnInbox``),
  retry and host-pause policy.
- ``errors`` — refusals (``NotFound``, ``Refused``, ``Conflict``, ``NotAllowed``,
  ``Invalid``...): what a node will not or cannot do, said for people, without
  an HTTP status; every surface maps them once.
- ``fetch`` — fetching remote objects from their origin, with the origin checks.
- ``forwarding`` — passing a received signed request on to another node
  (``ForwardedRequest``), which verifies it with its first sender's own key.
- ``handlers`` — the one table mapping (activity type, object type) to a
  handler (``HandlerTable``), and the typed ``InboxContext`` handlers get.
- ``inbox`` — the inbox pipeline (``InboxPipeline``): from a POSTed body to a
  verified, dispatched activity whose effects commit with its inbox-log entry.
- ``lifecycle`` — lifecycles as state graphs (``StateGraph``), checked when
  defined; an illegal move is ``IllegalMove``.
- ``ports`` — what federation needs from storage, as protocols (``InboxLog``,
  ``FollowStore``, ``ObjectStore``, ``DeliveryQueue``...), and the delivery
  job's lifecycle (``DELIVERY_LIFECYCLE``).
- ``social_handlers`` — inbound handlers of the social core (``CORE_HANDLERS``):
  follows, notes, likes, announces, updates, deletes.
- ``transport`` — the one outbound HTTP client (``Transport``): signed GETs and
  POSTs, the SSRF guard, and the refusal of any request made inside a write
  transaction.
- ``webfinger`` — a remote actor's id from a handle (``name@host``).
"""
