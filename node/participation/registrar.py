"""The registrar: one register slot per registered resident, bound to one actor at a time.

The node an agreement names as registrar for a postcode area
(node/participation/agreements.py) holds the address register with the number
of residents registered at each address (node/participation/addresses.py).
Each resident is a slot, address × resident number. The registrar binds a slot
to an actor on any node (the resident gives their account's id):

- by a letter code posted for that slot (``issue_slot_code``); a code works once;
- in person, by a moderator who saw proof of the address and the resident number;
- by the address register, taking the first free slot of the address (the
  address has no free slot left: refused).

A slot is bound to at most one actor, and an actor holds at most one slot.
Binding a slot that another actor holds (the resident moved their account to
another node, or confirmed a second account) withdraws the old binding and its
credentials, and tells the processes they were issued for with a ``Delete``
of each ``Credential`` (node/participation/credentials.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation.errors import Conflict, NotAllowed, Reason, Refused
from node.clock import iso_now
from node.participation.addresses import AddressError, normalise_postcode, parse_house_number
from node.participation.models import Address
from node.participation.verification import (
    address_refused,
    check_in_person_staff,
    generate_letter_code,
    hash_letter_code,
)
from node.storage.registrar import Binding

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

REBOUND = "the register slot was bound to another account"


async def _address(services: ParticipationServices, postcode: str, number: str) -> Address:
    try:
        found = await services.addresses.find(
            normalise_postcode(postcode), parse_house_number(number)
        )
    except AddressError as exc:
        raise address_refused(exc) from exc
    if found is None:
        raise Refused(
            f"{postcode} {number} is not in the address register",
            code="address_unknown",
            values={"address": f"{postcode} {number}"},
        )
    return found


async def _check_registrar(services: ParticipationServices, area: str) -> None:
    organisation = await services.organisation()
    named = [
        a
        for a in await services.agreements.all()
        if a.state in ("offered", "accepted") and a.registrar_for(area) == organisation.uri
    ]
    if not named:
        raise NotAllowed(
            Reason(
                f"this node is the registrar for no agreement covering postcode area {area}",
                "not_registrar",
                area=area,
            ),
            code="not_registrar",
            values={"area": area},
        )


def _check_resident(address: Address, resident: int) -> None:
    if not 1 <= resident <= address.residents:
        raise Refused(
            f"{address.key} has {address.residents} registered resident(s); resident number"
            f" {resident} is not one of them",
            code="resident_unknown",
            values={"address": address.key, "residents": address.residents},
        )


async def issue_slot_code(
    services: ParticipationServices, postcode: str, number: str, resident: int
) -> tuple[str, Address]:
    """A one-time code for one registered resident of an address, to print and post."""
    address = await _address(services, postcode, number)
    _check_resident(address, resident)
    await _check_registrar(services, address.postcode_area)
    code = generate_letter_code()
    await services.register.add_slot_code(
        hash_letter_code(code), address.key, resident, address.postcode_area, iso_now()
    )
    return code, address


async def _bind(
    services: ParticipationServices,
    address_key: str,
    resident: int,
    area: str,
    actor_uri: str,
    method: str,
) -> Binding:
    """Bind a slot to an actor, withdrawing whoever held it; in the caller's transaction."""
    register = services.register
    held = await register.binding_of(actor_uri)
    if held is not None and held.slot != f"{address_key}#{resident}":
        raise Conflict(
            Reason(
                f"{actor_uri} holds a register slot at another address already; one"
                " account holds one slot",
                "holds_other_slot",
            ),
            code="holds_other_slot",
        )
    if held is not None:
        return held
    holder = await register.holder_of(address_key, resident)
    at = iso_now()
    if holder is not None:
        await withdraw(services, holder, at, REBOUND)
    return await register.bind(address_key, resident, area, actor_uri, method, at)


async def withdraw(services: ParticipationServices, binding: Binding, at: str, reason: str) -> None:
    """Withdraw a binding and tell each process a credential of it was issued for."""
    organisation = await services.organisation()
    for row in await services.register.revoke(binding.id, at, reason):
        await services.outbox.send(
            organisation.uri,
            {
                "id": services.outbox.new_activity_id(),
                "type": "Delete",
                "object": {"id": row["id"], "type": "Credential"},
                "summary": reason,
                "to": [row["process_uri"]],
            },
            [row["process_uri"]],
        )


async def bind_by_letter_code(
    services: ParticipationServices, code: str, actor_uri: str
) -> Binding:
    """Bind the slot a posted code is for to the actor the resident named."""
    code_hash = hash_letter_code(code)
    issued = await services.register.slot_code(code_hash)
    if issued is None:
        raise Refused(
            "this letter code is unknown; check it against the letter", code="letter_code_unknown"
        )
    if issued["redeemed_at"] is not None:
        raise Refused("this letter code has already been used", code="letter_code_used")
    await _check_registrar(services, issued["postcode_area"])
    async with services.db.transaction():
        if not await services.register.redeem_slot_code(code_hash, actor_uri, iso_now()):
            raise Refused("this letter code has already been used", code="letter_code_used")
        return await _bind(
            services,
            issued["address_key"],
            issued["resident_number"],
            issued["postcode_area"],
            actor_uri,
            "letter-code",
        )


async def bind_in_person(
    services: ParticipationServices,
    moderator: str,
    postcode: str,
    number: str,
    resident: int,
    actor_uri: str,
) -> Binding:
    """A moderator saw proof that the resident lives at the address: bind their slot."""
    check_in_person_staff(await services.accounts.by_username(moderator), moderator)
    address = await _address(services, postcode, number)
    _check_resident(address, resident)
    await _check_registrar(services, address.postcode_area)
    async with services.db.transaction():
        return await _bind(
            services, address.key, resident, address.postcode_area, actor_uri, "in-person"
        )


async def bind_by_address(
    services: ParticipationServices, postcode: str, number: str, actor_uri: str
) -> Binding:
    """Bind the first free slot of a registered address; refused when every registered
    resident of the address holds theirs."""
    address = await _address(services, postcode, number)
    await _check_registrar(services, address.postcode_area)
    async with services.db.transaction():
        held = await services.register.binding_of(actor_uri)
        if held is not None and held.address_key == address.key:
            return held
        taken = await services.register.bound_numbers(address.key)
        free = [n for n in range(1, address.residents + 1) if n not in taken]
        if not free:
            raise Conflict(
                Reason(
                    f"every one of the {address.residents} registered resident(s) of this"
                    " address holds a register slot already; a slot is bound to one account",
                    "slot_already_bound",
                    residents=address.residents,
                ),
                code="slot_already_bound",
                values={"residents": address.residents},
            )
        return await _bind(
            services, address.key, free[0], address.postcode_area, actor_uri, "address-register"
        )
