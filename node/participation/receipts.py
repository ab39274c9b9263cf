"""Vote receipts: every counted vote or budget ballot has a code its voter keeps, and the
process publishes the hashes of the codes it counted once the vote closes.

The counting node makes the code when it counts the vote, keeps only its hash
beside the vote (a later vote of the same voter replaces both), and gives the
code to the voter: on the page or in the API answer when the vote is cast on the
process's own node, in the ``Accept`` of the vote when it came from another node
(``receipt`` property), which that node keeps for its resident. After the close
anyone can check that the number of published hashes equals the number of
voters, and every voter that the hash of their code is among them. A hash says
nothing of the choice.

Nothing here reads the database or the clock.
"""

from __future__ import annotations

import hashlib
import secrets

# Crockford's base32 without the letters people misread (I, L, O, U).
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_GROUPS = 4
GROUP_LENGTH = 4


def new_receipt() -> str:
    """A fresh receipt code, 80 random bits as four groups: ``7K2M-XQ9D-4TPA-RW3C``."""
    groups = (
        "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(GROUP_LENGTH))
        for _ in range(RECEIPT_GROUPS)
    )
    return "-".join(groups)


def receipt_hash(code: str) -> str:
    """The published form of a receipt code: SHA-256 of the code without dashes or spaces,
    in capitals, as lowercase hex (so a code typed in lower case or without dashes matches)."""
    normal = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normal.encode("ascii", "replace")).hexdigest()
