"""HTTP signature headers, both formats, and the structured fields under RFC 9421: any
header gives a parse result or a SignatureFormatError, and any signed request gives a
verdict, never another exception."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from activitypub.keys import generate_key_pair
from activitypub.signatures import (
    PublicKey,
    SignatureFormatError,
    SignatureParams,
    VerificationResult,
    _parse_sf_dictionary,  # the RFC 8941 parser has no public name; it is the edge here
    content_digest,
    parse_signature_header,
    verify_request,
)
from tests.fuzz.strategies import edgy_text, syntax_text

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
HTTP_NOW = "Sat, 01 Mar 2025 12:00:00 GMT"
KEY_ID = "https://mastodon.example/users/alice#main-key"
KEY = generate_key_pair()

signature_bytes = st.binary(max_size=300).map(lambda raw: base64.b64encode(raw).decode())

# draft-cavage: name=value pairs, quoted or not, with the names the draft uses.
cavage_names = st.one_of(
    st.sampled_from(["keyId", "algorithm", "headers", "signature", "created", "expires"]),
    edgy_text,
)
cavage_values = st.one_of(
    signature_bytes,
    st.sampled_from(
        [
            KEY_ID,
            "rsa-sha256",
            "hs2019",
            "(request-target) host date digest",
            "(created)",
            "1740830400",
            "-1",
            "99999999999999999999999",
            "",
            "\\",
            '\\"',
        ]
    ),
    edgy_text,
)
cavage_param = st.tuples(cavage_names, cavage_values, st.booleans()).map(
    lambda p: f'{p[0]}="{p[1]}"' if p[2] else f"{p[0]}={p[1]}"
)
cavage_headers = st.one_of(
    st.lists(cavage_param, max_size=7).map(",".join),
    st.lists(cavage_param, max_size=7).map(lambda ps: "Signature " + ", ".join(ps)),
    edgy_text,
)

# RFC 8941 dictionaries as Signature-Input, Signature and Content-Digest carry them.
sf_keys = st.one_of(
    st.sampled_from(["sig1", "sig-b21", "sha-256", "sha-512", "keyid"]), syntax_text
)
sf_items = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16).map(str),
    signature_bytes.map(lambda b: f":{b}:"),
    st.sampled_from(
        [
            '"@method"',
            '"@target-uri"',
            '"content-digest"',
            '"date"',
            "?1",
            "?0",
            "token",
            '"a\\"b"',
            '"\\x"',
            "1.5",
            ":!!:",
            "?2",
        ]
    ),
    edgy_text.map(lambda t: f'"{t}"'),
    syntax_text,
)
sf_params = st.lists(
    st.tuples(
        st.sampled_from(["created", "expires", "keyid", "alg", "nonce", "tag", "key", "X"]),
        sf_items,
    ),
    max_size=4,
).map(lambda ps: "".join(f";{k}={v}" for k, v in ps))
sf_members = st.tuples(
    sf_keys,
    st.one_of(
        st.lists(st.tuples(sf_items, sf_params), max_size=5).map(
            lambda items: "(" + " ".join(i + p for i, p in items) + ")"
        ),
        sf_items,
    ),
    sf_params,
).map(lambda m: f"{m[0]}={m[1]}{m[2]}")
sf_dictionaries = st.one_of(
    st.tuples(st.lists(sf_members, max_size=4), st.sampled_from([", ", ",", " ,", ",\t"])).map(
        lambda parts: parts[1].join(parts[0])
    ),
    edgy_text,
)


@given(cavage_headers)
@example('keyId="k",signature="AAAA",created=1e5')
@example('keyId="k",signature="AAAA",headers=""')
def test_any_cavage_signature_header_parses_or_is_refused(header: str) -> None:
    try:
        assert isinstance(parse_signature_header(header), SignatureParams)
    except SignatureFormatError:
        pass


@given(sf_dictionaries)
@example('sig1=("@method");created=99999999999999999')
@example("a=(")
@example("a=:")
def test_any_structured_field_dictionary_parses_or_is_refused(text: str) -> None:
    try:
        assert isinstance(_parse_sf_dictionary(text), dict)
    except SignatureFormatError:
        pass


async def _lookup(key_id: str, refresh: bool) -> PublicKey | None:
    return PublicKey(key_id, "https://mastodon.example/users/alice", KEY.public_pem)


header_values = st.one_of(
    st.just(HTTP_NOW), st.just("node.example"), st.just(content_digest(b"{}")), edgy_text
)
request_headers = st.fixed_dictionaries(
    {},
    optional={
        "Host": header_values,
        "Date": st.one_of(header_values, st.just("Sat, 01 Mar 99999 12:00:00 GMT")),
        "Digest": st.one_of(
            header_values, st.just("SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=")
        ),
        "Content-Digest": st.one_of(header_values, sf_dictionaries),
        "Signature": st.one_of(cavage_headers, sf_dictionaries),
        "Signature-Input": sf_dictionaries,
        "Authorization": cavage_headers,
    },
)


@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "get", ""]),
    target=st.one_of(st.just("/inbox"), st.just("/users/bob/outbox?page=1"), edgy_text),
    headers=request_headers,
    body=st.one_of(st.none(), st.just(b"{}"), st.binary(max_size=64)),
)
@example(
    method="POST",
    target="/inbox",
    headers={
        "Signature-Input": 'sig1=("@method" "@path");created=99999999999;keyid="k"',
        "Signature": "sig1=:AAAA:",
    },
    body=b"{}",
)
@example(
    method="POST",
    target="/inbox",
    headers={
        "Signature": 'keyId="k",algorithm="hs2019",headers="(request-target) (created)",'
        'created=999999999999999,signature="AAAA"'
    },
    body=b"{}",
)
def test_any_signed_request_gets_a_verdict(
    method: str, target: str, headers: dict[str, str], body: bytes | None
) -> None:
    result = asyncio.run(
        verify_request(
            method=method, target=target, headers=headers, body=body, lookup_key=_lookup, now=NOW
        )
    )
    assert isinstance(result, VerificationResult)
