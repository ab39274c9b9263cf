"""Shared parts of the loopback benchmarks: remote actors, serving apps, the machine.

Both benchmarks run their remote peers as small aiohttp apps on 127.0.0.1 and
print the machine they ran on, so a figure in RESULTS.md says where it came from.
"""

from __future__ import annotations

import faulthandler
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from activitypub.vocabulary import PUBLIC

ACTIVITY_JSON = "application/activity+json"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
# The @context Mastodon puts on every Create of a status (app/lib/activitypub/adapter.rb).
MASTODON_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "votersCount": "toot:votersCount",
    },
]


def person_document(
    base: str, username: str, public_key_pem: str, *, shared_inbox: bool
) -> dict[str, Any]:
    """A Mastodon-shaped Person at ``{base}/users/{username}`` with its key.

    ``shared_inbox=False`` leaves out ``endpoints.sharedInbox``, so deliveries go
    to the personal inbox.
    """
    uri = f"{base}/users/{username}"
    doc: dict[str, Any] = {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT],
        "id": uri,
        "type": "Person",
        "preferredUsername": username,
        "name": username.title(),
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "followers": f"{uri}/followers",
        "url": f"{base}/@{username}",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_key_pem},
    }
    if shared_inbox:
        doc["endpoints"] = {"sharedInbox": f"{base}/inbox"}
    return doc


def mastodon_create_note(actor: str, number: int, text: str) -> dict[str, Any]:
    """A public Create(Note) shaped as Mastodon 4 sends it to a shared inbox."""
    base = actor.rsplit("/users/", 1)[0]
    status = f"{actor}/statuses/{number}"
    host = base.split("://", 1)[1]
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    content = f"<p>{text}</p>"
    return {
        "@context": MASTODON_CONTEXT,
        "id": f"{status}/activity",
        "type": "Create",
        "actor": actor,
        "published": published,
        "to": [PUBLIC],
        "cc": [f"{actor}/followers"],
        "object": {
            "id": status,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": published,
            "url": f"{base}/@{actor.rsplit('/', 1)[1]}/{number}",
            "attributedTo": actor,
            "to": [PUBLIC],
            "cc": [f"{actor}/followers"],
            "sensitive": False,
            "atomUri": status,
            "inReplyToAtomUri": None,
            "conversation": f"tag:{host},2026-01-01:objectId={number}:objectType=Conversation",
            "content": content,
            "contentMap": {"nl": content},
            "attachment": [],
            "tag": [],
            "replies": {
                "id": f"{status}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{status}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{status}/replies",
                    "items": [],
                },
            },
        },
    }


def activity_json(document: dict[str, Any]) -> web.Response:
    """A document served with the ActivityStreams content type."""
    return web.json_response(document, content_type=ACTIVITY_JSON)


async def serve(app: web.Application, port: int) -> web.AppRunner:
    """Serve ``app`` on 127.0.0.1:``port``; the caller cleans the runner up."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, reuse_address=True).start()
    return runner


def process_cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """CPU seconds a process has used so far, all its threads (Linux ``/proc``); with
    ``reaped_children`` also those of the children it has waited for (a database server's
    ended backends, say), so a sum over a process tree never falls."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = fields[11:15] if reaped_children else fields[11:13]
    return sum(int(n) for n in ticks) / os.sysconf("SC_CLK_TCK")


def stop_after(seconds: float) -> None:
    """Make sure the benchmark ends: after ``seconds`` dump every thread's stack and exit."""
    faulthandler.dump_traceback_later(seconds, exit=True)


def machine_description() -> list[str]:
    """Where a benchmark ran: date, CPUs, CPU model, Python, as lines to print."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return [
        f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"nproc: {len(os.sched_getaffinity(0))}",
        f"cpu: {model}",
        f"python: {platform.python_version()} ({platform.python_implementation()})",
    ]
