"""The letters' PDF writes Dutch letters as they are (ë, é, ï, ü) with the core fonts,
one page per address, in the language it is given."""

from __future__ import annotations

import io

from pypdf import PdfReader

from node.letter_sheet import letters_pdf
from node.participation.letters import Letter
from node.participation.models import Address, HouseNumber


def test_dutch_letters_and_every_code_are_on_the_page_of_their_address() -> None:
    letters = [
        Letter(
            Address("9751AA", HouseNumber(1), "Oude Rijksweg", "Haren", "Onnerpolder"), ("AAAA",)
        ),
        Letter(
            Address("9722AB", HouseNumber(4, "a"), "Ruïnestraat", "Groningen", "Coöperatiewijk"),
            ("K7QM-4XTR-9HBW", "P2ZX-8NFE-3JKL"),
        ),
    ]
    pdf = letters_pdf(
        letters, "Café-buurt Zuidoost", "https://example.nl", "https://example.nl/verify", "nl"
    )
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 2
    assert "Ruïnestraat 4a" in pages[1] and "9722 AB  Groningen" in pages[1]
    assert "Café-buurt Zuidoost" in pages[1] and "Coöperatiewijk" in pages[1]
    assert "K7QM-4XTR-9HBW" in pages[1] and "P2ZX-8NFE-3JKL" in pages[1]
    assert "K7QM-4XTR-9HBW" not in pages[0]
    assert "Beste bewoner," in pages[1] and "https://example.nl/verify" in pages[1]
    english = letters_pdf(letters, "Buurt", "https://example.nl", "https://example.nl/verify", "en")
    assert "Dear resident," in PdfReader(io.BytesIO(english)).pages[0].extract_text()
