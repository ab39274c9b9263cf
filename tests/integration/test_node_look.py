"""A node looks like its owner's: its colour, logo and footer from ``[look]``, and a
colour or logo that would not work is refused with its reason before the node starts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from node.config import ConfigError, Look, contrast_with_white, load_config
from node.runner import dev_config, free_port, start_node

# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101001829b8cb0000000049454e44ae426082"
)


async def test_the_pages_carry_the_nodes_colour_logo_and_footer(tmp_path: Path) -> None:
    data_dir = tmp_path / "wijert"
    port = free_port()
    look = Look(
        colour="#7a1f5c",
        logo="logo.png",
        contact="wijkraad@dewijert.example",
        privacy_statement="https://dewijert.example/privacy",
        accessibility_statement="https://dewijert.example/toegankelijkheid",
    )
    config = replace(dev_config("wijert", "De Wijert", port), look=look)
    running = await start_node(data_dir, config, run_workers=False)
    (data_dir / "logo.png").write_bytes(PNG)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{running.base_url}/", headers={"Accept": "text/html"}) as r:
                page = await r.text()
            async with http.get(f"{running.base_url}/theme.css") as r:
                theme = (r.headers["Content-Type"], await r.text())
            async with http.get(f"{running.base_url}/logo") as r:
                logo = (r.status, r.headers["Content-Type"], await r.read())
    finally:
        await running.stop()

    assert (
        f'<img src="{running.base_url}/logo" alt="" class="logo"> <strong>De Wijert</strong>'
        in page
    )
    assert 'href="mailto:wijkraad@dewijert.example"' in page
    assert '<a href="https://dewijert.example/privacy">Privacyverklaring</a>' in page
    assert (
        '<a href="https://dewijert.example/toegankelijkheid">Toegankelijkheidsverklaring</a>'
        in page
    )
    assert f'<a href="{running.base_url}/moderation">Moderatielogboek</a>' in page
    assert theme[0].startswith("text/css") and "--accent: #7a1f5c;" in theme[1]
    assert logo == (200, "image/png", PNG)


def node_dir(tmp_path: Path, look: str) -> Path:
    (tmp_path / "samenspraak.toml").write_text(
        '[node]\ndomain = "127.0.0.1:8701"\nname = "De Wijert"\nhandle = "wijert"\ndev = true\n'
        f"[look]\n{look}\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    ("look", "reason"),
    [
        ('colour = "#ffcc00"', "stands out from white by only 1.5:1"),
        ('colour = "groen"', "is not a colour like #2d6a4f"),
        ('logo = "logo.png"', "is not in"),
        ('logo = "../logo.png"', "must be the name of a"),
        ('privacy_statement = "privacy.html"', "is not a http(s) URL"),
        ('map_tiles = "https://tile.example/kaart.png"', "is not a http(s) URL with {z}, {x}"),
        ('map_tiles = "file:///{z}/{x}/{y}.png"', "is not a http(s) URL with {z}, {x}"),
    ],
)
def test_a_look_that_would_not_work_is_refused_with_its_reason(
    tmp_path: Path, look: str, reason: str
) -> None:
    with pytest.raises(ConfigError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load_config(node_dir(tmp_path, look))


def test_the_default_colour_reads_with_white_text() -> None:
    assert contrast_with_white(Look().colour) >= 4.5
    assert round(contrast_with_white("#000000"), 1) == 21.0
