"""Raw ActivityStreams JSON becomes typed data once, at the edge."""

from __future__ import annotations

import pytest

from activitypub.vocabulary import PUBLIC, VocabularyError, parse_activity, parse_actor
from federation.handlers import ANY, DuplicateHandler, HandlerTable


async def _noop(ctx, activity) -> None:  # type: ignore[no-untyped-def]
    return None


def test_one_or_many_and_embedded_or_iri_are_normalised() -> None:
    activity = parse_activity(
        {
            "id": "https://a.example/1",
            "type": "Create",
            "actor": {"id": "https://a.example/users/x", "type": "Person"},
            "to": PUBLIC,
            "cc": ["https://a.example/users/x/followers"],
            "object": {
                "id": "https://a.example/n/1",
                "type": "Note",
                "attributedTo": "https://a.example/users/x",
                "contentMap": {"nl": "<p>Hoi</p>"},
                "tag": {
                    "type": "Hashtag",
                    "name": "#groen",
                    "href": "https://a.example/tags/groen",
                },
                "to": PUBLIC,
            },
        }
    )
    assert activity.actor == "https://a.example/users/x"
    assert activity.to == (PUBLIC,)
    assert activity.object is not None
    assert activity.object.content == "<p>Hoi</p>"
    assert activity.object.hashtags == ("groen",)
    assert activity.object.is_public
    assert activity.object_type == "Note"


def test_embedded_activity_is_parsed_as_an_activity() -> None:
    undo = parse_activity(
        {
            "id": "https://m.example/u#likes/1/undo",
            "type": "Undo",
            "actor": "https://m.example/users/a",
            "object": {
                "id": "https://m.example/u#likes/1",
                "type": "Like",
                "actor": "https://m.example/users/a",
                "object": "https://n.example/objects/1",
            },
        }
    )
    assert undo.object_type == "Like"
    assert undo.object_activity is not None
    assert undo.object_activity.object_id == "https://n.example/objects/1"


@pytest.mark.parametrize("missing", ["id", "type", "actor", "object"])
def test_activity_without_required_field_is_refused(missing: str) -> None:
    doc = {"id": "https://a/1", "type": "Like", "actor": "https://a/u", "object": "https://b/o"}
    del doc[missing]
    with pytest.raises(VocabularyError):
        parse_activity(doc)


def test_actor_needs_inbox_and_username() -> None:
    with pytest.raises(VocabularyError):
        parse_actor({"id": "https://a/u", "type": "Person", "preferredUsername": "u"})
    with pytest.raises(VocabularyError):
        parse_actor({"id": "https://a/n", "type": "Note", "inbox": "https://a/i"})


def test_registering_the_same_pair_twice_is_an_error() -> None:
    with pytest.raises(DuplicateHandler):
        HandlerTable([(("Like", ANY), _noop), (("Like", ANY), _noop)])


def test_specific_entries_win_over_the_fallback() -> None:
    async def specific(ctx, activity) -> None:  # type: ignore[no-untyped-def]
        return None

    table = HandlerTable([(("Undo", "Like"), specific), (("Undo", ANY), _noop)])
    like_undo = parse_activity(
        {
            "id": "https://a/2",
            "type": "Undo",
            "actor": "https://a/u",
            "object": {
                "id": "https://a/1",
                "type": "Like",
                "actor": "https://a/u",
                "object": "https://b/o",
            },
        }
    )
    iri_undo = parse_activity(
        {"id": "https://a/3", "type": "Undo", "actor": "https://a/u", "object": "https://a/1"}
    )
    assert table.handler_for(like_undo) is specific
    assert table.handler_for(iri_undo) is _noop
