"""Letters with one-time codes for every address of a postcode area, to print and post.

Each address gets one code per registered resident (at most ``MAX_ACCOUNTS_PER_ADDRESS``,
the most accounts one address may verify), issued by ``issue_code_for`` as
``samenspraak letter-code`` issues them. Issuing the letters of an area again adds new
codes and leaves the earlier ones working (each once): letters already in the post stay
valid, and the per-address bound still limits how many accounts the codes can verify.
Every issue is in the public moderation log (the area, how many letters and codes, and
the role that made them), so residents can see when codes for their area went out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from federation.errors import Invalid, NotFound
from moderation.log import ROLE_ADMIN
from node.i18n import N_, translator
from node.participation.models import Address
from node.participation.verification import MAX_ACCOUNTS_PER_ADDRESS, issue_code_for

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

AREA_PATTERN = re.compile(r"[1-9]\d{3}", re.ASCII)


@dataclass(frozen=True)
class Letter:
    """One letter: the address it goes to and the codes in it."""

    address: Address
    codes: tuple[str, ...]


def postcode_area(text: str) -> str:
    """A four-digit postcode area as typed (``9722``); refused otherwise."""
    area = text.strip()
    if not AREA_PATTERN.fullmatch(area):
        raise Invalid(
            f"{text!r} is not a postcode area (four digits, such as 9722)",
            code="letters_area_invalid",
            values={"area": text},
        )
    return area


async def issue_area_letters(
    services: ParticipationServices, area: str, role: str = ROLE_ADMIN
) -> list[Letter]:
    """The letters for every registered address of a postcode area, with fresh codes,
    in one transaction with their entry in the public log (made by ``role``); refused
    when the register has no address there."""
    area = postcode_area(area)
    addresses = await services.addresses.in_area(area)
    if not addresses:
        raise NotFound(
            f"the address register has no address in postcode area {area}",
            code="letters_area_empty",
            values={"area": area},
        )
    letters = []
    async with services.db.transaction():
        for address in addresses:
            count = min(address.residents, MAX_ACCOUNTS_PER_ADDRESS)
            codes = [await issue_code_for(services, address) for _ in range(count)]
            letters.append(Letter(address, tuple(codes)))
        # The log is written once, in the node's language, as its moderators write it.
        what = translator(services.config.language)(
            N_("%(letters)d letters with %(codes)d codes"),
            letters=len(letters),
            codes=sum(len(letter.codes) for letter in letters),
        )
        await services.moderation_log.add_log_entry("letters", "node", area, what, role)
    return letters
