"""The node's own look, from ``[look]`` in ``samenspraak.toml``: its colour as a small
stylesheet (the pages allow no inline style), and its logo."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from federation.errors import NotFound
from node.config import LOGO_TYPES
from node.web.app import NODE


async def theme_css(request: web.Request) -> web.Response:
    """``/theme.css``: the node's colour for the one stylesheet's ``--accent``."""
    colour = request.app[NODE].config.look.colour
    return web.Response(
        text=f":root {{ --accent: {colour}; }}\n",
        content_type="text/css",
        headers={"Cache-Control": "max-age=3600"},
    )


async def logo(request: web.Request) -> web.FileResponse:
    """``/logo``: the file ``[look] logo`` names in the node directory."""
    node = request.app[NODE]
    name = node.config.look.logo
    if not name:
        raise NotFound("this node has no logo")
    path: Path = node.data_dir / name
    return web.FileResponse(
        path,
        headers={
            "Content-Type": LOGO_TYPES[path.suffix.lower()],
            "Cache-Control": "max-age=3600",
            # An SVG logo is shown as an image, never run as a document of this origin.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


def register(app: web.Application) -> None:
    """Add the look's routes."""
    app.router.add_get("/theme.css", theme_css)
    app.router.add_get("/logo", logo)
