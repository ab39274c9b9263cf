"""A resident proposes with an image and a place from the web form: the image needs a
description for people who cannot see it, a file that is no image is refused, and
where the node names a tile server the proposal page draws the place on a map whose
tiles the browser really loads under the page's security policy."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Page, expect

from node.config import Look
from tests.browser.conftest import StartNode, loopback_server
from tests.browser.test_participation_pages import ACCESSIBILITY_PROBLEMS, log_in
from tests.integration.participation_helpers import open_process, person

pytestmark = pytest.mark.asyncio(loop_scope="session")

NewPage = Callable[[], Awaitable[Page]]
BENCH_PHOTO = "Een kapotte houten bank naast de wip in de speeltuin"


def png(width: int, height: int) -> bytes:
    """A grey PNG of the given size, as a camera app would save a photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest_asyncio.fixture(loop_scope="session")
async def tile_server() -> AsyncIterator[tuple[str, list[str]]]:
    """A tile server on loopback: its URL template, and the tiles browsers asked it for."""
    asked: list[str] = []
    tile = png(256, 256)

    async def serve_tile(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(body=tile, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{z}/{x}/{y}.png", serve_tile)
    async with loopback_server(app) as port:
        yield f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png", asked


async def test_a_proposal_with_an_image_needs_its_description_and_shows_its_place_on_a_map(
    start: StartNode, new_page: NewPage, tile_server: tuple[str, list[str]]
) -> None:
    tiles, asked = tile_server
    wijk = await start(
        "oosterpark", "Wijkraad Oosterpark", look=Look(map_tiles=tiles, map_attribution="© Kaart")
    )
    await person(wijk, "anouk")
    process = await open_process(wijk, "speeltuin", "initiate", threshold=2)
    page = await new_page()
    await log_in(page, wijk, "anouk", f"/processes/{process.slug}")
    photo = {"name": "bank.png", "mimeType": "image/png", "buffer": png(40, 30)}

    await page.get_by_label("Titel").fill("Een nieuwe bank bij de speeltuin")
    await page.get_by_label("Uw voorstel").fill("De oude bank is kapot.")
    await page.get_by_label("Waar op de kaart (niet verplicht)").fill("53.2194, 6.5665")
    await page.get_by_label("Een afbeelding (niet verplicht)").set_input_files(photo)
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Voorstel indienen").click()
    # Without a description the image is refused, and the resident is told to choose it anew.
    assert (await answer.value).status == 422
    await expect(page.locator("#propose-image_alt-error")).to_contain_text(
        "Beschrijf wat de afbeelding laat zien"
    )
    await expect(page.locator("#propose-image-error")).to_contain_text("Kies uw afbeelding opnieuw")
    await expect(page.get_by_label("Titel")).to_have_value("Een nieuwe bank bij de speeltuin")
    assert await page.evaluate(ACCESSIBILITY_PROBLEMS) == []

    # A file that only calls itself an image is refused by what its bytes say.
    await page.get_by_label("Een afbeelding (niet verplicht)").set_input_files(
        {"name": "bank.png", "mimeType": "image/png", "buffer": b"<html>geen foto</html>"}
    )
    await page.get_by_label("Wat de afbeelding laat zien (nodig bij een afbeelding)").fill(
        BENCH_PHOTO
    )
    await page.get_by_role("button", name="Voorstel indienen").click()
    await expect(page.locator("#propose-image-error")).to_contain_text(
        "Dit bestand is geen afbeelding die deze node kan tonen"
    )
    assert await wijk.node.participation_store.proposals_of(process.uri) == []

    await page.get_by_label("Een afbeelding (niet verplicht)").set_input_files(photo)
    await page.get_by_label("Wat de afbeelding laat zien (nodig bij een afbeelding)").fill(
        BENCH_PHOTO
    )
    await page.get_by_role("button", name="Voorstel indienen").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Een nieuwe bank bij de speeltuin"
    )
    image = page.get_by_role("img", name=BENCH_PHOTO)
    await expect(image).to_be_visible()
    assert await image.evaluate("i => i.complete && i.naturalWidth") == 40
    the_map = page.get_by_role("img", name="Kaart van de plek van dit voorstel")
    await expect(the_map).to_be_visible()
    await expect(page.get_by_text("© Kaart")).to_be_visible()
    # The browser fetched the tiles around the place at street level (zoom 17): the
    # page's security policy lets it, and only that server beside the node itself.
    await page.wait_for_load_state("load")
    assert len(asked) >= 6 and all(path.startswith("/17/") for path in asked)
    assert "/17/67926/42563.png" in asked
    assert await page.evaluate(ACCESSIBILITY_PROBLEMS) == []
    await page.screenshot(path="/tmp/samenspraak-proposal-image-map.png", full_page=True)

    # The proposal carries the image, with its description, to whoever follows the process.
    [proposal] = await wijk.node.participation_store.proposals_of(process.uri)
    record = await wijk.node.objects.record(proposal.uri)
    assert record is not None
    [attachment] = record.document["attachment"]
    assert attachment["type"] == "Image" and attachment["name"] == BENCH_PHOTO
    assert (attachment["mediaType"], attachment["width"], attachment["height"]) == (
        "image/png",
        40,
        30,
    )
