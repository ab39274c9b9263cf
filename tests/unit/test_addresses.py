"""Reading the municipal address extract: normalised postcodes, letters, additions, errors."""

from __future__ import annotations

import pytest

from node.participation.addresses import (
    AddressError,
    RegisterImportError,
    normalise_postcode,
    parse_house_number,
    parse_register,
)
from node.participation.models import HouseNumber
from node.participation.voting_demo import demo_register_text

HEADER = "postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;wijk\n"


@pytest.mark.parametrize("text", ["9713xt", "9713 XT", "9713XT", " 9713  xT "])
def test_postcodes_are_normalised(text: str) -> None:
    assert normalise_postcode(text) == "9713XT"


@pytest.mark.parametrize("text", ["971XT", "0713XT", "9713X", "9713-XT1", ""])
def test_a_bad_postcode_is_refused(text: str) -> None:
    with pytest.raises(AddressError, match="not a Dutch postcode"):
        normalise_postcode(text)


@pytest.mark.parametrize(
    ("text", "house"),
    [
        ("12", HouseNumber(12)),
        ("12a", HouseNumber(12, "a")),
        ("12 A", HouseNumber(12, "a")),
        ("12-1", HouseNumber(12, "", "1")),
        ("12a-2", HouseNumber(12, "a", "2")),
        ("12 bis", HouseNumber(12, "", "BIS")),
    ],
)
def test_house_numbers_with_letters_and_additions(text: str, house: HouseNumber) -> None:
    assert parse_house_number(text) == house


@pytest.mark.parametrize("text", ["0", "a12", "12ab-", ""])
def test_a_bad_house_number_is_refused(text: str) -> None:
    with pytest.raises(AddressError):
        parse_house_number(text)


def test_the_extract_is_read_with_letters_and_additions() -> None:
    addresses = parse_register(
        HEADER
        + "9713 XT;1;;;Gorechtkade;Groningen;Oosterparkwijk\n"
        + "9713 ga;63;A;;Gorechtkade;Groningen;Oosterparkwijk\n"
        + "9713XT;28;;1;Gorechtkade;Groningen;Oosterparkwijk\n"
    )
    assert [a.key for a in addresses] == ["9713XT 1", "9713GA 63a", "9713XT 28-1"]
    assert {a.postcode_area for a in addresses} == {"9713"}
    assert addresses[0].wijk == "Oosterparkwijk"


def test_bad_rows_are_reported_by_line_and_nothing_is_read() -> None:
    text = (
        HEADER
        + "9713 XT;1;;;Gorechtkade;Groningen;Oosterparkwijk\n"
        + "97 XT;2;;;Gorechtkade;Groningen;Oosterparkwijk\n"
        + "9713 XT;drie;;;Gorechtkade;Groningen;Oosterparkwijk\n"
        + "9713 XT;1;;;Gorechtkade;Groningen;Oosterparkwijk\n"
        + "9713 XT;5;;;Gorechtkade;Groningen\n"
    )
    with pytest.raises(RegisterImportError) as raised:
        parse_register(text)
    problems = raised.value.problems
    assert problems[0].startswith("line 3: '97 XT' is not a Dutch postcode")
    assert problems[1].startswith("line 4: huisnummer 'drie'")
    assert problems[2] == "line 5: 9713XT 1 is already on line 2"
    assert problems[3] == "line 6: 6 columns, expected 7"
    assert "4 bad row(s), nothing imported" in str(raised.value)


def test_a_wrong_header_is_refused() -> None:
    with pytest.raises(RegisterImportError, match="line 1: the header must be"):
        parse_register("postcode,huisnummer\n9713XT,1\n")


def test_the_demo_register_reads_completely() -> None:
    addresses = parse_register(demo_register_text())
    assert len(addresses) == 1800
    assert {a.postcode_area for a in addresses} == {"9713", "9722", "9736"}


def test_the_number_of_registered_residents_per_address_is_read_when_given() -> None:
    text = (
        HEADER.rstrip("\n") + ";ingeschrevenen\n"
        "9722 AB;4;;;Van Iddekingeweg;Groningen;De Wijert;3\n"
        "9722 AB;6;a;;Van Iddekingeweg;Groningen;De Wijert;1\n"
    )
    assert [a.residents for a in parse_register(text)] == [3, 1]
    assert [a.residents for a in parse_register(HEADER + "9722 AB;4;;;Weg;Groningen;Wijert\n")] == [
        1
    ]


@pytest.mark.parametrize("count", ["0", "twee", "1000", ""])
def test_a_bad_number_of_registered_residents_names_its_line(count: str) -> None:
    text = HEADER.rstrip("\n") + f";ingeschrevenen\n9722 AB;4;;;Weg;Groningen;De Wijert;{count}\n"
    with pytest.raises(RegisterImportError, match="line 2: ingeschrevenen"):
        parse_register(text)
