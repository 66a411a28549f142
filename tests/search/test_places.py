"""Place codes never lose a listing: every listing that serves a point shares a code with a search from it."""

import math

import shapely
from hypothesis import given
from hypothesis import strategies as st

from directory import geo
from directory.search.places import (
    ANYWHERE,
    WIDE,
    document_codes,
    near_cell,
    near_cells,
    search_codes,
)

latitudes = st.floats(min_value=18.0, max_value=70.0)
longitudes = st.floats(min_value=-170.0, max_value=-66.0)
radii = st.floats(min_value=0.5, max_value=150.0)


def _shares_a_code(document: str, search: list[str] | None) -> bool:
    assert search is not None
    return bool(set(document.split()) & set(search))


@given(latitudes, longitudes, radii, st.floats(0, 0.999), st.floats(0, 2 * math.pi))
def test_a_site_within_the_radius_shares_a_code_with_the_search(
    latitude: float, longitude: float, radius_km: float, share: float, bearing: float
) -> None:
    # A site at ``share`` of the radius in the direction ``bearing``, on the sphere.
    distance = radius_km * share / geo.EARTH_RADIUS_KM
    lat1, lon1 = math.radians(latitude), math.radians(longitude)
    lat2 = math.asin(math.sin(lat1) * math.cos(distance) + math.cos(lat1) * math.sin(distance) * math.cos(bearing))
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(distance) * math.cos(lat1), math.cos(distance) - math.sin(lat1) * math.sin(lat2)
    )
    site = document_codes(math.degrees(lat2), math.degrees(lon2), set(), [])
    assert _shares_a_code(site, search_codes(latitude, longitude, radius_km, None, None))


@given(latitudes, longitudes, st.floats(0.01, 3.0), st.floats(0.01, 3.0), st.floats(0, 1), st.floats(0, 1))
def test_a_polygon_that_covers_the_point_shares_a_code_with_the_search(
    south: float, west: float, height: float, width: float, up: float, across: float
) -> None:
    polygon = shapely.box(west, south, west + width, south + height)
    latitude, longitude = south + up * height, west + across * width
    area = document_codes(None, None, set(), [polygon.bounds])
    assert _shares_a_code(area, search_codes(latitude, longitude, 1.0, None, None))


def test_a_listing_is_coded_by_its_area_when_its_service_names_one() -> None:
    statewide = document_codes(45.5, -122.6, {"OR", "97233"}, [])
    assert statewide == "area:97233 area:OR"  # not the site's cell: the area decides
    assert _shares_a_code(statewide, search_codes(44.0, -121.0, 10.0, "OR", "97701"))
    assert not _shares_a_code(statewide, search_codes(47.6, -122.3, 10.0, "WA", "98104"))


def test_a_listing_without_area_or_site_serves_anywhere_and_a_huge_polygon_is_wide() -> None:
    assert document_codes(None, None, set(), []) == ANYWHERE
    assert document_codes(None, None, set(), [(-125.0, 32.0, -114.0, 42.0)]) == WIDE
    assert {ANYWHERE, WIDE} <= set(search_codes(45.5, -122.6, 40.0, "OR", "97233") or [])


def test_a_search_too_wide_for_its_cells_is_not_narrowed_by_codes() -> None:
    assert search_codes(45.5, -122.6, 500.0, "OR", "97233") is None
    assert search_codes(52.0, 179.9, 30.0, "AK", None) is None  # across the antimeridian


@given(latitudes, longitudes, st.floats(0.001, 0.5), st.floats(0.001, 0.5), st.floats(0, 1), st.floats(0, 1))
def test_a_point_in_a_box_lies_in_one_of_the_boxs_near_cells(
    south: float, west: float, height: float, width: float, up: float, across: float
) -> None:
    cells = near_cells(south, west, south + height, west + width)
    assert near_cell(south + up * height, west + across * width) in cells
    assert len(cells) == len(set(cells))  # every cell numbered once
