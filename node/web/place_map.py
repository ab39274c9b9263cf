"""A proposal's place on a small map of tiles, drawn without script.

Where the node's configuration names a tile server (``[look] map_tiles``, a URL with
``{z}``, ``{x}`` and ``{y}``), the proposal page shows an inline SVG of the tiles
around the point with a marker on it: no script runs and no style is inline, so the
page's Content-Security-Policy stays strict and only adds the tile server's origin to
``img-src`` (``allow_images_from``). Without a tile server, or when its tiles do not
load, the page still has the place's name and its OpenStreetMap link.

The tile arithmetic is the Web Mercator "slippy map" scheme every tile server uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TILE = 256
# Wide enough for a street and its corners; the SVG scales to the width of a phone.
WIDTH = 3 * TILE
HEIGHT = 2 * TILE
# Street level: one tile is about 300 m across in Groningen.
ZOOM = 17


@dataclass(frozen=True)
class PlacedTile:
    """One tile of the map and where its top left corner sits in the SVG."""

    url: str
    x: int
    y: int


@dataclass(frozen=True)
class PlaceMap:
    """The tiles around a point; the point itself is the middle of the map."""

    tiles: tuple[PlacedTile, ...]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def marker_x(self) -> int:
        """The marker's position: the point the map is centred on."""
        return self.width // 2

    @property
    def marker_y(self) -> int:
        """See ``marker_x``."""
        return self.height // 2


def world_pixel(latitude: float, longitude: float, zoom: int = ZOOM) -> tuple[float, float]:
    """Where a point lies on the whole world's map at ``zoom``, in pixels from its top left."""
    size = TILE * 2**zoom
    # Web Mercator stops short of the poles.
    latitude = max(-85.0511, min(85.0511, latitude))
    x = (longitude + 180.0) / 360.0 * size
    sine = math.sin(math.radians(latitude))
    y = (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi)) * size
    return x, y


def place_map(template: str, latitude: float, longitude: float, zoom: int = ZOOM) -> PlaceMap:
    """The tiles of ``template`` that cover a ``WIDTH`` x ``HEIGHT`` map centred on the
    point; tiles west of the date line wrap round, tiles past the poles are left out."""
    centre_x, centre_y = world_pixel(latitude, longitude, zoom)
    left = centre_x - WIDTH / 2
    top = centre_y - HEIGHT / 2
    count = 2**zoom
    tiles = []
    for row in range(math.floor(top / TILE), math.floor((top + HEIGHT) / TILE) + 1):
        if not 0 <= row < count:
            continue
        for column in range(math.floor(left / TILE), math.floor((left + WIDTH) / TILE) + 1):
            url = (
                template.replace("{z}", str(zoom))
                .replace("{x}", str(column % count))
                .replace("{y}", str(row))
            )
            tiles.append(PlacedTile(url, round(column * TILE - left), round(row * TILE - top)))
    return PlaceMap(tuple(tiles))
