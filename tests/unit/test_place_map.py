"""The tiles of a proposal's map (node/web/place_map.py): they cover the map around the
point, wrap round at the date line and stop at the poles."""

from __future__ import annotations

from node.web.place_map import HEIGHT, TILE, WIDTH, place_map, world_pixel

TEMPLATE = "https://tiles.example/{z}/{x}/{y}.png"


def test_the_tiles_cover_the_whole_map_with_the_point_in_its_middle() -> None:
    shown = place_map(TEMPLATE, 53.2194, 6.5665)
    x, y = world_pixel(53.2194, 6.5665)
    # The tile holding the point is drawn where it puts the point in the middle.
    holding = f"https://tiles.example/17/{int(x // TILE)}/{int(y // TILE)}.png"
    [tile] = [t for t in shown.tiles if t.url == holding]
    assert abs(tile.x + x % TILE - shown.marker_x) <= 1
    assert abs(tile.y + y % TILE - shown.marker_y) <= 1
    assert (shown.marker_x, shown.marker_y) == (WIDTH // 2, HEIGHT // 2)
    # Every pixel of the map lies on some tile.
    for px, py in ((0, 0), (WIDTH - 1, 0), (0, HEIGHT - 1), (WIDTH - 1, HEIGHT - 1)):
        assert any(t.x <= px < t.x + TILE and t.y <= py < t.y + TILE for t in shown.tiles)


def test_tiles_wrap_round_at_the_date_line_and_stop_at_the_poles() -> None:
    east = place_map(TEMPLATE, 0.0, 179.999, zoom=2)
    columns = {t.url.split("/")[-2] for t in east.tiles}
    assert "0" in columns and "3" in columns
    north = place_map(TEMPLATE, 85.0, 0.0, zoom=2)
    assert all(0 <= int(t.url.rsplit("/", 1)[1].removesuffix(".png")) < 4 for t in north.tiles)
    assert all(t.y >= 0 for t in north.tiles)
