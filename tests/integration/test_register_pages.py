"""Organisers keep the address register from the browser on /organise/register: an upload
is previewed (counts, first rows, every refused row by line and reason in the visitor's
language) and imported only on confirmation; a file refused as a whole changes nothing.
They print the letters of a postcode area as a PDF, one page per address, whose codes
verify residents on /verify; and staff confirm a resident in person on /organise/verify.
Each refusal is shown with its message and changes nothing."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiohttp
import pytest
from pypdf import PdfReader

from node.cli.errors import REFUSED
from node.letter_sheet import letters_pdf
from node.participation.addresses import MAX_REGISTER_BYTES, parse_register, read_register
from node.participation.verification import MAX_ACCOUNTS_PER_ADDRESS
from node.runner import RunningNode, dev_config, free_port
from node.setup import initialise
from node.web import register_pages
from tests.integration.agreement_scenarios import REGISTER_WITH_RESIDENTS, agreed
from tests.integration.commands import rows_in
from tests.integration.conftest import StartNode
from tests.integration.participation_helpers import person
from tests.integration.voting_scenarios import import_register
from tests.integration.web_login import logged_in, web_browser

HEADER = "postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;wijk"
WITH_BAD_ROWS = (
    f"{HEADER};ingeschrevenen\n"
    "9722 AB;4;;;Van Iddekingeweg;Groningen;De Wijert;2\n"  # line 2
    "97 AB;5;;;Van Iddekingeweg;Groningen;De Wijert;1\n"  # line 3: bad postcode
    "9722 AB;;;;Van Iddekingeweg;Groningen;De Wijert;1\n"  # line 4: no house number
    "9722 AB;8;;;Van Iddekingeweg;Groningen;De Wijert;twee\n"  # line 5: not a number
    "9722 AB;4;;;Van Iddekingeweg;Groningen;De Wijert;1\n"  # line 6: line 2 again
    "9713 XT;12;;;Gorechtkade;Groningen;Oosterparkwijk;3\n"  # line 7
)
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
T = TypeVar("T")
R = TypeVar("R")


async def _keys(running: RunningNode) -> list[str]:
    return [
        f"{row['postcode']} {row['house_number']}"
        for row in await running.node.db.fetch_all(
            "SELECT postcode, house_number FROM addresses ORDER BY postcode, house_number"
        )
    ]


async def test_an_upload_is_previewed_with_its_refused_rows_and_imported_only_on_confirming(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    await person(gemeente, "sanne", "organiser")
    await import_register(gemeente)
    before = await _keys(gemeente)
    async with logged_in(gemeente, "sanne") as sanne:
        await sanne.get("/organise/register")
        preview = await sanne.upload(
            "/organise/register", {}, {"register": ("adressen.csv", WITH_BAD_ROWS.encode())}
        )
        assert await _keys(gemeente) == before
        token = re.search(r'name="token" value="([^"]+)"', preview.text)
        assert token is not None
        done = await sanne.post("/organise/register/confirm", {"token": token[1]})
        again = await sanne.post("/organise/register/confirm", {"token": token[1]})
    assert preview.status == 200 and "Voorbeeld: er is nog niets ingelezen" in preview.text
    assert (
        "2 adressen met 5 ingeschreven bewoners kunnen worden ingelezen; 4 regels worden"
        " geweigerd. Het huidige adressenbestand van 4 adressen wordt vervangen."
    ) in preview.text
    refused = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", preview.text)
    assert refused == [
        (
            "3",
            "&#39;97 AB&#39; is geen Nederlandse postcode (vier cijfers en twee letters,"
            " bijvoorbeeld 9722 AB).",
        ),
        ("4", "Het huisnummer ontbreekt."),
        (
            "5",
            "Het aantal ingeschreven bewoners &#39;twee&#39; is geen heel getal van 1 tot en"
            " met 999.",
        ),
        ("6", "9722AB 4 staat al op regel 2."),
    ]
    assert "<td>Van Iddekingeweg</td>" in preview.text
    assert done.status == 200
    assert "Het adressenbestand bevat nu 2 adressen met 5 ingeschreven bewoners" in done.text
    assert await _keys(gemeente) == ["9713XT 12", "9722AB 4"]
    assert again.status == 422 and "Dit voorbeeld is verlopen of al ingelezen." in again.text
    assert await _keys(gemeente) == ["9713XT 12", "9722AB 4"]


async def test_a_file_refused_as_a_whole_is_said_beside_the_field_and_changes_nothing(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    await person(gemeente, "sanne", "organiser")
    await person(gemeente, "bram")
    await import_register(gemeente)
    before = await _keys(gemeente)
    uploads = {
        "not UTF-8": ("Straße;ï".encode("utf-16"), "Dit is geen CSV-bestand in UTF-8."),
        "no header": (b"9722 AB;4\n", "De eerste regel moet de kolommen postcode;huisnummer"),
        "no good row": (
            f"{HEADER}\n97 AB;5;;;Weg;Groningen;De Wijert\n".encode(),
            "Het bestand heeft geen regel die kan worden ingelezen. Er is niets veranderd.",
        ),
        "too big": (b"x" * (MAX_REGISTER_BYTES + 1), "Het bestand is groter dan 16 MB."),
        "no file": (b"", "Kies het CSV-bestand met de adressen."),
    }
    async with logged_in(gemeente, "sanne") as sanne:
        for what, (content, message) in uploads.items():
            await sanne.get("/organise/register")
            page = await sanne.upload("/organise/register", {}, {"register": ("a.csv", content)})
            assert page.status in (413, 422), what
            assert 'id="import-register-error"' in page.text and message in page.text, what
            assert 'name="token"' not in page.text, what
        english = await sanne.upload(
            "/organise/register?lang=en", {}, {"register": ("a.csv", b"9722 AB;4\n")}
        )
    assert "The first line must name the columns postcode;huisnummer" in english.text
    assert await _keys(gemeente) == before
    async with logged_in(gemeente, "bram") as bram:
        page = await bram.get("/organise/register")
        posted = await bram.upload(
            "/organise/register", {}, {"register": ("a.csv", WITH_BAD_ROWS.encode())}
        )
        letters = await bram.download("/organise/letters", {"area": "9722"})
    assert page.status == posted.status == letters[0] == 403
    assert "alleen voor de organisatoren en beheerders" in page.text
    assert await _keys(gemeente) == before
    assert await gemeente.node.db.fetch_value("SELECT count(*) FROM letter_codes") == 0


async def test_the_letters_of_an_area_are_one_pdf_page_per_address_and_a_code_verifies(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await person(wijert, "sanne", "organiser")
    await person(wijert, "bram")
    await import_register(wijert)
    async with logged_in(wijert, "sanne") as sanne:
        await sanne.get("/organise/register")
        status, kind, pdf = await sanne.download("/organise/letters", {"area": "9722"})
        bad = await sanne.post("/organise/letters", {"area": "97"})
        empty = await sanne.post("/organise/letters", {"area": "1234"})
    assert status == 200 and kind == "application/pdf"
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 2  # 9722 AB 4 and 9722 AB 6a
    assert "Van Iddekingeweg 4" in pages[0] and "Van Iddekingeweg 6a" in pages[1]
    assert "Wijkdeal De Wijert" in pages[0] and f"{wijert.base_url}/verify" in pages[0]
    assert "Uw code om te bevestigen dat u in De Wijert woont" in pages[0]
    codes = [CODE.findall(page) for page in pages]
    assert [len(found) for found in codes] == [1, 1]
    assert bad.status == 422 and 'id="letters-area-error"' in bad.text
    assert "&#39;97&#39; is geen postcodegebied." in bad.text
    assert empty.status == 404
    assert "Het adressenbestand heeft geen adres in postcodegebied 1234." in empty.text
    assert await wijert.node.db.fetch_value("SELECT count(*) FROM letter_codes") == 2
    # The public log tells residents that codes for their area went out, and how many;
    # the refused requests issued nothing and are not in it.
    async with web_browser(wijert) as visitor:
        log = (await visitor.get("/moderation")).text
    assert "brieven met codes gemaakt voor postcodegebied</strong>: " in log
    assert '<span class="subject">9722</span>' in log
    assert "Reden: 2 brieven met 2 codes" in log and "door de organisatoren" in log
    assert log.count("brieven met codes gemaakt") == 1

    async with logged_in(wijert, "bram") as bram:
        await bram.get("/verify")
        verified = await bram.post("/verify", {"code": codes[1][0]})
    assert verified.status in (200, 303), verified.text
    bram_actor = await wijert.node.actors.by_username("bram")
    assert bram_actor is not None
    residency = await wijert.node.participation_services.residents.get(bram_actor.uri)
    assert residency is not None and residency.address_key == "9722AB 6a"


class SlowWork(Generic[T]):
    """A function of the page made to wait, once it runs, until another visitor of the
    node was served: were it run on the event loop, nobody would be (it gives up after
    10 seconds, noting that it waited in vain)."""

    def __init__(self, work: Callable[..., T]) -> None:
        self._work = work
        self._running, self._served = threading.Event(), threading.Event()
        self.waited: list[bool] = []

    def __call__(self, *arguments: Any) -> T:
        self._running.set()
        self.waited.append(self._served.wait(timeout=10))
        return self._work(*arguments)

    async def meanwhile(self, running: RunningNode, request: Awaitable[R]) -> R:
        """``request``'s answer, after a visitor got the home page while it was worked on."""
        task = asyncio.ensure_future(request)
        assert await asyncio.to_thread(self._running.wait, 10)
        async with aiohttp.ClientSession() as visitor:
            async with visitor.get(running.base_url + "/") as home:
                assert home.status == 200
        self._served.set()
        answer = await task
        self._running.clear()
        self._served.clear()
        return answer


