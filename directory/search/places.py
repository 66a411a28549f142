"""Place codes: the places a search document serves, written as words an index can hold beside the text's.

A listing serves a searcher's place in one of three ways (``DatabaseSearchEngine._places``): its service's area
covers the point (a state or ZIP code the area names, or a polygon); or its service names no area and the listing has
no site; or a site within the radius. A document's codes say the same coarsely: ``area:WA`` and ``area:98104`` for
the states and ZIP codes its area names, ``cell:94:-245`` for the grid cell (``geo.cell``) of its site or for each
cell its polygons' bounding boxes touch (``wide`` for a polygon larger than WIDE_CELLS cells), ``anywhere`` for a
listing with neither area nor site. A search near a point asks for every code that could serve it; the listings with
one of them are a superset of those that serve the point, which the exact conditions then decide. PostgreSQL indexes
the codes beside the words (migration 0010), so that its text index and the place's are intersected before a single
listing is read.
"""

from collections.abc import Collection, Iterable

from directory import geo

NEAR_DEGREES = 0.02  # the finer grid of search_category.cell: about 2 km
WIDE_CELLS = 64  # a polygon whose bounding box touches more cells (4 x 4 degrees) is written "wide"
SEARCH_CELLS = 400  # a search whose radius touches more cells than this is not narrowed by codes
ANYWHERE, WIDE = "anywhere", "wide"


def _cells(min_lat: float, min_lon: float, max_lat: float, max_lon: float, most: int) -> list[str] | None:
    """The codes of the cells a box touches; ``None`` when there are more than ``most`` or the box crosses the
    antimeridian."""
    if _crosses_antimeridian(min_lon, max_lon):
        return None
    touched = geo.cells(min_lat, min_lon, max_lat, max_lon)
    return [_code(*grid_cell) for grid_cell in touched] if len(touched) <= most else None


def _crosses_antimeridian(min_lon: float, max_lon: float) -> bool:
    """A box that crosses the antimeridian has cells numbered from both ends of the grid: no range of them holds it."""
    return min_lon < -180 or max_lon > 180


def _code(row: int, column: int) -> str:
    return f"cell:{row}:{column}"


def document_codes(
    latitude: float | None,
    longitude: float | None,
    area_codes: Collection[str],
    polygon_bounds: Iterable[tuple[float, float, float, float]],
) -> str:
    """The place codes of a listing, space-separated: from its service's area (the states and ZIP codes it names,
    and the bounds of its polygons as shapely gives them, west, south, east, north) when it has one, else from its
    site."""
    codes = {f"area:{code}" for code in area_codes}
    for west, south, east, north in polygon_bounds:
        codes.update(_cells(south, west, north, east, WIDE_CELLS) or [WIDE])
    if not codes:
        if latitude is None or longitude is None:
            codes.add(ANYWHERE)
        else:
            codes.add(_code(*geo.cell(latitude, longitude)))
    return " ".join(sorted(codes))


def search_codes(
    latitude: float, longitude: float, radius_km: float, state: str | None, postal_code: str | None
) -> list[str] | None:
    """The codes a listing that serves the point may have, or ``None`` when the radius is too wide to narrow by."""
    cells = _cells(*geo.bounding_box(latitude, longitude, radius_km), SEARCH_CELLS)
    if cells is None:
        return None
    return [*cells, WIDE, ANYWHERE, *(f"area:{code}" for code in (state, postal_code) if code)]


COLUMNS = 100_000  # near cells are numbered row by row: unique while columns stay within +-COLUMNS / 2


def _number(row: int, column: int) -> int:
    return row * COLUMNS + column  # columns run from about -9000 to 9000


def near_cell(latitude: float, longitude: float) -> int:
    """The number of the NEAR_DEGREES cell that holds the point (search_category.cell)."""
    return _number(*geo.cell(latitude, longitude, NEAR_DEGREES))


def near_cells(min_lat: float, min_lon: float, max_lat: float, max_lon: float) -> list[int]:
    """The numbers of the NEAR_DEGREES cells a box touches."""
    return [_number(row, column) for row, column in geo.cells(min_lat, min_lon, max_lat, max_lon, NEAR_DEGREES)]
