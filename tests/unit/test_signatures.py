"""HTTP signatures: known answers, round trips, and one case per verdict."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from multidict import CIMultiDict

from activitypub.keys import (
    KeyFormatError,
    KeyPair,
    generate_key_pair,
    load_private_key,
    load_public_key,
)
from activitypub.signatures import (
    PublicKey,
    SignatureFormatError,
    Verdict,
    VerificationResult,
    body_digest,
    build_signing_string,
    content_digest,
    parse_signature_header,
    sign_request,
    verdict_for_actor,
    verify_request,
)

ACTOR = "https://mastodon.example/users/alice"
KEY_ID = f"{ACTOR}#main-key"
INBOX = "https://node.example/users/bob/inbox"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
HTTP_NOW = "Sat, 01 Mar 2025 12:00:00 GMT"
BODY = b'{"type":"Create","actor":"https://mastodon.example/users/alice"}'

# The test key and vectors of draft-cavage-http-signatures (appendix C).
CAVAGE_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----"""
CAVAGE_HEADERS = {
    "host": "example.com",
    "date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "content-type": "application/json",
    "digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "content-length": "18",
}
CAVAGE_BASIC_SIGNATURE = (
    "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe"
    "8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="
)
CAVAGE_DEFAULT_SIGNATURE = (
    "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7"
    "q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="
)


@pytest.fixture(scope="module")
def alice() -> KeyPair:
    return generate_key_pair()


@pytest.fixture(scope="module")
def mallory() -> KeyPair:
    return generate_key_pair()


class KeyDirectory:
    """Stands in for the remote-key cache: serves `cached` normally and `fresh` on refresh."""

    def __init__(self, cached: str | None, fresh: str | None = None, owner: str = ACTOR) -> None:
        self.cached = cached
        self.fresh = fresh if fresh is not None else cached
        self.owner = owner
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKey | None:
        self.calls.append((key_id, refresh))
        pem = self.fresh if refresh else self.cached
        return PublicKey(key_id=key_id, owner=self.owner, pem=pem) if pem else None


