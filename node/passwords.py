"""Password hashing with scrypt (from cryptography), and generated passwords."""

from __future__ import annotations

import base64
import hmac
import os
import secrets

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

# n=2**14, r=8, p=1: the interactive-login parameters from the scrypt paper,
# about 16 MiB and tens of milliseconds, fine on a Raspberry Pi.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32


def hash_password(password: str) -> str:
    """A self-describing hash: ``scrypt$n$r$p$salt$key`` (base64)."""
    salt = os.urandom(SALT_BYTES)
    key = Scrypt(salt=salt, length=KEY_BYTES, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(
        password.encode("utf-8")
    )
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)])


def check_password(password: str, stored: str) -> bool:
    """Whether a password matches a stored hash; False for any malformed hash."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4])
        expected = base64.b64decode(parts[5])
    except ValueError:
        return False
    try:
        Scrypt(salt=salt, length=len(expected), n=n, r=r, p=p).verify(
            password.encode("utf-8"), expected
        )
    except InvalidKey:
        return False
    return True


def generate_password() -> str:
    """A password a person can type: four groups of five lower-case letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def constant_time_equal(a: str, b: str) -> bool:
    """Compare secrets without leaking where they differ."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
