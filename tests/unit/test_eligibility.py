"""Reading residency attestations: believed only from the person's own node."""

from __future__ import annotations

from typing import Any

import pytest

from node.participation.eligibility import UnbelievedClaim, read_attestation
from node.participation.models import Residency
from node.participation.verification import attestation

PERSON = "https://wijert.example/actors/bram"
ORGANISATION = "https://wijert.example/actors/wijert"


def person(residency: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": PERSON, "type": "Person", "preferredUsername": "bram"}
    if residency is not None:
        doc["residency"] = residency
    return doc


def residency(attested_by: str = ORGANISATION) -> dict[str, Any]:
    return attestation(
        Residency(
            PERSON,
            "9722",
            "De Wijert",
            "address-register",
            "9722AB 4",
            None,
            "2026-11-26T08:00:00Z",
        ),
        attested_by,
    )


def test_an_attestation_by_the_persons_own_node_is_read() -> None:
    found = read_attestation(person(residency()), PERSON)
    assert found.postcode_area == "9722"
    assert found.area_name == "De Wijert"
    assert found.attested_by == ORGANISATION
    assert found.method == "address-register"


def test_the_attestation_never_publishes_the_address() -> None:
    assert "9722AB" not in str(residency())


def test_an_attestation_by_another_host_is_a_forged_claim() -> None:
    with pytest.raises(UnbelievedClaim, match="forged residency claim refused"):
        read_attestation(person(residency("https://gemeente.example/actors/gemeente")), PERSON)


def test_a_person_without_attestation_is_not_a_verified_resident() -> None:
    with pytest.raises(UnbelievedClaim, match="carries no residency attestation"):
        read_attestation(person(None), PERSON)


def test_an_invalid_attestation_is_not_believed() -> None:
    broken = residency()
    broken["method"] = "trust-me"
    with pytest.raises(UnbelievedClaim, match="invalid at /residency/method"):
        read_attestation(person(broken), PERSON)
