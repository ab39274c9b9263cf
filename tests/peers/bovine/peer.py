"""A bovine-herd server with one account, on 127.0.0.1, that the interoperability tests
(tests/integration/test_interop_peers.py) drive.

    .venv/bin/python peer.py PORT

It runs in its own virtual environment (requirements.txt): bovine pins versions of
cryptography and PyLD older than the node's, and a peer is a separate server anyway.
bovine-herd serves the actor, WebFinger and the inbox, verifies every HTTP signature
(and refuses unsigned fetches of the actor, as servers in authorized-fetch mode do);
bovine-process handles what arrives and what goes out, bovine signs and sends. What
this file adds is what a person and their app do on such a server: the control API
(``POST /control/<action>``, ``GET /control/state``) and accepting follows, which
bovine leaves to the account's client. Inbox and outbox are processed before the
answer (not in background tasks), so the tests step everything explicitly.

It prints ``ready ACTOR USERNAME`` once it listens; it works in its current directory
(bovine keeps a context cache there), which the tests make a fresh temporary one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import bovine.clients
import bovine.jsonld
import bovine.utils
from bovine.activitystreams import factories_for_actor_object
from bovine_herd import BovineHerd
from bovine_process import handle_outbox_item, process_inbox_item, process_outbox_item
from bovine_process.types import ProcessingItem
from bovine_store import BovineAdminStore
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart, request

PORT = int(sys.argv[1])
ORIGIN = f"http://127.0.0.1:{PORT}"
USERNAME = "bovi"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# The peer keeps time on the nodes' clock (node/clock.py), as servers with synchronised
# clocks do, also when CI moves that clock ahead: signatures carry dates both sides check.
SHIFT = timedelta(days=float(os.environ.get("SAMENSPRAAK_CLOCK_SHIFT_DAYS") or 0))


class _NodesClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:
        return datetime.now(tz) + SHIFT


bovine.utils.datetime = _NodesClock

# Nothing is downloaded at run time: bovine fetches contexts it does not know, so the
# W3C documents it uses come from the copies the node bundles, and any other context
# is read as empty, as bovine itself does when a fetch fails.
BUNDLED = Path(__file__).resolve().parents[3] / "activitypub" / "contexts"
LOCAL_CONTEXTS = {
    url: json.loads((BUNDLED / name).read_text(encoding="utf-8"))["@context"]
    for url, name in {
        "https://w3id.org/security/v1": "security-v1.jsonld",
        "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
        "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
        "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    }.items()
}
_bovine_loader = bovine.jsonld.wrapper


def _offline_loader(url: str, options: Any, **kwargs: Any) -> dict[str, Any]:
    if url in LOCAL_CONTEXTS or not (
        url in (bovine.jsonld.bovine_context_name, "https://www.w3.org/ns/activitystreams")
        or url.startswith("http://joinmastodon.org/ns")
    ):
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": {"@context": LOCAL_CONTEXTS.get(url, [])},
        }
    return _bovine_loader(url, options, **kwargs)


bovine.jsonld.wrapper = _offline_loader

# What the inbox received after bovine-herd verified the signature, as sent; and the
# deliveries bovine-process reported as failed (it logs them and carries on).
received: list[dict[str, Any]] = []
delivery_failures: list[str] = []


class _DeliveryFailures(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # bovine-process logs the failure, then its traceback line by line.
        if message.startswith(("Sending to", "Failed to fetch inbox")):
            delivery_failures.append(message)


_send_log = logging.getLogger("bovine_process.send_item")
_send_log.addHandler(_DeliveryFailures(level=logging.WARNING))
_send_log.propagate = False


async def process_inbox_now(item: ProcessingItem, actor: Any) -> None:
    """bovine-herd's inbox processing, before the answer; then the account's client
    accepts a Follow of it, as a bovine user's client (mechanical_bull) does."""
    received.append(json.loads(json.dumps(item.data)))
    await process_inbox_item(item, actor)
    if item.data.get("type") == "Follow" and _id(item.data.get("object")) == actor.actor_id:
        activities, _ = factories_for_actor_object(actor.actor_object.build())
        await send(actor, activities.accept(received[-1]).build())


async def process_outbox_now(item: ProcessingItem, actor: Any) -> None:
    """bovine-herd's outbox processing (delivery included), before the answer."""
    await process_outbox_item(item, actor)


app = Quart(__name__)
BovineHerd(
    app,
    start_background_task_inbox=process_inbox_now,
    start_background_task_outbox=process_outbox_now,
    db_url="sqlite://bovine-peer.sqlite3",
)
account: dict[str, Any] = {}


