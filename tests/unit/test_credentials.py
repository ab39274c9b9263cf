"""Credentials: the token a registrar signs, read back, and refused when touched."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.errors import Refused
from node.participation.credentials import (
    Credential,
    pseudonym,
    read_credential,
    sign_credential,
    signature_holds,
)

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
CREDENTIAL = Credential(
    id="https://gemeente.example/credentials/3b9f",
    area="9722",
    pseudonym=pseudonym(b"geheim", "9722AB 4#1", "https://wijert.example/actors/wijkbudget"),
    process="https://wijert.example/actors/wijkbudget",
    registrar="https://gemeente.example/actors/gemeente",
    expires="2027-03-01T00:00:00Z",
)


def test_a_signed_credential_reads_back_and_its_signature_holds() -> None:
    credential, signed, signature = read_credential(sign_credential(CREDENTIAL, PRIVATE))
    assert credential == CREDENTIAL
    assert signature_holds(signed, signature, PUBLIC)


def test_a_changed_payload_breaks_the_signature() -> None:
    token = sign_credential(CREDENTIAL, PRIVATE)
    other = sign_credential(Credential(**{**CREDENTIAL.__dict__, "pseudonym": "0" * 32}), PRIVATE)
    forged = other.split(".")[0] + "." + token.split(".")[1]
    _, signed, signature = read_credential(forged)
    assert not signature_holds(signed, signature, PUBLIC)


def test_pseudonyms_differ_per_process_and_not_per_account() -> None:
    one = pseudonym(b"geheim", "9722AB 4#1", "https://wijert.example/actors/a")
    assert one == pseudonym(b"geheim", "9722AB 4#1", "https://wijert.example/actors/a")
    assert one != pseudonym(b"geheim", "9722AB 4#1", "https://wijert.example/actors/b")
    assert one != pseudonym(b"geheim", "9722AB 4#2", "https://wijert.example/actors/a")


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "e30.AAAA", "x" * 5000])
def test_an_unreadable_credential_is_refused(token: str) -> None:
    with pytest.raises(Refused, match="cannot be read"):
        read_credential(token)
