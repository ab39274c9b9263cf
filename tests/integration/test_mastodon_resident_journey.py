"""A Mastodon user takes part in a process end to end, server to server.

The Mastodon side is the fake server in fake_peer.py: it signs what it sends
as Mastodon 4.x does and verifies what it receives with Mastodon's own rules.
"""

from __future__ import annotations

from typing import Any

from activitypub.vocabulary import id_of
from node.participation.processes import known_process, set_phase
from node.participation.proposals import create_proposal
from node.participation.voting import current_tally, open_vote
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.participation_helpers import PROPOSING_AND_VOTING, open_process, person
from tests.integration.voting_scenarios import in_a_week, send_tally_updates


def _received(peer: Any, account: Any, kind: str) -> list[dict[str, Any]]:
    found = [r for r in peer.received_by(account) if r.activity["type"] == kind]
    assert all(r.verified for r in found), [r.failure for r in found]
    return [r.activity for r in found]


async def test_mastodon_user_follows_reads_comments_supports_and_votes(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    mastodon = await start_peer()
    joris = mastodon.add_account("joris", "Joris")
    process = await open_process(
        gemeente, "klimaat", "initiate", threshold=5, phases=PROPOSING_AND_VOTING
    )
    host = gemeente.node.urls.host

    # Found by its handle, and the handle round-trips as Mastodon checks.
    finger = await mastodon.get(
        f"{gemeente.base_url}/.well-known/webfinger?resource=acct:klimaat@{host}",
        accept="application/jrd+json",
    )
    [self_link] = [link for link in finger.body["links"] if link["rel"] == "self"]
    actor = await mastodon.get(self_link["href"], signer=mastodon.instance_actor)
    assert actor.body["type"] == "Group"
    assert f"{actor.body['preferredUsername']}@{host}" == f"klimaat@{host}"

    follow = mastodon.follow(joris, process.uri)
    assert (await mastodon.post(joris, actor.body["inbox"], follow)).status == 202
    await deliver(gemeente)
    [accept] = _received(mastodon, joris, "Accept")
    assert accept["actor"] == process.uri

    # A resident of another node proposes; the process boosts it to Mastodon in full.
    anna = await person(oosterpark, "anna")
    remote_process = await known_process(
        oosterpark.node.participation_services, process.uri, fetch=True
    )
    assert remote_process is not None
    proposal = await create_proposal(
        oosterpark.node.participation_services,
        anna,
        remote_process,
        "Wadi's in de Oosterparkwijk",
        "Bij elke hoosbui staat de Gorechtkade blank.",
    )
    await deliver(gemeente, oosterpark)
    [boost] = [
        a for a in _received(mastodon, joris, "Announce") if id_of(a["object"]) == proposal.uri
    ]
    assert boost["actor"] == process.uri
    shown = await mastodon.get(proposal.uri, signer=mastodon.instance_actor)
    assert shown.body["type"] == "Note"
    assert "Wadi" in shown.body["content"] and "Gorechtkade" in shown.body["content"]

    # A reply from Mastodon is a comment on both nodes, though the author lives elsewhere.
    reply = mastodon.note(
        joris,
        "<p>Goed plan, maar let op de bomen langs het water.</p>",
        mentions=(
            (process.uri, f"@klimaat@{host}"),
            (anna.uri, f"@anna@{oosterpark.node.urls.host}"),
        ),
        in_reply_to=proposal.uri,
    )
    create = mastodon.create(reply)
    assert (await mastodon.post(joris, f"{gemeente.base_url}/inbox", create)).status == 202
    assert (await mastodon.post(joris, f"{oosterpark.base_url}/inbox", create)).status == 202
    for running in (gemeente, oosterpark):
        replies = await running.node.objects.replies_to(proposal.uri)
        assert [r.uri for r in replies] == [reply["id"]]

    # A favourite is a support; its Undo withdraws it.
    like = mastodon.like(joris, proposal.uri)
    assert (await mastodon.post(joris, f"{gemeente.base_url}/inbox", like)).status == 202
    assert await gemeente.node.participation_store.supporters(proposal.uri) == [joris.uri]
    undo = mastodon.undo(joris, like)
    assert (await mastodon.post(joris, f"{gemeente.base_url}/inbox", undo)).status == 202
    assert await gemeente.node.participation_store.support_count(proposal.uri) == 0

    # Voting opens: the poll reaches Mastodon, the vote counts once, the tally comes back.
    await set_phase(gemeente.node.participation_services, process, "voting")
    question = await open_vote(gemeente.node.participation_services, proposal.uri, in_a_week())
    await deliver(gemeente)
    creates = [a for a in _received(mastodon, joris, "Create") if a["object"]["type"] == "Question"]
    poll = creates[-1]["object"]
    assert poll["id"] == question.uri and poll["endTime"]
    options = [o["name"] for o in poll["oneOf"]]
    assert options[0] == "voor"

    for attempt in (1, 2):
        vote = {
            "id": f"{joris.uri}#votes/{attempt}",
            "type": "Note",
            "name": "voor",
            "attributedTo": joris.uri,
            "inReplyTo": question.uri,
            "to": process.uri,
        }
        answer = await mastodon.post(
            joris,
            actor.body["inbox"],
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{vote['id']}/activity",
                "type": "Create",
                "actor": joris.uri,
                "to": process.uri,
                "object": vote,
            },
        )
        assert answer.status == 202
    tally = await current_tally(gemeente.node.participation_services, question)
    assert (tally.count("voor"), tally.voters_count) == (1, 1)

    # Tally Updates are batched; once the delay has passed one Update carries both votes.
    await send_tally_updates(gemeente)
    await deliver(gemeente)
    updates = [a["object"] for a in _received(mastodon, joris, "Update")]
    latest = [u for u in updates if u.get("id") == question.uri][-1]
    counts = {o["name"]: o["replies"]["totalItems"] for o in latest["oneOf"]}
    assert counts["voor"] == 1 and latest["votersCount"] == 1