def cavage_sign(
    private_pem: str,
    method: str,
    target: str,
    headers: dict[str, str],
    signed: list[str],
    *,
    algorithm: str = "rsa-sha256",
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """Sign arbitrary header lists, to build requests sign_request would never make."""
    text = build_signing_string(method, target, headers, signed, created, expires)
    raw = load_private_key(private_pem).sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    extra = "".join(
        f",{name}={value}" for name, value in (("created", created), ("expires", expires)) if value
    )
    return (
        f'keyId="{KEY_ID}",algorithm="{algorithm}",headers="{" ".join(signed)}"{extra},'
        f'signature="{base64.b64encode(raw).decode()}"'
    )


async def verify_post(
    headers: dict[str, str], keys: KeyDirectory, body: bytes = BODY, now: datetime = NOW
) -> VerificationResult:
    return await verify_request(
        method="POST",
        target="/users/bob/inbox",
        headers=headers,
        body=body,
        lookup_key=keys,
        now=now,
    )


def signed_post(pair: KeyPair, body: bytes | None = BODY, now: datetime = NOW) -> dict[str, str]:
    return sign_request(
        method="POST",
        url=INBOX,
        body=body,
        key_id=KEY_ID,
        private_key_pem=pair.private_pem,
        now=now,
        content_type="application/activity+json",
    )


# Known answers


def test_body_digest_matches_the_draft_cavage_example() -> None:
    assert body_digest(b'{"hello": "world"}') == CAVAGE_HEADERS["digest"]


def test_content_digest_uses_rfc_9530_byte_sequence_syntax() -> None:
    assert content_digest(b'{"hello": "world"}') == (
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    )


def test_signing_string_of_the_draft_cavage_basic_test_verifies_with_its_signature() -> None:
    text = build_signing_string(
        "POST", "/foo?param=value&pet=dog", CAVAGE_HEADERS, ["(request-target)", "host", "date"]
    )
    assert text == (
        "(request-target): post /foo?param=value&pet=dog\n"
        "host: example.com\n"
        "date: Sun, 05 Jan 2014 21:31:40 GMT"
    )
    load_public_key(CAVAGE_PUBLIC_PEM).verify(
        base64.b64decode(CAVAGE_BASIC_SIGNATURE),
        text.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_signing_string_of_the_draft_cavage_all_headers_test() -> None:
    signed = "(request-target) (created) (expires) host date content-type digest content-length"
    text = build_signing_string(
        "post",
        "/foo?param=value&pet=dog",
        CAVAGE_HEADERS,
        signed.split(),
        created=1402170695,
        expires=1402170699,
    )
    assert text == (
        "(request-target): post /foo?param=value&pet=dog\n"
        "(created): 1402170695\n"
        "(expires): 1402170699\n"
        "host: example.com\n"
        "date: Sun, 05 Jan 2014 21:31:40 GMT\n"
        "content-type: application/json\n"
        "digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\n"
        "content-length: 18"
    )


def test_signing_string_of_a_mastodon_shaped_inbox_post() -> None:
    headers = {
        "host": "node.example",
        "date": HTTP_NOW,
        "digest": body_digest(BODY),
        "content-type": "application/activity+json",
    }
    text = build_signing_string(
        "POST",
        "/users/bob/inbox",
        headers,
        ["(request-target)", "host", "date", "digest", "content-type"],
    )
    assert text == (
        "(request-target): post /users/bob/inbox\n"
        "host: node.example\n"
        f"date: {HTTP_NOW}\n"
        f"digest: {body_digest(BODY)}\n"
        "content-type: application/activity+json"
    )


def test_signing_string_refuses_a_signed_header_that_is_absent() -> None:
    with pytest.raises(SignatureFormatError, match="digest"):
        build_signing_string("POST", "/inbox", {"host": "a"}, ["host", "digest"])
    with pytest.raises(SignatureFormatError, match="created"):
        build_signing_string("POST", "/inbox", {}, ["(created)"])


def test_parse_signature_header_defaults_to_date_as_the_draft_says() -> None:
    params = parse_signature_header(
        f'keyId="Test",algorithm="rsa-sha256",signature="{CAVAGE_DEFAULT_SIGNATURE}"'
    )
    assert params.headers == ("date",)
    assert params.key_id == "Test"
    text = build_signing_string("POST", "/foo", CAVAGE_HEADERS, params.headers)
    load_public_key(CAVAGE_PUBLIC_PEM).verify(
        params.signature, text.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_parse_signature_header_accepts_the_authorization_form_and_escapes() -> None:
    params = parse_signature_header(
        'Signature keyId="https://a.example/k\\"1", headers="(Request-Target) Host",'
        ' created=1402170695, signature="AAAA"'
    )
    assert params.key_id == 'https://a.example/k"1'
    assert params.headers == ("(request-target)", "host")
    assert params.algorithm == "hs2019"
    assert params.created == 1402170695
    assert params.signature == b"\x00\x00\x00"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        'keyId="k",signature="not base64!"',
        'keyId="k"',
        'signature="AAAA"',
        'keyId="k",keyId="j",signature="AAAA"',
        'keyId="k",headers="",signature="AAAA"',
        'keyId="k",created=soon,signature="AAAA"',
    ],
)
def test_parse_signature_header_refuses_malformed_headers(header: str) -> None:
    with pytest.raises(SignatureFormatError):
        parse_signature_header(header)


def test_load_public_key_refuses_junk() -> None:
    with pytest.raises(KeyFormatError):
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")


# Signing


def test_sign_request_signs_what_mastodon_signs_on_post(alice: KeyPair) -> None:
    headers = signed_post(alice)
    assert headers["Host"] == "node.example"
    assert headers["Date"] == HTTP_NOW
    assert headers["Digest"] == body_digest(BODY)
    assert headers["Content-Type"] == "application/activity+json"
    params = parse_signature_header(headers["Signature"])
    assert params.key_id == KEY_ID
    assert params.algorithm == "rsa-sha256"
    assert params.headers == ("(request-target)", "host", "date", "digest", "content-type")


def test_sign_request_keeps_a_non_default_port_and_signs_get_without_digest(alice: KeyPair) -> None:
    headers = sign_request(
        method="GET",
        url="http://127.0.0.1:8701/users/bob/outbox?page=true",
        body=None,
        key_id=KEY_ID,
        private_key_pem=alice.private_pem,
        now=NOW,
    )
    assert headers["Host"] == "127.0.0.1:8701"
    assert "Digest" not in headers
    assert parse_signature_header(headers["Signature"]).headers == (
        "(request-target)",
        "host",
        "date",
    )


# Round trips


async def test_signed_post_verifies_and_names_the_key_owner(alice: KeyPair) -> None:
    keys = KeyDirectory(alice.public_pem)
    result = await verify_post(signed_post(alice), keys)
    assert result == VerificationResult(Verdict.OK, key_id=KEY_ID, owner=ACTOR)
    assert result.ok
    assert keys.calls == [(KEY_ID, False)]


async def test_signed_get_with_query_string_verifies_only_for_that_query(alice: KeyPair) -> None:
    headers = sign_request(
        method="GET",
        url="https://node.example/users/bob/outbox?page=true",
        body=None,
        key_id=KEY_ID,
        private_key_pem=alice.private_pem,
        now=NOW,
    )
    keys = KeyDirectory(alice.public_pem)

    async def verify_get(target: str) -> Verdict:
        result = await verify_request(
            method="GET", target=target, headers=headers, body=None, lookup_key=keys, now=NOW
        )
        return result.verdict

    assert await verify_get("/users/bob/outbox?page=true") is Verdict.OK
    assert await verify_get("/users/bob/outbox?page=2") is Verdict.BAD_SIGNATURE


async def test_get_signed_without_its_query_string_is_accepted_as_mastodon_does(
    alice: KeyPair,
) -> None:
    headers = {"host": "node.example", "date": HTTP_NOW}
    headers["signature"] = cavage_sign(
        alice.private_pem, "GET", "/users/bob/outbox", headers, ["(request-target)", "host", "date"]
    )
    result = await verify_request(
        method="GET",
        target="/users/bob/outbox?page=true",
        headers=headers,
        body=None,
        lookup_key=KeyDirectory(alice.public_pem),
        now=NOW,
    )
    assert result.verdict is Verdict.OK


async def test_header_names_in_any_case_and_multidicts_are_accepted(alice: KeyPair) -> None:
    signed = signed_post(alice)
    mixed = {name.swapcase(): value for name, value in signed.items()}
    assert (await verify_post(mixed, KeyDirectory(alice.public_pem))).ok
    multi = CIMultiDict((name.upper(), value) for name, value in signed.items())
    assert (await verify_post(multi, KeyDirectory(alice.public_pem))).ok


async def test_signature_in_authorization_header_is_accepted(alice: KeyPair) -> None:
    headers = signed_post(alice)
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    assert (await verify_post(headers, KeyDirectory(alice.public_pem))).ok


async def test_hs2019_is_verified_as_rsa_sha256(alice: KeyPair) -> None:
    headers = {"host": "node.example", "date": HTTP_NOW, "digest": body_digest(BODY)}
    headers["signature"] = cavage_sign(
        alice.private_pem,
        "POST",
        "/users/bob/inbox",
        headers,
        ["(request-target)", "host", "date", "digest"],
        algorithm="hs2019",
    )
    assert (await verify_post(headers, KeyDirectory(alice.public_pem))).ok


async def test_hs2019_with_created_instead_of_date_is_accepted(alice: KeyPair) -> None:
    created = int(NOW.timestamp())
    headers = {"host": "node.example", "digest": body_digest(BODY)}
    headers["signature"] = cavage_sign(
        alice.private_pem,
        "POST",
        "/users/bob/inbox",
        headers,
        ["(request-target)", "(created)", "host", "digest"],
        algorithm="hs2019",
        created=created,
    )
    assert (await verify_post(headers, KeyDirectory(alice.public_pem))).ok


async def test_sha512_digest_with_lower_case_name_is_accepted(alice: KeyPair) -> None:
    digest = "sha-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = {"host": "node.example", "date": HTTP_NOW, "digest": digest}
    headers["signature"] = cavage_sign(
        alice.private_pem,
        "POST",
        "/users/bob/inbox",
        headers,
        ["(request-target)", "host", "date", "digest"],
    )
    assert (await verify_post(headers, KeyDirectory(alice.public_pem))).ok


async def test_date_just_inside_the_window_is_accepted(alice: KeyPair) -> None:
    headers = signed_post(alice, now=NOW - timedelta(hours=1, minutes=4))
    assert (await verify_post(headers, KeyDirectory(alice.public_pem))).ok


# Every verdict


async def test_unsigned_request_is_unsigned_and_no_key_is_looked_up() -> None:
    keys = KeyDirectory(None)
    result = await verify_post({"Host": "node.example", "Date": HTTP_NOW}, keys)
    assert result.verdict is Verdict.UNSIGNED
    assert keys.calls == []


@pytest.mark.parametrize(
    "signature",
    ["garbage", 'keyId="k",signature="!!!"', 'Signature keyId="k"', 'keyId="k",algorithm='],
)
async def test_unparseable_signature_header_is_malformed(signature: str) -> None:
    headers = {"Host": "node.example", "Date": HTTP_NOW, "Signature": signature}
    assert (await verify_post(headers, KeyDirectory(None))).verdict is Verdict.MALFORMED


async def test_unparseable_date_is_malformed(alice: KeyPair) -> None:
    headers = signed_post(alice)
    headers["Date"] = "yesterday"
    assert (await verify_post(headers, KeyDirectory(alice.public_pem))).verdict is Verdict.MALFORMED


async def test_created_with_rsa_sha256_is_malformed_as_mastodon_rules(alice: KeyPair) -> None:
    headers = {"host": "node.example", "date": HTTP_NOW, "digest": body_digest(BODY)}
    headers["signature"] = cavage_sign(
        alice.private_pem,
        "POST",
        "/users/bob/inbox",
        headers,
        ["(request-target)", "(created)", "host", "date", "digest"],
        created=int(NOW.timestamp()),
    )
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.MALFORMED


async def test_tampered_body_is_bad_digest(alice: KeyPair) -> None:
    result = await verify_post(signed_post(alice), KeyDirectory(alice.public_pem), body=BODY + b" ")
    assert result.verdict is Verdict.BAD_DIGEST
    assert result.detail == "Digest does not match body"


async def test_digest_without_sha256_or_sha512_is_bad_digest(alice: KeyPair) -> None:
    headers = {"host": "node.example", "date": HTTP_NOW, "digest": "MD5=Sd/dVLAcvNLSq16eXua5uQ=="}
    headers["signature"] = cavage_sign(
        alice.private_pem,
        "POST",
        "/users/bob/inbox",
        headers,
        ["(request-target)", "host", "date", "digest"],
    )
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.BAD_DIGEST


async def test_post_without_signed_digest_is_missing_headers(alice: KeyPair) -> None:
    result = await verify_post(signed_post(alice, body=None), KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.MISSING_HEADERS
    assert "digest" in result.detail


async def test_get_without_signed_host_is_missing_headers(alice: KeyPair) -> None:
    headers = {"host": "node.example", "date": HTTP_NOW}
    headers["signature"] = cavage_sign(
        alice.private_pem, "GET", "/users/bob", headers, ["(request-target)", "date"]
    )
    result = await verify_request(
        method="GET",
        target="/users/bob",
        headers=headers,
        body=None,
        lookup_key=KeyDirectory(alice.public_pem),
        now=NOW,
    )
    assert result.verdict is Verdict.MISSING_HEADERS
    assert "host" in result.detail


async def test_signature_without_request_target_is_missing_headers(alice: KeyPair) -> None:
    headers = {"host": "node.example", "date": HTTP_NOW, "digest": body_digest(BODY)}
    headers["signature"] = cavage_sign(
        alice.private_pem, "POST", "/users/bob/inbox", headers, ["host", "date", "digest"]
    )
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.MISSING_HEADERS


async def test_signed_header_absent_from_request_is_missing_headers(alice: KeyPair) -> None:
    headers = signed_post(alice)
    del headers["Content-Type"]
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.MISSING_HEADERS


async def test_date_two_hours_old_is_stale(alice: KeyPair) -> None:
    headers = signed_post(alice, now=NOW - timedelta(hours=2))
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.STALE_DATE


async def test_date_more_than_an_hour_ahead_is_stale(alice: KeyPair) -> None:
    headers = signed_post(alice, now=NOW + timedelta(hours=1, minutes=1))
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.STALE_DATE


async def test_passed_expires_is_stale(alice: KeyPair) -> None:
    created = int((NOW - timedelta(hours=1, minutes=2)).timestamp())
    headers = {"host": "node.example", "digest": body_digest(BODY)}
    headers["signature"] = cavage_sign(
        alice.private_pem,
        "POST",
        "/users/bob/inbox",
        headers,
        ["(request-target)", "(created)", "(expires)", "host", "digest"],
        algorithm="hs2019",
        created=created,
        expires=created + 60,
    )
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.STALE_DATE


async def test_rotated_key_is_fetched_again_once_and_then_verifies(
    alice: KeyPair, mallory: KeyPair
) -> None:
    keys = KeyDirectory(cached=mallory.public_pem, fresh=alice.public_pem)
    result = await verify_post(signed_post(alice), keys)
    assert result.verdict is Verdict.OK
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_key_missing_from_cache_is_fetched_fresh(alice: KeyPair) -> None:
    keys = KeyDirectory(cached=None, fresh=alice.public_pem)
    assert (await verify_post(signed_post(alice), keys)).ok
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_key_that_cannot_be_found_is_unknown_key(alice: KeyPair) -> None:
    keys = KeyDirectory(cached=None, fresh=None)
    result = await verify_post(signed_post(alice), keys)
    assert result.verdict is Verdict.UNKNOWN_KEY
    assert result.key_id == KEY_ID
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_signature_by_another_key_is_bad_signature_after_one_refresh(
    alice: KeyPair, mallory: KeyPair
) -> None:
    keys = KeyDirectory(alice.public_pem)
    result = await verify_post(signed_post(mallory), keys)
    assert result.verdict is Verdict.BAD_SIGNATURE
    assert result.owner is None
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_unsupported_algorithm_is_bad_signature_without_key_lookup(alice: KeyPair) -> None:
    headers = signed_post(alice)
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "rsa-sha512")
    keys = KeyDirectory(alice.public_pem)
    result = await verify_post(headers, keys)
    assert result.verdict is Verdict.BAD_SIGNATURE
    assert keys.calls == []


def test_verdict_for_actor_compares_owner_exactly() -> None:
    verified = VerificationResult(Verdict.OK, key_id=KEY_ID, owner=ACTOR)
    assert verdict_for_actor(verified, ACTOR) is verified
    for claimed in (ACTOR + "/", "https://mastodon.example/users/mallory"):
        mismatch = verdict_for_actor(verified, claimed)
        assert mismatch.verdict is Verdict.KEY_MISMATCH
        assert not mismatch.ok
    refused = VerificationResult(Verdict.BAD_DIGEST, detail="Digest does not match body")
    assert verdict_for_actor(refused, ACTOR) is refused


# RFC 9421 HTTP Message Signatures, signed here by hand to build requests the rules below
# refuse. The base layout is the RFC's own (checked against its B.2.6 example first); the
# RFC's examples themselves are in tests/unit/test_rfc9421_vectors.py.


def rfc9421_base(components: list[tuple[str, str]], signature_params: str) -> str:
    """A signature base laid out as RFC 9421 section 2.5 lays it out."""
    return "\n".join(
        [
            *(f'"{name}": {value}' for name, value in components),
            f'"@signature-params": {signature_params}',
        ]
    )


def test_the_hand_built_base_is_laid_out_as_the_rfcs_b26_example() -> None:
    vectors = Path(__file__).parent / "vectors" / "rfc9421" / "appendix_b.json"
    b26 = next(e for e in json.loads(vectors.read_text())["examples"] if e["section"] == "B.2.6")
    components = [
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("@method", "POST"),
        ("@path", "/foo"),
        ("@authority", "example.com"),
        ("content-type", "application/json"),
        ("content-length", "18"),
    ]
    signature_params = b26["signature_input"].removeprefix("sig-b26=")
    assert rfc9421_base(components, signature_params) == b26["signature_base"]


def rfc9421_headers(
    pair: KeyPair, components: list[tuple[str, str]], params: str, extra: dict[str, str]
) -> dict[str, str]:
    covered = " ".join(f'"{name}"' for name, _ in components)
    signature_params = f"({covered}){params}"
    base = rfc9421_base(components, signature_params)
    raw = load_private_key(pair.private_pem).sign(
        base.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return extra | {
        "Signature-Input": f"sig1={signature_params}",
        "Signature": f"sig1=:{base64.b64encode(raw).decode()}:",
    }


def fedify_post(pair: KeyPair, created: datetime = NOW, body: bytes = BODY) -> dict[str, str]:
    """Shaped as Fedify 2 signs an inbox POST."""
    digest = content_digest(body)
    components = [
        ("@method", "POST"),
        ("@target-uri", INBOX),
        ("@authority", "node.example"),
        ("host", "node.example"),
        ("date", HTTP_NOW),
        ("content-digest", digest),
    ]
    params = f';alg="rsa-v1_5-sha256";keyid="{KEY_ID}";created={int(created.timestamp())}'
    extra = {"Host": "node.example", "Date": HTTP_NOW, "Content-Digest": digest}
    return rfc9421_headers(pair, components, params, extra)


async def test_rfc9421_post_verifies(alice: KeyPair) -> None:
    keys = KeyDirectory(alice.public_pem)
    result = await verify_post(fedify_post(alice), keys)
    assert result == VerificationResult(Verdict.OK, key_id=KEY_ID, owner=ACTOR)


async def test_rfc9421_without_alg_over_plain_http_verifies(alice: KeyPair) -> None:
    digest = content_digest(BODY)
    components = [
        ("@method", "POST"),
        ("@target-uri", "http://127.0.0.1:8701/users/bob/inbox"),
        ("content-digest", digest),
    ]
    params = f';created={int(NOW.timestamp())};keyid="{KEY_ID}"'
    headers = rfc9421_headers(
        alice, components, params, {"Host": "127.0.0.1:8701", "Content-Digest": digest}
    )
    assert (await verify_post(headers, KeyDirectory(alice.public_pem))).ok


async def test_rfc9421_get_with_path_and_query_verifies(alice: KeyPair) -> None:
    components = [
        ("@method", "GET"),
        ("@authority", "node.example"),
        ("@path", "/users/bob/outbox"),
        ("@query", "?page=true"),
    ]
    params = f';created={int(NOW.timestamp())};keyid="{KEY_ID}"'
    headers = rfc9421_headers(alice, components, params, {"host": "node.example"})
    result = await verify_request(
        method="GET",
        target="/users/bob/outbox?page=true",
        headers=headers,
        body=None,
        lookup_key=KeyDirectory(alice.public_pem),
        now=NOW,
    )
    assert result.ok


async def test_rfc9421_tampered_body_is_bad_digest(alice: KeyPair) -> None:
    result = await verify_post(fedify_post(alice), KeyDirectory(alice.public_pem), body=b"{}")
    assert result.verdict is Verdict.BAD_DIGEST


async def test_rfc9421_tampered_target_is_bad_signature(alice: KeyPair) -> None:
    result = await verify_request(
        method="POST",
        target="/users/carol/inbox",
        headers=fedify_post(alice),
        body=BODY,
        lookup_key=KeyDirectory(alice.public_pem),
        now=NOW,
    )
    assert result.verdict is Verdict.BAD_SIGNATURE


async def test_rfc9421_post_without_content_digest_is_missing_headers(alice: KeyPair) -> None:
    components = [("@method", "POST"), ("@target-uri", INBOX)]
    params = f';created={int(NOW.timestamp())};keyid="{KEY_ID}"'
    headers = rfc9421_headers(alice, components, params, {"Host": "node.example"})
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.MISSING_HEADERS


async def test_rfc9421_created_two_hours_ago_is_stale(alice: KeyPair) -> None:
    headers = fedify_post(alice, created=NOW - timedelta(hours=2))
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.STALE_DATE


async def test_rfc9421_other_algorithm_is_bad_signature(alice: KeyPair) -> None:
    headers = fedify_post(alice)
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        "rsa-v1_5-sha256", "rsa-pss-sha512"
    )
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.BAD_SIGNATURE


@pytest.mark.parametrize(
    "signature_input",
    ['sig1=("@method" "@target-uri"', "sig1=(@method);keyid=1", 'other=("@method");keyid="k"'],
)
async def test_rfc9421_unparseable_or_unmatched_input_is_malformed(
    alice: KeyPair, signature_input: str
) -> None:
    headers = fedify_post(alice)
    headers["Signature-Input"] = signature_input
    result = await verify_post(headers, KeyDirectory(alice.public_pem))
    assert result.verdict is Verdict.MALFORMED
