"""Three nodes and a Mastodon server converge on the process: it is the authority.

A municipality hosts an advise process (threshold 3) that two neighbourhood
nodes and a Mastodon user follow. A proposal posted from a Mastodon app on one
neighbourhood node is a proposal on every node; supports from residents of all
three nodes count on the process's node, and every node shows the status, the
count, the trail and the official response the process published. Mastodon
readers get the decisions as posts of the process, which they accept.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from mastodon import Mastodon

from activitypub.vocabulary import id_of
from node.participation.official_responses import respond_officially
from node.runner import RunningNode
from node.social_actions import follow
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.fake_peer import FakeMastodon, PeerAccount
from tests.integration.oauth_browser import logged_in_client, resident
from tests.integration.participation_helpers import open_process, person
from tests.integration.web_login import logged_in, web_browser

THRESHOLD_REASON = "3 keer gesteund: de drempel van 3 is bereikt."


async def proposal_page(running: RunningNode, uri: str) -> tuple[int, str, str]:
    """A visitor opens a node's page for a proposal: (status, path, HTML)."""
    record = await running.node.objects.record(uri)
    path = f"/proposals/{record.row_id}" if record is not None else "/proposals/0"
    async with web_browser(running) as browser:
        page = await browser.get(path)
    return page.status, path, page.text


def support_count_shown(html: str) -> str:
    found = re.search(r'<span id="support-count">([^<]*)</span>', html)
    assert found is not None, html
    return found[1]


def received(peer: FakeMastodon, account: PeerAccount, kind: str) -> list[dict[str, Any]]:
    found = [r for r in peer.received_by(account) if r.activity["type"] == kind]
    assert all(r.verified for r in found), [r.failure for r in found]
    return [r.activity for r in found]


def author_accepts(activity: dict[str, Any]) -> bool:
    """Mastodon's rule for a post it is sent: only its author may create or update it."""
    obj = activity["object"]
    return isinstance(obj, dict) and obj.get("attributedTo") == activity["actor"]