@app.before_serving
async def register_account() -> None:
    store = BovineAdminStore(endpoint_path=f"{ORIGIN}/endpoints/template")
    name = await store.register(USERNAME)
    account["actor"] = await store.actor_for_name(name)
    await account["actor"].init(session=app.config["session"])
    print(f"ready {account['actor'].actor_id} {USERNAME}", flush=True)


def _id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


async def send(actor: Any, activity: dict[str, Any]) -> dict[str, Any]:
    """Post to the account's outbox as its client does: bovine-process gives ids,
    stores, and delivers to the recipients named in ``to`` and ``cc``."""
    failures_before = len(delivery_failures)
    item = await handle_outbox_item(ProcessingItem(actor.actor_id, activity), actor)
    await process_outbox_now(item, actor)
    failures = delivery_failures[failures_before:]
    if failures:
        raise RuntimeError("; ".join(failures))
    return item.data


def _note(body: dict[str, Any], objects: Any) -> dict[str, Any]:
    to = set(body.get("to", []))
    note = objects.note(
        content=body.get("content"),
        name=body.get("name"),
        in_reply_to=body.get("inReplyTo"),
        tag=[{"type": "Mention", **m} for m in body.get("mentions", [])],
    )
    if body.get("direct"):
        note.to = to
    else:
        note = note.as_public()
        note.cc |= to
    return note.build()


async def act(action: str, body: dict[str, Any]) -> dict[str, Any]:
    """What the account does for each control action."""
    actor = account["actor"]
    activities, objects = factories_for_actor_object(actor.actor_object.build())
    recipients = set(body.get("to", []))
    if action == "lookup":
        identifier = body["identifier"]
        if identifier.startswith("acct:"):
            identifier, _ = await bovine.clients.lookup_uri_with_webfinger(
                actor.session, identifier, domain=f"http://{identifier.rsplit('@', 1)[1]}"
            )
        return {"found": await actor.get(identifier) if identifier else None}
    if action == "follow":
        return {"id": (await send(actor, activities.follow(body["object"]).build()))["id"]}
    if action == "post":
        sent = await send(actor, activities.create(_note(body, objects)).build())
        return {"id": sent["object"]["id"], "activity": sent["id"]}
    if action == "vote":
        vote = {"name": body["name"], "inReplyTo": body["question"], "to": [body["to"]]}
        sent = await send(actor, activities.create(_note(vote | {"direct": True}, objects)).build())
        return {"id": sent["object"]["id"]}
    if action == "update":
        note = await actor.retrieve(body["object"])
        note = {**note, "content": body["content"], "updated": bovine.utils.now_isoformat()}
        update = activities.update(note).build()
        update["cc"] = sorted(set(update.get("cc", [])) | recipients)
        return {"id": (await send(actor, update))["id"]}
    if action == "delete":
        delete = activities.delete(body["object"], to={PUBLIC}, cc=recipients).build()
        return {"id": (await send(actor, delete))["id"]}
    if action == "like":
        like = activities.like(body["object"], to=recipients).build()
        return {"id": (await send(actor, like))["id"]}
    if action == "announce":
        announce = activities.announce(body["object"]).as_public().build()
        announce["cc"] = sorted(set(announce.get("cc", [])) | recipients)
        return {"id": (await send(actor, announce))["id"]}
    if action == "undo":
        undone = await actor.retrieve(body["object"])
        undo = activities.undo(undone).build()
        undo["to"] = sorted(set(undo.get("to", [])) | recipients)
        return {"id": (await send(actor, undo))["id"]}
    raise LookupError(f"no control action {action}")


@app.post("/control/<action>")
async def control(action: str) -> tuple[dict[str, Any], int]:
    try:
        return await act(action, await request.get_json()), 200
    except LookupError as exc:
        return {"error": str(exc)}, 404
    except Exception as exc:  # the test reads the peer's own words
        logging.exception("control action %s failed", action)
        return {"error": f"{type(exc).__name__}: {exc}"}, 500


@app.get("/control/state")
async def state() -> dict[str, Any]:
    actor = account["actor"]
    followers = await actor.resolve_endpoints([actor.actor_object.followers])
    following = await actor.resolve_endpoints([actor.actor_object.following])
    return {
        "actor": actor.actor_id,
        "received": received,
        "deliveryFailures": delivery_failures,
        "followers": sorted(followers),
        "following": {uri: "accepted" for uri in following},
    }


async def main() -> None:
    # Listening before bovine-herd starts up: requests wait in the backlog until it serves.
    listener = socket.create_server(("127.0.0.1", PORT))
    config = Config()
    config.bind = [f"fd://{listener.fileno()}"]
    config.accesslog = None
    await serve(app, config)


if __name__ == "__main__":
    asyncio.run(main())
