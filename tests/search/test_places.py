"""Place codes never lose a listing: every listing that serves a point shares a code with a search from it."""

import asyncio
import math
import random

import shapely
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Integer, case, literal, select

from directory import geo
from directory.search.places import (
    ANYWHERE,
    NEAR_DEGREES,
    WIDE,
    document_codes,
    in_near_box,
    near_cell,
    near_cells,
    search_codes,
)
from waypost.db import create_engine

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


def test_the_database_finds_a_near_cell_in_a_box_exactly_when_its_row_and_column_are(database_url: str) -> None:
    """``in_near_box`` recovers a cell's column from its number by SQL arithmetic: checked in each database against
    the grid itself, on both sides of the equator and the prime meridian, around boxes and just outside them."""
    rng = random.Random(11)
    cases = []
    for _ in range(300):
        south, west = rng.uniform(-60.0, 70.0), rng.uniform(-179.0, 170.0)
        north, east = south + rng.uniform(0.001, 1.5), west + rng.uniform(0.001, 1.5)
        latitude, longitude = (
            rng.uniform(2 * south - north, 2 * north - south),
            rng.uniform(2 * west - east, 2 * east - west),
        )
        (low_row, low_column), (high_row, high_column) = (
            geo.cell(south, west, NEAR_DEGREES),
            geo.cell(north, east, NEAR_DEGREES),
        )
        row, column = geo.cell(latitude, longitude, NEAR_DEGREES)
        inside = low_row <= row <= high_row and low_column <= column <= high_column
        condition = in_near_box(literal(near_cell(latitude, longitude), Integer), (south, west, north, east))
        assert condition is not None
        cases.append((condition, inside))

    async def run() -> list[bool]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                found = select(*(case((condition, True), else_=False) for condition, _ in cases))
                return [bool(value) for value in (await connection.execute(found)).one()]
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == [inside for _, inside in cases]
    assert True in (inside for _, inside in cases) and False in (inside for _, inside in cases)


def test_a_box_across_the_antimeridian_is_not_narrowed_by_near_cells() -> None:
    assert in_near_box(literal(0, Integer), geo.bounding_box(52.0, 179.9, 30.0)) is None