async def test_a_proposal_from_an_app_converges_on_every_node_and_reaches_mastodon(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijert = await start("wijert", "Bewonersorganisatie De Wijert")
    nodes = (gemeente, oosterpark, wijert)
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    process = await open_process(gemeente, "inspraak", "advise", threshold=3)
    for neighbourhood in (oosterpark, wijert):
        node = neighbourhood.node
        await follow(node.social_services, await node.organisation(), process.uri)
    await mastodon.post(joris, f"{gemeente.base_url}/inbox", mastodon.follow(joris, process.uri))
    await deliver(*nodes)

    # Anna writes her proposal in a Mastodon app logged in to Oosterpark.
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    status = await asyncio.to_thread(
        anna.status_post,
        f"@inspraak@{gemeente.node.urls.host} Geveltuinen in de Oosterparkwijk\n"
        "Laat bewoners tegels wippen voor geveltuinen: koeler en groener.",
    )
    await deliver(*nodes)

    for running in nodes:
        code, _, html = await proposal_page(running, status.uri)
        assert code == 200, (running.node.config.handle, html)
        assert "Geveltuinen in de Oosterparkwijk" in html
        assert support_count_shown(html) == "0 van 3 steunbetuigingen"

    # One resident of each node supports it: on the web, and from an app on De Wijert.
    for count, (running, username) in enumerate(((gemeente, "fatima"), (oosterpark, "joost")), 1):
        await person(running, username)
        _, path, _ = await proposal_page(running, status.uri)
        async with logged_in(running, username) as browser:
            await browser.get(path)
            assert (await browser.post(f"{path}/support", {})).status == 303
        await deliver(*nodes)
        for shown_on in nodes:
            html = (await proposal_page(shown_on, status.uri))[2]
            assert support_count_shown(html) == f"{count} van 3 steunbetuigingen"
    await resident(wijert, "bram")
    bram: Mastodon = await logged_in_client(wijert, "bram")
    [found] = (await asyncio.to_thread(bram.search_v2, status.uri, resolve=True)).statuses
    favourited = await asyncio.to_thread(bram.status_favourite, found.id)
    assert favourited.favourited
    await deliver(*nodes)

    assert await gemeente.node.participation_store.support_count(status.uri) == 3
    for running in nodes:
        _, _, html = await proposal_page(running, status.uri)
        assert support_count_shown(html) == "3 van 3 steunbetuigingen"
        assert "Status: genoeg steun" in html and THRESHOLD_REASON in html
        assert "Wacht op een officiële reactie van de gemeente." in html
        # The process's notice is told in the trail, not shown again as a comment.
        assert html.count(THRESHOLD_REASON) == 1 and "Nog geen reacties." in html

    # Mastodon, which takes a post only from its author, is told by the process itself.
    notices = [
        a for a in received(mastodon, joris, "Create") if a["object"].get("inReplyTo") == status.uri
    ]
    [notice] = notices
    assert author_accepts(notice) and notice["actor"] == process.uri
    assert THRESHOLD_REASON in notice["object"]["content"]
    assert gemeente.node.urls.followers(process.slug) in notice["object"]["cc"]
    # The process's views (Updates of a post it did not write) are not sent there at all.
    assert [a for a in received(mastodon, joris, "Update") if a["object"]["id"] == status.uri] == []

    # The municipality answers; every node shows the answer, Mastodon gets its boost.
    wethouder = await person(gemeente, "wethouder", "moderator")
    answer = await respond_officially(
        gemeente.node.participation_services,
        wethouder,
        status.uri,
        "We nemen geveltuinen op in het klimaatplan.",
    )
    await deliver(*nodes)
    for running in nodes:
        _, _, html = await proposal_page(running, status.uri)
        assert "We nemen geveltuinen op in het klimaatplan." in html
        assert "Wacht op een officiële reactie" not in html
    boosts = [
        a for a in received(mastodon, joris, "Announce") if id_of(a["object"]) == answer["id"]
    ]
    assert [b["actor"] for b in boosts] == [process.uri]


async def test_a_mastodon_proposal_and_its_support_undone_show_on_a_following_node(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Bewonersorganisatie De Wijert")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    process = await open_process(gemeente, "inspraak", "advise", threshold=3)
    await follow(wijert.node.social_services, await wijert.node.organisation(), process.uri)
    await deliver(gemeente, wijert)

    handle = f"@inspraak@{gemeente.node.urls.host}"
    post = mastodon.note(
        joris,
        f"<p>{handle} Een bankje bij de vijver</p><p>Om even uit te rusten.</p>",
        mentions=((process.uri, handle),),
    )
    mastodon.publish(post)
    inbox = f"{gemeente.base_url}/inbox"
    assert (await mastodon.post(joris, inbox, mastodon.create(post))).status == 202
    await deliver(gemeente, wijert)
    code, _, html = await proposal_page(wijert, post["id"])
    assert code == 200, html
    assert "<h1>Een bankje bij de vijver</h1>" in html
    assert support_count_shown(html) == "0 van 3 steunbetuigingen"

    like = mastodon.like(joris, post["id"])
    assert (await mastodon.post(joris, inbox, like)).status == 202
    await deliver(gemeente, wijert)
    html = (await proposal_page(wijert, post["id"]))[2]
    assert support_count_shown(html) == "1 van 3 steunbetuigingen"

    # Joris edits his post: the text changes everywhere, the proposal stays one.
    edit = mastodon.update_note(post, f"<p>{handle} Een bankje bij de vijver</p><p>Of twee.</p>")
    for node_inbox in (inbox, f"{wijert.base_url}/inbox"):
        assert (await mastodon.post(joris, node_inbox, edit)).status == 202
    await deliver(gemeente, wijert)
    for running in (gemeente, wijert):
        code, _, html = await proposal_page(running, post["id"])
        assert code == 200 and "Of twee." in html
        assert "<h1>Een bankje bij de vijver</h1>" in html
        assert support_count_shown(html) == "1 van 3 steunbetuigingen"

    assert (await mastodon.post(joris, inbox, mastodon.undo(joris, like))).status == 202
    await deliver(gemeente, wijert)
    html = (await proposal_page(wijert, post["id"]))[2]
    assert support_count_shown(html) == "0 van 3 steunbetuigingen"