async def test_other_visitors_are_served_while_the_letters_of_an_area_are_made(
    start: StartNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A city's postcode area makes thousands of pages, a minute's work: the node must
    # go on answering meanwhile.
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await person(wijert, "sanne", "organiser")
    await import_register(wijert)
    slow = SlowWork(letters_pdf)
    monkeypatch.setattr(register_pages, "letters_pdf", slow)
    async with logged_in(wijert, "sanne") as sanne:
        await sanne.get("/organise/register")
        printing = sanne.download("/organise/letters", {"area": "9722"})
        status, kind, _ = await slow.meanwhile(wijert, printing)
    assert slow.waited == [True]
    assert status == 200 and kind == "application/pdf"


async def test_other_visitors_are_served_while_an_uploaded_register_is_read(
    start: StartNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A city's extract (some 120 000 rows) takes seconds to read, at the preview and
    # again at the confirmation: the node must go on answering meanwhile.
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    await person(gemeente, "sanne", "organiser")
    slow = SlowWork(read_register)
    monkeypatch.setattr(register_pages, "read_register", slow)
    async with logged_in(gemeente, "sanne") as sanne:
        await sanne.get("/organise/register")
        upload = {"register": ("adressen.csv", WITH_BAD_ROWS.encode())}
        preview = await slow.meanwhile(gemeente, sanne.upload("/organise/register", {}, upload))
        token = re.search(r'name="token" value="([^"]+)"', preview.text)
        assert token is not None
        confirming = sanne.post("/organise/register/confirm", {"token": token[1]})
        done = await slow.meanwhile(gemeente, confirming)
    assert slow.waited == [True, True]
    assert preview.status == done.status == 200
    assert await _keys(gemeente) == ["9713XT 12", "9722AB 4"]


async def test_staff_confirm_a_resident_in_person_and_refusals_are_beside_their_field(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    await person(wijert, "sanne", "organiser")
    await person(wijert, "bram")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        await person(wijert, name)
    anna = await person(oosterpark, "anna")
    await import_register(wijert)
    residents = wijert.node.participation_services.residents
    at = {"postcode": "9722 ab", "number": "4", "resident": "1"}
    async with logged_in(wijert, "sanne") as sanne:
        form = await sanne.get("/organise/verify")
        done = await sanne.post("/organise/verify", {"account": "bram", **at})
        unknown = await sanne.post("/organise/verify", {"account": "nobody", **at})
        postcode = await sanne.post(
            "/organise/verify", {**at, "account": "a1", "postcode": "97 AB"}
        )
        for name in ("a1", "a2", "a3"):
            await sanne.post("/organise/verify", {"account": name, **at})
        full = await sanne.post("/organise/verify", {"account": "a4", **at})
        elsewhere = await sanne.post(
            "/organise/verify", {**at, "account": anna.uri, "number": "99"}
        )
    assert form.status == 200 and "Een bewoner aan de balie bevestigen" in form.text
    assert done.status == 200 and "bram is bevestigd als bewoner van De Wijert." in done.text
    bram = await wijert.node.actors.by_username("bram")
    assert bram is not None
    residency = await residents.get(bram.uri)
    assert residency is not None and residency.method == "in-person"
    assert unknown.status == 404 and 'id="verify-account-error"' in unknown.text
    assert "Er is geen account nobody op deze node." in unknown.text
    assert postcode.status == 422 and 'id="verify-postcode-error"' in postcode.text
    assert "&#39;97 AB&#39; is geen Nederlandse postcode" in postcode.text
    assert full.status == 422 and 'id="verify-number-error"' in full.text
    assert f"heeft al {MAX_ACCOUNTS_PER_ADDRESS} accounts bevestigd" in full.text
    assert elsewhere.status == 422 and 'id="verify-number-error"' in elsewhere.text
    assert "9722 ab 99 staat niet in het adressenbestand." in elsewhere.text
    verified = {r.actor_uri.rsplit("/", 1)[-1] for r in await residents.all()}
    assert verified == {"bram", "a1", "a2", "a3"}
    assert await wijert.node.participation_services.register.binding_of(anna.uri) is None
    async with logged_in(wijert, "a5") as resident:
        page = await resident.get("/organise/verify")
        posted = await resident.post("/organise/verify", {"account": "a5", **at})
    assert page.status == posted.status == 403
    assert {r.actor_uri.rsplit("/", 1)[-1] for r in await residents.all()} == verified


def _cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node.cli", *arguments], capture_output=True, text=True, timeout=120
    )


def test_the_cli_prints_the_same_refused_rows_and_imports_them_only_when_told(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "wijert"
    asyncio.run(initialise(directory, dev_config("wijert", "Wijkdeal De Wijert", free_port())))
    extract = tmp_path / "adressen.csv"
    extract.write_text(WITH_BAD_ROWS, encoding="utf-8")
    report = [
        "4 row(s) refused:",
        "  line 3: '97 AB' is not a Dutch postcode (four digits and two letters)",
        "  line 4: huisnummer is empty",
        "  line 5: ingeschrevenen 'twee' is not a whole number from 1 to 999",
        "  line 6: 9722AB 4 is already on line 2",
    ]

    preview = _cli("addresses", "import", str(directory), str(extract), "--preview")
    refused = _cli("addresses", "import", str(directory), str(extract))
    assert preview.returncode == 0
    assert preview.stdout.splitlines() == [
        "2 addresses with 5 registered residents",
        *report,
        "Nothing imported (--preview)",
    ]
    assert refused.returncode == REFUSED and refused.stdout.splitlines()[1:] == report
    assert "4 row(s) refused, nothing imported" in refused.stderr
    assert rows_in(directory, "addresses") == 0

    imported = _cli("addresses", "import", str(directory), str(extract), "--skip-refused")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[-1] == (
        "Imported 2 addresses; the previous register was replaced"
    )
    assert rows_in(directory, "addresses") == 2

    pdf = tmp_path / "brieven.pdf"
    letters = _cli("letters", str(directory), "--area", "9722", "--pdf", str(pdf))
    assert letters.stdout.strip() == f"Wrote 1 letters with 2 codes to {pdf}", letters.stderr
    [page] = PdfReader(pdf).pages
    assert len(CODE.findall(page.extract_text())) == 2
    nowhere = _cli("letters", str(directory), "--area", "1234", "--pdf", str(tmp_path / "x.pdf"))
    assert nowhere.returncode == REFUSED and "no address in postcode area 1234" in nowhere.stderr
    assert not (tmp_path / "x.pdf").exists()
    assert rows_in(directory, "letter_codes") == 2


async def test_an_official_binds_an_account_elsewhere_to_its_register_slot_in_person(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await gemeente.node.addresses.replace_all(parse_register(REGISTER_WITH_RESIDENTS))
    await agreed(gemeente, wijert, [("9722", "De Wijert", None)])
    await person(gemeente, "ambtenaar", "official")
    anna = await person(wijert, "anna")
    handle = f"@anna@{wijert.node.urls.host}"
    slot = {"account": handle, "postcode": "9722 AB", "number": "4", "resident": "2"}
    register = gemeente.node.participation_services.register
    async with logged_in(gemeente, "ambtenaar") as official:
        await official.get("/organise/verify")
        done = await official.post("/organise/verify", slot)
        bound = await register.binding_of(anna.uri)
        third = await official.post("/organise/verify", {**slot, "resident": "3"})
        not_a_number = await official.post("/organise/verify", {**slot, "resident": "twee"})
        other = await official.post("/organise/verify", {**slot, "number": "6a", "resident": "1"})
        haren = await official.post(
            "/organise/verify", {**slot, "postcode": "9751 AA", "number": "1", "resident": "1"}
        )
        # A mistyped actor address names nobody: it takes no place in the register.
        nobody = await official.post(
            "/organise/verify",
            {**slot, "account": f"{wijert.base_url}/actors/anan", "resident": "1"},
        )
    assert done.status == 200, done.text
    assert nobody.status == 404 and 'id="verify-account-error"' in nobody.text
    assert f"{anna.uri} heeft nu de plaats van ingeschreven bewoner 2 van 9722AB 4" in done.text
    assert bound is not None and (bound.address_key, bound.resident_number) == ("9722AB 4", 2)
    assert third.status == 422 and 'id="verify-resident-error"' in third.text
    assert "Op 9722AB 4 staan 2 bewoners ingeschreven" in third.text
    assert not_a_number.status == 422 and 'id="verify-resident-error"' in not_a_number.text
    assert other.status == 409 and 'id="verify-account-error"' in other.text
    assert "Dit account is al gekoppeld aan een ingeschreven bewoner op een ander adres." in (
        other.text
    )
    assert haren.status == 403 and 'id="verify-postcode-error"' in haren.text
    assert await register.binding_of(anna.uri) == bound
    assert await gemeente.node.db.fetch_value("SELECT count(*) FROM register_bindings") == 1
