"""Verifying that a local account lives in the area: by address, letter code or in person.

A verified account gets a ``residency`` attestation on its actor document
(only the four-digit postcode area and the wijk, never the address), signed
for by the node's organisation actor. One address may verify at most
``MAX_ACCOUNTS_PER_ADDRESS`` accounts: a household, not a street.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from federation.errors import NotAllowed, NotFound, Refused
from node.clock import iso_now
from node.participation.addresses import AddressError, normalise_postcode, parse_house_number
from node.participation.models import Address, Residency, address_key
from node.storage.accounts import Account
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

METHODS = ("address-register", "letter-code", "in-person")
MAX_ACCOUNTS_PER_ADDRESS = 4
# No 0/O or 1/I, so a code read from paper is typed correctly.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4
# Who may verify a resident in person, having seen proof of the address: the node's staff.
IN_PERSON_ROLES = ("moderator", "admin", "organiser", "official")


def attestation(residency: Residency, organisation_uri: str) -> dict[str, Any]:
    """The ``residency`` property of the person's actor document (schema residency_attestation)."""
    area: dict[str, Any] = {"type": "Area", "postcodeArea": residency.postcode_area}
    if residency.area_name:
        area["name"] = residency.area_name
    return {
        "type": "ResidencyAttestation",
        "area": area,
        "attestedBy": organisation_uri,
        "method": residency.method,
        "verifiedAt": residency.verified_at,
    }


def hash_letter_code(code: str) -> str:
    """The stored form of a code: SHA-256 of its letters, without dashes or spaces."""
    letters = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(letters.encode("ascii", "replace")).hexdigest()


def generate_letter_code() -> str:
    """A fresh code such as ``K7QM-4XTR-9HBW`` (60 random bits)."""
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )


async def _person(services: ParticipationServices, username: str) -> LocalActor:
    account = await services.accounts.by_username(username)
    actor = await services.actors.by_username(username)
    if account is None or actor is None or actor.kind != "person":
        raise NotFound(
            f"no local account {username!r} on this node",
            code="verify_no_account",
            values={"name": username},
        )
    return actor


async def _registered_address(
    services: ParticipationServices, postcode: str, number: str
) -> Address:
    try:
        code = normalise_postcode(postcode)
        house = parse_house_number(number)
    except AddressError as exc:
        raise address_refused(exc) from exc
    address = await services.addresses.find(code, house)
    if address is None:
        key = address_key(code, house)
        raise Refused(
            f"{key} is not in the address register",
            code="address_unknown",
            values={"address": key},
        )
    return address


def address_refused(exc: AddressError) -> Refused:
    """A postcode or house number that cannot be read, as a refusal with its code."""
    return Refused(str(exc), code=exc.code, values=exc.values)


async def _check_address_bound(services: ParticipationServices, key: str, actor_uri: str) -> None:
    if await services.residents.accounts_at(key, actor_uri) >= MAX_ACCOUNTS_PER_ADDRESS:
        raise Refused(
            f"the address {key} has already verified {MAX_ACCOUNTS_PER_ADDRESS} accounts,"
            " the most one address may verify",
            code="address_full",
            values={"address": key, "most": MAX_ACCOUNTS_PER_ADDRESS},
        )


async def _record(
    services: ParticipationServices, person: LocalActor, residency: Residency
) -> Residency:
    organisation = await services.organisation()
    properties = dict(person.properties)
    activitypub = dict(properties.get("activitypub", {}))
    activitypub["residency"] = attestation(residency, organisation.uri)
    properties["activitypub"] = activitypub
    async with services.db.transaction():
        await services.residents.save(residency)
        await services.actors.update_local(person.uri, properties=properties)
    return residency


async def verify_by_address(
    services: ParticipationServices, username: str, postcode: str, number: str
) -> Residency:
    """Verify a local account by a postcode and house number found in the register."""
    person = await _person(services, username)
    address = await _registered_address(services, postcode, number)
    await _check_address_bound(services, address.key, person.uri)
    return await _record(
        services,
        person,
        Residency(
            person.uri,
            address.postcode_area,
            address.wijk,
            "address-register",
            address.key,
            None,
            iso_now(),
        ),
    )


async def issue_letter_code(
    services: ParticipationServices, postcode: str, number: str
) -> tuple[str, Address]:
    """A one-time code for a registered address, to print and post; only its hash is kept.

    Issuing again adds a code: the codes issued before for the address keep working
    (each once), so a letter already posted is never made void. The address's bound of
    ``MAX_ACCOUNTS_PER_ADDRESS`` verified accounts holds whichever codes are used."""
    address = await _registered_address(services, postcode, number)
    return await issue_code_for(services, address), address


async def issue_code_for(services: ParticipationServices, address: Address) -> str:
    """A one-time code for an address of the register (``issue_letter_code`` and the
    letters of an area, node/participation/letters.py)."""
    code = generate_letter_code()
    await services.residents.add_letter_code(hash_letter_code(code), address)
    return code


async def verify_by_letter_code(
    services: ParticipationServices, username: str, code: str
) -> Residency:
    """Verify a local account by a code that was posted to its address; a code works once."""
    person = await _person(services, username)
    registry = services.residents
    code_hash = hash_letter_code(code)
    issued = await registry.letter_code(code_hash)
    if issued is None:
        raise Refused(
            "this letter code is unknown; check it against the letter", code="letter_code_unknown"
        )
    if issued["redeemed_at"] is not None:
        raise Refused("this letter code has already been used", code="letter_code_used")
    await _check_address_bound(services, issued["address_key"], person.uri)
    residency = Residency(
        person.uri,
        issued["postcode_area"],
        issued["area_name"],
        "letter-code",
        issued["address_key"],
        None,
        iso_now(),
    )
    async with services.db.transaction():
        if not await registry.redeem_letter_code(code_hash, person.uri):
            raise Refused("this letter code has already been used", code="letter_code_used")
        return await _record(services, person, residency)


async def verify_in_person(
    services: ParticipationServices,
    username: str,
    moderator: str,
    postcode: str,
    number: str | None = None,
) -> Residency:
    """Verify a local account in person: a moderator saw proof of the address.

    The address need not be in the register (a new home, a room); with a house
    number the per-address bound still applies.
    """
    person = await _person(services, username)
    staff = check_in_person_staff(await services.accounts.by_username(moderator), moderator)
    try:
        code = normalise_postcode(postcode)
        key = address_key(code, parse_house_number(number)) if number else None
    except AddressError as exc:
        raise address_refused(exc) from exc
    if key is not None:
        await _check_address_bound(services, key, person.uri)
    area = code[:4]
    return await _record(
        services,
        person,
        Residency(
            person.uri,
            area,
            await services.addresses.area_name(area),
            "in-person",
            key,
            staff.actor_uri,
            iso_now(),
        ),
    )


def check_in_person_staff(account: Account | None, name: str) -> Account:
    """The staff member who verifies in person; refused for anyone without a staff role."""
    if account is None or account.role not in IN_PERSON_ROLES:
        raise NotAllowed(
            f"{name!r} is no moderator, organiser, official or administrator of this node",
            code="in_person_not_staff",
        )
    return account


async def revoke(services: ParticipationServices, username: str) -> bool:
    """Withdraw a verification (the person moved away); False when there was none."""
    person = await _person(services, username)
    properties = dict(person.properties)
    activitypub = {k: v for k, v in properties.get("activitypub", {}).items() if k != "residency"}
    properties["activitypub"] = activitypub
    async with services.db.transaction():
        removed = await services.residents.remove(person.uri)
        await services.actors.update_local(person.uri, properties=properties)
    return removed
