"""Inputs for the fuzz suite: what arrives at the edge, from plausible to hostile."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Characters that matter to the parsers (separators, quotes, escapes, brackets, controls)
# mixed with anything Unicode has, so both the grammar and the odd byte get exercised.
SYNTAX = " \t\r\n\",;=()[]{}:\\/?@*<>!#$%&'+-.^_`|~0123456789aAzZ"
syntax_text = st.text(alphabet=SYNTAX, max_size=60)
any_text = st.text(max_size=60)
edgy_text = st.one_of(syntax_text, any_text)

# Values that ActivityPub fields hold, and the ones they should not.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    edgy_text,
    st.sampled_from(
        [
            "https://mastodon.example/users/alice",
            "https://www.w3.org/ns/activitystreams#Public",
            "as:Public",
            "Public",
            "Note",
            "Create",
            "Person",
            "Question",
            "http://[::1",
            "",
        ]
    ),
)

ACTIVITY_KEYS = [
    "@context",
    "@id",
    "@type",
    "@value",
    "@language",
    "@list",
    "@set",
    "@vocab",
    "@base",
    "@graph",
    "@included",
    "@reverse",
    "@container",
    "@protected",
    "@nest",
    "@json",
    "id",
    "type",
    "actor",
    "object",
    "target",
    "to",
    "cc",
    "bto",
    "audience",
    "content",
    "contentMap",
    "name",
    "nameMap",
    "summary",
    "inReplyTo",
    "attributedTo",
    "tag",
    "attachment",
    "url",
    "href",
    "published",
    "updated",
    "endTime",
    "closed",
    "oneOf",
    "anyOf",
    "replies",
    "inbox",
    "outbox",
    "sharedInbox",
    "endpoints",
    "preferredUsername",
    "publicKey",
    "publicKeyPem",
    "owner",
    "mediaType",
    "sensitive",
    "links",
    "rel",
]
keys = st.one_of(st.sampled_from(ACTIVITY_KEYS), edgy_text)


def json_values(max_leaves: int = 25) -> st.SearchStrategy[Any]:
    """Any JSON value, nested, with keys ActivityPub uses and keys it does not."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=6),
        ),
        max_leaves=max_leaves,
    )


json_objects = st.dictionaries(keys, json_values(), max_size=10)
