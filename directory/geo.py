"""Places without a network: US ZIP code centroids, the ZIP nearest a point, and distances.

ZIP data comes from the ``zipcodes`` package, which ships it, so that a search by ZIP never asks another host where
somebody is. The table is loaded once, on first use.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import zipcodes

EARTH_RADIUS_KM = 6371.0088
CELL_DEGREES = 0.5  # the grid of cells the nearest-ZIP lookup and search place codes use


@dataclass(frozen=True)
class PostalCode:
    code: str
    latitude: float
    longitude: float
    state: str
    timezone: str | None


@cache
def _postal_codes() -> dict[str, PostalCode]:
    table = {}
    for entry in zipcodes.list_all():
        try:
            latitude, longitude = float(entry["lat"]), float(entry["long"])
        except (TypeError, ValueError):
            continue
        table[entry["zip_code"]] = PostalCode(
            entry["zip_code"], latitude, longitude, entry["state"], entry.get("timezone") or None
        )
    return table


@cache
def _grid() -> dict[tuple[int, int], list[PostalCode]]:
    grid: dict[tuple[int, int], list[PostalCode]] = defaultdict(list)
    for place in _postal_codes().values():
        grid[cell(place.latitude, place.longitude)].append(place)
    return grid


def load() -> None:
    """Load the ZIP tables now rather than on the first search that needs them."""
    _grid()


def cell(latitude: float, longitude: float, degrees: float = CELL_DEGREES) -> tuple[int, int]:
    """The (row, column) of the cell of a grid of ``degrees`` that holds the point."""
    return math.floor(latitude / degrees), math.floor(longitude / degrees)


def cells(
    min_lat: float, min_lon: float, max_lat: float, max_lon: float, degrees: float = CELL_DEGREES
) -> list[tuple[int, int]]:
    """The (row, column) of every cell of a grid of ``degrees`` that a box touches."""
    (low_row, low_column), (high_row, high_column) = cell(min_lat, min_lon, degrees), cell(max_lat, max_lon, degrees)
    return [(row, column) for row in range(low_row, high_row + 1) for column in range(low_column, high_column + 1)]


def postal_code(code: str) -> PostalCode | None:
    """A US ZIP code's centroid, state and timezone; ``None`` for a code that does not exist."""
    return _postal_codes().get(code.strip()[:5])


def nearest_postal_code(latitude: float, longitude: float, within_km: float = 50) -> PostalCode | None:
    """The ZIP whose centroid is nearest the point, if one is within ``within_km`` (so not at sea or abroad)."""
    row, column = cell(latitude, longitude)
    candidates = [
        place
        for d_row in (-1, 0, 1)
        for d_column in (-1, 0, 1)
        for place in _grid().get((row + d_row, column + d_column), ())
    ]
    if not candidates:
        return None
    nearest = min(candidates, key=lambda p: haversine_km(latitude, longitude, p.latitude, p.longitude))
    return nearest if haversine_km(latitude, longitude, nearest.latitude, nearest.longitude) <= within_km else None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a box that contains the circle: a cheap, index-friendly prefilter."""
    angle = radius_km / EARTH_RADIUS_KM
    # The circle reaches furthest east and west at asin(sin(angle) / cos(latitude)), a little beyond
    # angle / cos(latitude); a circle around a pole spans every longitude.
    reach = math.sin(angle) / max(math.cos(math.radians(latitude)), 1e-12)
    d_lat, d_lon = math.degrees(angle), math.degrees(math.asin(reach)) if reach < 1 else 180.0
    return latitude - d_lat, longitude - d_lon, latitude + d_lat, longitude + d_lon
