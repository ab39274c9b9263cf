"""Form parameters nest as Rails nests them, so apps that send forms are read like
apps that send JSON."""

from __future__ import annotations

from node.mastodon_api.params import nest


def test_lists_of_objects_start_a_new_object_when_a_key_comes_again() -> None:
    pairs = [
        ("media_attributes[][id]", "1"),
        ("media_attributes[][description]", "Een bank"),
        ("media_attributes[][id]", "2"),
        ("media_attributes[][focus]", "0.0,0.5"),
    ]
    assert nest(pairs) == {
        "media_attributes": [
            {"id": "1", "description": "Een bank"},
            {"id": "2", "focus": "0.0,0.5"},
        ]
    }


def test_plain_lists_and_nested_objects_keep_their_shape() -> None:
    pairs = [("media_ids[]", "7"), ("media_ids[]", "8"), ("poll[options][]", "ja")]
    pairs.append(("home[last_read_id]", "42"))
    assert nest(pairs) == {
        "media_ids": ["7", "8"],
        "poll": {"options": ["ja"]},
        "home": {"last_read_id": "42"},
    }
