"""The letters with residents' codes as one PDF to print: one page per address, its
window (left, as Dutch window envelopes have it) showing the address, then what the code
is for, the codes, and where to fill them in, in the node's language.

The PDF uses the core Helvetica and Courier fonts every PDF reader has, which write
Latin-1: every Dutch letter (ë, é, ï, ü ...) is in it, so nothing is embedded.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from node.i18n import N_, translator
from node.participation.letters import Letter

# Typographic marks a translation may use that Latin-1 lacks, written with its own.
PLAIN_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
LEFT, WIDTH = 22.0, 166.0
WINDOW_TOP = 50.0
BODY_TOP = 95.0

TITLE = N_("Your code to confirm that you live in %(area)s")
GREETING = N_("Dear resident,")
WHAT_FOR = N_(
    "With a code from this letter you confirm on %(node)s that you live at this address."
    " Then you can take part in what is decided for residents of your neighbourhood, such"
    " as the votes on the neighbourhood budget."
)
HOW = N_(
    "How: log in on %(site)s (or open an account there), open the page %(verify)s and fill"
    " in a code. Each code works once, for one person."
)
CODES = N_("The codes for this address:")
KEEP = N_(
    "Keep the codes to yourselves: whoever uses a code takes part as a resident of this address."
)


def _latin(text: str) -> str:
    return text.translate(PLAIN_MARKS).encode("latin-1", "replace").decode("latin-1")


def letters_pdf(
    letters: Sequence[Letter], node_name: str, site: str, verify_url: str, language: str
) -> bytes:
    """The printable PDF of ``letters``: one A4 page each."""
    t = translator(language)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(_latin(node_name))
    for letter in letters:
        address = letter.address
        pdf.add_page()
        pdf.set_xy(LEFT, 20)
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(WIDTH, 8, _latin(node_name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(LEFT, WINDOW_TOP)
        pdf.set_font("Helvetica", size=11)
        postcode = f"{address.postcode[:4]} {address.postcode[4:]}"
        window = f"{address.street} {address.house}\n{postcode}  {address.city}"
        pdf.multi_cell(90, 6, _latin(window))
        pdf.set_xy(LEFT, BODY_TOP)
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(WIDTH, 7, _latin(t(TITLE, area=address.wijk or address.postcode_area)))
        pdf.set_x(LEFT)
        pdf.set_font("Helvetica", size=11)
        pdf.ln(3)
        for paragraph in (
            t(GREETING),
            t(WHAT_FOR, node=node_name),
            t(HOW, site=site, verify=verify_url),
            t(CODES),
        ):
            pdf.set_x(LEFT)
            pdf.multi_cell(WIDTH, 6, _latin(paragraph))
            pdf.ln(2)
        pdf.set_font("Courier", "B", 16)
        for code in letter.codes:
            pdf.set_x(LEFT + 10)
            pdf.cell(WIDTH - 10, 10, code, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_x(LEFT)
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(WIDTH, 5, _latin(t(KEEP)))
    return bytes(pdf.output())
