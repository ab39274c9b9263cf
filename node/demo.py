"""``samenspraak demo``: Groningen's municipality and two neighbourhoods on 127.0.0.1.

The nodes are real: each has its own directory and database, listens on its
own port and federates with the others over HTTP with signatures, exactly as
separate deployments would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from node import social_actions
from node.clock import epoch_now
from node.config import ConfigError
from node.participation.demo_seed import seed_participation
from node.participation.trail import SUPPORT_COUNT_DELAY, publish_due_support_counts
from node.participation.voting_demo import QUICK_POLL_MINUTES, seed_voting
from node.runner import RunningNode, dev_config, ensure_port_free, start_node, until_stopped
from node.setup import create_account

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoNode:
    """One node of the demo network."""

    handle: str
    name: str
    kind: str
    offset: int


DEMO_NODES = (
    DemoNode("gemeente", "Gemeente Groningen", "municipality", 0),
    DemoNode("oosterpark", "Coöperatieve Wijkraad Oosterpark", "collective", 1),
    DemoNode("wijert", "Wijkdeal De Wijert", "collective", 2),
)

# Residents per node, with a password that is printed so the demo can be tried.
DEMO_RESIDENTS = {
    "gemeente": [
        # A municipal official gives the official responses; she does not moderate.
        ("ambtenaar", "Femke de Vries (gebiedsteam)", "official"),
        ("moderator", "Henk Bos (moderator gemeente)", "moderator"),
    ],
    "oosterpark": [
        ("anna", "Anna Bakker", "resident"),
        ("joost", "Joost Mulder", "resident"),
        ("marieke", "Marieke Smit (moderator wijkraad)", "moderator"),
    ],
    "wijert": [
        ("bram", "Bram Hoekstra", "resident"),
        ("sanne", "Sanne Visser", "resident"),
        # Spam is the most common complaint on participation platforms; the demo has some.
        ("meubeldeal", "Tuinmeubel Deals", "resident"),
    ],
}
DEMO_PASSWORD = "groningen-demo"


async def settle(nodes: list[RunningNode], rounds: int = 10) -> None:
    """Send every queued delivery, round after round, until the network is quiet.

    What the seed did is history: the batched support counts go out at once
    instead of after their delay.
    """
    for _ in range(rounds):
        sent = 0
        for running in nodes:
            sent += await publish_due_support_counts(
                running.node.participation_services, now=epoch_now() + SUPPORT_COUNT_DELAY
            )
            sent += (await running.node.worker.run_once()).delivered
        if sent == 0:
            return


async def seed_social(nodes: dict[str, RunningNode]) -> None:
    """Follows as a real deployment would have them, and a first conversation."""
    gemeente, oosterpark, wijert = nodes["gemeente"], nodes["oosterpark"], nodes["wijert"]
    everyone = list(nodes.values())
    for handle, running in nodes.items():
        for username, display, role in DEMO_RESIDENTS[handle]:
            await create_account(
                running.node.db, running.node.urls, username, role, DEMO_PASSWORD, display
            )
    g = await gemeente.node.organisation()
    o = await oosterpark.node.organisation()
    w = await wijert.node.organisation()
    for running, follower, target in (
        (gemeente, g, o.uri),
        (gemeente, g, w.uri),
        (oosterpark, o, g.uri),
        (wijert, w, g.uri),
        (oosterpark, o, w.uri),
        (wijert, w, o.uri),
    ):
        await social_actions.follow(running.node.social_services, follower, target)
    await settle(everyone)

    welcome = await social_actions.post_note(
        gemeente.node.social_services,
        g,
        "<p>Welkom bij de inspraak over Groningen klimaatbestendig. Tot 31 januari kunt u "
        "voorstellen doen voor uw wijk: groen, water en hitte.</p>",
    )
    agenda = await social_actions.post_note(
        oosterpark.node.social_services,
        o,
        "<p>De wijkagenda van Oosterpark staat open. Wat moet er dit jaar beter in de buurt?</p>",
    )
    await settle(everyone)
    anna = await oosterpark.node.actors.by_username("anna")
    bram = await wijert.node.actors.by_username("bram")
    assert anna is not None and bram is not None
    await social_actions.post_note(
        oosterpark.node.social_services,
        anna,
        "<p>Meer bankjes langs het Damsterdiep, graag. "
        "Voor ouderen is het een lange wandeling.</p>",
        in_reply_to=agenda["id"],
    )
    await social_actions.post_note(
        wijert.node.social_services,
        bram,
        "<p>Wadi's in De Wijert zouden bij hoosbuien echt helpen; de Van Iddekingeweg loopt vaak "
        "onder.</p>",
        in_reply_to=welcome["id"],
    )
    await settle(everyone)
    await social_actions.like(wijert.node.social_services, bram, agenda["id"])
    await settle(everyone)


def _instructions(nodes: dict[str, RunningNode], admins: dict[str, str]) -> str:
    lines = ["", "Samenspraak demo network is running:", ""]
    for spec in DEMO_NODES:
        running = nodes[spec.handle]
        base = running.base_url
        host = running.node.urls.host
        lines.append(f"  {spec.name:<34} {base}/   @{spec.handle}@{host}")
        residents = ", ".join(
            username if role == "resident" else f"{username} ({role})"
            for username, _, role in DEMO_RESIDENTS[spec.handle]
        )
        admin = admins.get(spec.handle, "(set at first run)")
        lines.append(f"      accounts: {residents} (password {DEMO_PASSWORD}); admin: {admin}")
    g = nodes["gemeente"].base_url
    g_host = nodes["gemeente"].node.urls.host
    o = nodes["oosterpark"]
    lines += [
        "",
        "Try:",
        f"  curl -s '{g}/.well-known/webfinger?resource=acct:gemeente@{g_host}'",
        f"  curl -s -H 'Accept: application/activity+json' {o.base_url}/actors/oosterpark",
        f"  curl -s -H 'Accept: application/activity+json' '{g}/actors/gemeente/followers?page=1'",
        f"  curl -s {g}/nodeinfo/2.1",
        f"  open {o.base_url}/ in a browser to see the conversation that federated from the others",
        f"  open {g}/processes/klimaatbestendig, {o.base_url}/processes/wijkagenda and "
        f"{nodes['wijert'].base_url}/processes/wijkbudget for the processes",
        f"  curl -s {o.base_url}/processes/wijkagenda/export.csv",
        f"  open {nodes['wijert'].base_url}/processes/wijkbudget/vote (log in as bram) to vote "
        "and fill in the budget ballot; results at .../processes/wijkbudget/results",
        f"  open {nodes['wijert'].base_url}/processes/buurtfeest/vote (log in as bram): the "
        f"schedule closes this vote {QUICK_POLL_MINUTES} minutes after the first start and "
        "publishes its result; .../processes/buurtfeest/decisions shows each move",
        f"  open {nodes['wijert'].base_url}/processes/wijkbudget/panels/1 for the wijkpanel "
        "drawn by lot; recompute it from .../actors/wijkbudget/draws/1 with"
        " node/participation/sortition_algorithm.py",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


async def run_demo(base_port: int, directory: Path | None) -> None:
    """Build (first time) or reopen the demo network and serve it until interrupted."""
    root = directory or Path("demo-data")
    for spec in DEMO_NODES:
        ensure_port_free("127.0.0.1", base_port + spec.offset)
    fresh = not root.exists()
    if not fresh and not (root / "gemeente" / "samenspraak.toml").exists():
        raise ConfigError(f"{root} exists but is not a demo network; choose another --directory")
    nodes: dict[str, RunningNode] = {}
    admins: dict[str, str] = {}
    for spec in DEMO_NODES:
        config = dev_config(spec.handle, spec.name, base_port + spec.offset, spec.kind)
        saved = root / spec.handle / "samenspraak.toml"
        if saved.exists() and f"127.0.0.1:{base_port + spec.offset}" not in saved.read_text():
            raise ConfigError(
                f"{root} was built with another --base-port; use that or a new folder"
            )
        running = await start_node(root / spec.handle, config, run_workers=False)
        nodes[spec.handle] = running
        if running.admin is not None:
            admins[spec.handle] = f"admin / {running.admin.password}"
    workers: list[asyncio.Task[None]] = []
    try:
        if fresh:
            print("Seeding the demo network (first run)...", flush=True)
            await seed_social(nodes)
            await seed_participation(nodes, lambda: settle(list(nodes.values())))
            await seed_voting(nodes, lambda: settle(list(nodes.values())))
        workers = [running.run_background() for running in nodes.values()]
        print(_instructions(nodes, admins), flush=True)
        await until_stopped()
    finally:
        for task in workers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for running in nodes.values():
            await running.stop()
