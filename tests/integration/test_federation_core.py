"""Three nodes federating: follows, posts, replies, likes, deletes, idempotency."""

from __future__ import annotations

from node import social_actions
from node.runner import RunningNode
from tests.integration.conftest import StartNode, deliver


async def _org(n: RunningNode):
    return await n.node.organisation()


async def test_follow_post_reply_like_delete_across_three_nodes(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    g, o, w = await _org(gemeente), await _org(oosterpark), await _org(wijert)

    await social_actions.follow(oosterpark.node.social_services, o, g.uri)
    await social_actions.follow(wijert.node.social_services, w, g.uri)
    await deliver(gemeente, oosterpark, wijert)

    assert sorted(await gemeente.node.follows.followers_of(g.uri)) == sorted([o.uri, w.uri])
    assert (await oosterpark.node.follows.follow_between(o.uri, g.uri)).state == "accepted"
    assert (await wijert.node.follows.follow_between(w.uri, g.uri)).state == "accepted"

    note = await social_actions.post_note(
        gemeente.node.social_services, g, "<p>Inspraakavond over het klimaatplan op 3 december.</p>"
    )
    await deliver(gemeente, oosterpark, wijert)
    for n in (oosterpark, wijert):
        record = await n.node.objects.record(note["id"])
        assert record is not None and "Inspraakavond" in (record.content or "")

    reply = await social_actions.post_note(
        oosterpark.node.social_services,
        o,
        "<p>Wij komen met tien bewoners.</p>",
        in_reply_to=note["id"],
    )
    await deliver(gemeente, oosterpark, wijert)
    replies = await gemeente.node.objects.replies_to(note["id"])
    assert [r.uri for r in replies] == [reply["id"]]

    await social_actions.like(wijert.node.social_services, w, note["id"])
    await deliver(gemeente, oosterpark, wijert)
    assert await gemeente.node.reactions.likes_of(note["id"]) == [w.uri]
    await social_actions.unlike(wijert.node.social_services, w, note["id"])
    await deliver(gemeente, oosterpark, wijert)
    assert await gemeente.node.reactions.likes_of(note["id"]) == []

    await social_actions.delete_note(gemeente.node.social_services, g, note["id"])
    await deliver(gemeente, oosterpark, wijert)
    for n in (oosterpark, wijert):
        record = await n.node.objects.record(note["id"])
        assert record is not None and record.deleted_at is not None and record.content is None
