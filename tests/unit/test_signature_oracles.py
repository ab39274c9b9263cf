"""draft-cavage signatures checked by an independent implementation, httpsig (PyPI): what
the node signs verifies with httpsig's verifier, and what httpsig signs verifies with ours.

httpsig 1.3.0 (its last release) signs and verifies rsa-sha256 but knows no hs2019; the
hs2019 case signs with httpsig's rsa-sha256 and names the algorithm hs2019, which
draft-cavage does not sign (the fediverse reads hs2019 with an RSA key as rsa-sha256).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from httpsig import HeaderSigner, HeaderVerifier

from activitypub.keys import generate_key_pair
from activitypub.signatures import PublicKey, Verdict, body_digest, sign_request, verify_request

ACTOR = "https://node.example/actors/wijkraad"
KEY_ID = f"{ACTOR}#main-key"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
HTTP_NOW = "Sat, 01 Mar 2025 12:00:00 GMT"
BODY = b'{"type":"Create","actor":"https://node.example/actors/wijkraad"}'
ACTIVITY_JSON = "application/activity+json"
KEYS = generate_key_pair()

# What the node's delivery and fetches sign (federation/transport.py): the inbox POST with
# its body and content type, and GETs without a body, with and without a query and port.
NODE_REQUESTS = [
    ("POST", "https://mastodon.example/users/alice/inbox", BODY, ACTIVITY_JSON),
    ("POST", "http://127.0.0.1:8701/inbox", BODY, ACTIVITY_JSON),
    ("GET", "https://mastodon.example/users/alice", None, None),
    ("GET", "https://mastodon.example/users/alice/outbox?page=true&min_id=0", None, None),
]


def target_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize(("method", "url", "body", "content_type"), NODE_REQUESTS)
def test_what_the_node_signs_verifies_with_httpsig(
    method: str, url: str, body: bytes | None, content_type: str | None
) -> None:
    sent = sign_request(
        method=method,
        url=url,
        body=body,
        key_id=KEY_ID,
        private_key_pem=KEYS.private_pem,
        now=NOW,
        content_type=content_type,
    )
    required = ["(request-target)", "host", "date"] + (["digest"] if body is not None else [])

    def verifier(path: str) -> HeaderVerifier:
        return HeaderVerifier(
            headers=sent,
            secret=KEYS.public_pem,
            required_headers=required,
            method=method,
            path=path,
            sign_header="signature",
        )

    assert verifier(target_of(url)).verify()
    # The oracle is not vacuous: the same signature for another target fails.
    assert not verifier(target_of(url) + "x").verify()


async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
    return PublicKey(key_id, ACTOR, KEYS.public_pem) if key_id == KEY_ID else None


HTTPSIG_REQUESTS = [
    # Mastodon's inbox POST, as Signature and as Authorization: Signature.
    ("POST", "/inbox", ["(request-target)", "host", "date", "digest"], "signature", BODY),
    ("POST", "/inbox", ["(request-target)", "host", "date", "digest"], "authorization", BODY),
    # Another order, and content-type signed too.
    (
        "POST",
        "/inbox",
        ["date", "digest", "(request-target)", "host", "content-type"],
        "signature",
        BODY,
    ),
    # A signed fetch, with and without a query string.
    ("GET", "/actors/wijkraad", ["(request-target)", "host", "date"], "signature", None),
    (
        "GET",
        "/actors/wijkraad/outbox?page=1",
        ["(request-target)", "host", "date"],
        "signature",
        None,
    ),
]


def httpsig_signed(
    method: str, target: str, signed: list[str], sign_header: str, body: bytes | None
) -> dict[str, str]:
    headers = {"Host": "node.example", "Date": HTTP_NOW, "Content-Type": ACTIVITY_JSON}
    if body is not None:
        headers["Digest"] = body_digest(body)
    signer = HeaderSigner(
        KEY_ID, KEYS.private_pem, algorithm="rsa-sha256", headers=signed, sign_header=sign_header
    )
    return dict(signer.sign(headers, method=method, path=target))


@pytest.mark.parametrize(("method", "target", "signed", "sign_header", "body"), HTTPSIG_REQUESTS)
async def test_what_httpsig_signs_verifies_with_ours(
    method: str, target: str, signed: list[str], sign_header: str, body: bytes | None
) -> None:
    headers = httpsig_signed(method, target, signed, sign_header, body)

    result = await verify_request(
        method=method, target=target, headers=headers, body=body, lookup_key=lookup, now=NOW
    )

    assert result.verdict is Verdict.OK
    assert result.owner == ACTOR


async def test_an_httpsig_rsa_signature_named_hs2019_verifies_with_ours() -> None:
    headers = httpsig_signed(
        "POST", "/inbox", ["(request-target)", "host", "date", "digest"], "signature", BODY
    )
    assert 'algorithm="rsa-sha256"' in headers["signature"]
    headers["signature"] = headers["signature"].replace(
        'algorithm="rsa-sha256"', 'algorithm="hs2019"'
    )

    result = await verify_request(
        method="POST", target="/inbox", headers=headers, body=BODY, lookup_key=lookup, now=NOW
    )

    assert result.verdict is Verdict.OK


async def test_an_httpsig_signature_over_another_body_is_refused_by_ours() -> None:
    headers = httpsig_signed(
        "POST", "/inbox", ["(request-target)", "host", "date", "digest"], "signature", BODY
    )
    result = await verify_request(
        method="POST", target="/inbox", headers=headers, body=b"{}", lookup_key=lookup, now=NOW
    )
    assert result.verdict is Verdict.BAD_DIGEST
