"""RSA key pairs for actors: generation and (cached) loading of PEM keys."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PUBLIC_EXPONENT = 65537


class KeyFormatError(ValueError):
    """A PEM string that is not a usable RSA key."""


@dataclass(frozen=True)
class KeyPair:
    """An actor's key pair as PEM text: PKCS#8 private key, SubjectPublicKeyInfo public key."""

    private_pem: str
    public_pem: str


def generate_key_pair(bits: int = 2048) -> KeyPair:
    """Generate a new RSA key pair; the public half is what actors publish as `publicKeyPem`."""
    private_key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=bits)
    private_pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        private_key.public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )
    return KeyPair(private_pem=private_pem, public_pem=public_pem)


# A node signs as each of its residents and processes; a busy one has thousands of
# signers, and the cache must hold them or every delivery parses a key again.
@functools.lru_cache(maxsize=4096)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse an unencrypted PEM private key; raise KeyFormatError unless it is RSA.

    Private keys are only ever the node's own, made by ``generate_key_pair`` and
    read from its database, never input from elsewhere: the RSA consistency
    check, which costs a hundred times a signature (measured in
    ``benchmarks/RESULTS.md``, "Issue 9"), is skipped.
    """
    try:
        key = serialization.load_pem_private_key(
            pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError("not a PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFormatError("private key is not RSA")
    return key


@functools.lru_cache(maxsize=1024)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Parse a PEM public key as remote actors publish it; raise KeyFormatError on anything else.

    Accepts SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", what Mastodon publishes) and
    PKCS#1 ("BEGIN RSA PUBLIC KEY", which some older servers publish).
    """
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError("not a PEM public key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyFormatError("public key is not RSA")
    return key
