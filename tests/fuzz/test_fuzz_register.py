"""The address register's CSV rows (``samenspraak addresses import``): any extract gives
its addresses or a RegisterImportError naming the bad lines, never a traceback."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from node.participation.addresses import (
    COLUMNS,
    AddressError,
    RegisterImportError,
    normalise_postcode,
    parse_house_number,
    parse_register,
)
from tests.fuzz.strategies import edgy_text

HEADER = ";".join(COLUMNS)
cells = st.one_of(
    st.sampled_from(
        [
            "9713XT",
            "9713 xt",
            "12",
            "0",
            "99999",
            "100000",
            "a",
            "A",
            "-1",
            "12a",
            "Oosterstraat",
            "Groningen",
            "Oosterpark",
            "",
            " ",
            '"',
            '"x;y"',
            "\ufeff",
            "1" * 20,
            "١٢",
        ]
    ),
    edgy_text,
)
rows = st.lists(cells, min_size=0, max_size=9).map(";".join)
extracts = st.one_of(
    st.tuples(
        st.sampled_from([HEADER, "\ufeff" + HEADER, HEADER.upper(), "x"]),
        st.lists(rows, max_size=6),
        st.sampled_from(["\n", "\r\n", "\r"]),
    ).map(lambda e: e[2].join([e[0], *e[1]])),
    st.text(max_size=200),
)


@given(extracts)
@example(HEADER + '\n"unterminated')
@example(HEADER + "\n9713XT;12;;;Straat;Stad;Wijk\x00")
@example(HEADER + "\n9713XT;" + "1" * 20 + ";;;Straat;Stad;Wijk")
def test_any_register_extract_imports_or_names_its_bad_lines(text: str) -> None:
    try:
        assert isinstance(parse_register(text), list)
    except RegisterImportError as refusal:
        assert str(refusal)


@given(cells, cells)
def test_any_postcode_and_house_number_parse_or_are_refused(postcode: str, number: str) -> None:
    for parse, text in ((normalise_postcode, postcode), (parse_house_number, number)):
        try:
            parse(text)
        except AddressError:
            pass
