"""What a new password must be: long enough, not the person's own name or address, and
not one of the passwords people use most (the first an attacker tries).

The list of common passwords is Django's (node/data/common-passwords.txt.gz, 19,640
passwords, BSD-3-Clause licence: see node/data/common-passwords.LICENSE.txt).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from federation.errors import Refused
from node.i18n import N_

SHORTEST_PASSWORD = 10
LONGEST_PASSWORD = 200
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@dataclass(frozen=True)
class Problem:
    """Why a field of a form is refused: the field, Mastodon's error code for it
    (``ERR_TAKEN``, ``ERR_TOO_SHORT``, ...) and the message for people with its values."""

    field: str
    code: str
    message: str
    values: dict[str, object] = field(default_factory=dict)


class FieldsRefused(Refused):
    """A form refused for one or more of its fields; nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            "; ".join(f"{p.field}: {p.message % p.values}" for p in problems),
            code="fields_invalid",
        )
        self.problems = problems


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords, in lower case (read once)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problems(password: str, username: str, email: str) -> list[Problem]:
    """What is wrong with ``password`` for the account ``username`` at ``email``."""
    if not password:
        return [Problem("password", "ERR_BLANK", N_("Choose a password."))]
    if len(password) < SHORTEST_PASSWORD:
        return [
            Problem(
                "password",
                "ERR_TOO_SHORT",
                N_("A password has at least %(count)s characters."),
                {"count": SHORTEST_PASSWORD},
            )
        ]
    if len(password) > LONGEST_PASSWORD:
        return [
            Problem(
                "password",
                "ERR_TOO_LONG",
                N_("A password has at most %(count)s characters."),
                {"count": LONGEST_PASSWORD},
            )
        ]
    lowered = password.lower()
    own = [part.lower() for part in (username, email, email.partition("@")[0]) if len(part) >= 3]
    if any(part in lowered for part in own):
        return [
            Problem(
                "password",
                "ERR_INVALID",
                N_("Your password must not contain your user name or e-mail address."),
            )
        ]
    if lowered in common_passwords():
        return [
            Problem(
                "password",
                "ERR_INVALID",
                N_(
                    "This password is one of the most used passwords, so it is easy to guess."
                    " Choose another one."
                ),
            )
        ]
    return []
