"""A search that its place alone narrows ranks the listings near the searcher first
(``DatabaseSearchEngine._page_and_facets``); whenever they answer, its pages are the pages that ranking every match
gives. Ranking every match is what the search does when no listing near the searcher can be trusted to outrank the
others (``FARTHER_BEST`` beyond any score)."""

import asyncio
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from directory import geo, vocabularies
from directory.search import database
from directory.search.database import DatabaseSearchEngine
from directory.search.query import SearchQuery, SearchResult
from waypost.db import create_engine

PACIFIC = ZoneInfo("America/Los_Angeles")


def _query(latitude: float, longitude: float, **asked: Any) -> SearchQuery:
    """A search around the point, in its nearest ZIP code's state (whose statewide services serve it)."""
    nearest = geo.nearest_postal_code(latitude, longitude)
    assert nearest is not None
    return SearchQuery(latitude=latitude, longitude=longitude, postal_code=nearest.code, state=nearest.state, **asked)


def _search(database_url: str, query: SearchQuery, near_first: bool = True) -> SearchResult:
    async def run() -> SearchResult:
        engine = create_engine(database_url)
        try:
            return await DatabaseSearchEngine(engine, vocabularies.default(), "America/Los_Angeles").search(query)
        finally:
            await engine.dispose()

    with mock.patch.object(database, "FARTHER_BEST", database.FARTHER_BEST if near_first else math.inf):
        return asyncio.run(run())


@contextmanager
def _ranked() -> Iterator[list[str]]:
    """Which listings each search ranked, in turn: those near the searcher ("near"), every match ("all")."""
    ranked: list[str] = []
    near, every = DatabaseSearchEngine._page, DatabaseSearchEngine._page_with_facets

    def near_spy(self: DatabaseSearchEngine, *args: Any) -> Any:
        ranked.append("near")
        return near(self, *args)

    def every_spy(self: DatabaseSearchEngine, *args: Any) -> Any:
        ranked.append("all")
        return every(self, *args)

    with (
        mock.patch.object(DatabaseSearchEngine, "_page", near_spy),
        mock.patch.object(DatabaseSearchEngine, "_page_with_facets", every_spy),
    ):
        yield ranked


def _shown(result: SearchResult) -> tuple[Any, ...]:
    hits = [(hit.service_at_location_id or hit.service_id, hit.score, hit.distance_km) for hit in result.contents]
    return result.total_items, hits, result.facets


searches = st.builds(
    lambda latitude, longitude, filters: _query(latitude, longitude, **filters),
    # The seed region: Portland, Vancouver (WA), their suburbs, and the Gorge to the east.
    latitude=st.floats(45.35, 45.75),
    longitude=st.floats(-123.0, -121.5),
    filters=st.fixed_dictionaries(
        {
            "radius_km": st.sampled_from([2.0, 5.0, 15.0, 40.0]),
            "page": st.integers(1, 3),
            "per_page": st.sampled_from([1, 3, 5, 20]),
        },
        optional={
            "age": st.integers(0, 90).map(float),
            "free": st.booleans(),
            "gender": st.sampled_from(["women", "men"]),
            "language": st.sampled_from(["es", "ru"]),
            "include_inactive": st.just(True),
            "open_at": st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2026, 12, 31)).map(
                lambda moment: moment.replace(tzinfo=PACIFIC)
            ),
        },
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=searches)
# Where the listings near the point fill the page, yet some score no better than a service without a site that
# serves the whole state: it outranks them.
@example(query=_query(45.47, -122.68, per_page=3))
@example(query=_query(45.47, -122.53, per_page=5))
def test_the_listings_near_the_searcher_rank_as_every_match_ranked_would(
    seeded_database_url: str, query: SearchQuery
) -> None:
    everything = _search(seeded_database_url, query, near_first=False)
    assert _shown(_search(seeded_database_url, query)) == _shown(everything)


def test_downtown_the_first_page_comes_from_the_listings_near_the_searcher(seeded_database_url: str) -> None:
    query = _query(45.5152, -122.6784, per_page=5)
    with _ranked() as ranked:
        near_first = _search(seeded_database_url, query)
    assert ranked == ["near"], ranked  # the matches were counted, not ranked
    assert len(near_first.contents) == 5
    assert all(hit.distance_km is not None and hit.distance_km <= database.REACHABLE_KM for hit in near_first.contents)
    assert _shown(near_first) == _shown(_search(seeded_database_url, query, near_first=False))


def test_far_from_the_listings_every_match_is_ranked(seeded_database_url: str) -> None:
    # In the Gorge few listings are within REACHABLE_KM: they cannot fill a page of twenty.
    query = _query(45.7068, -121.5281, per_page=20)
    with _ranked() as ranked:
        assert _search(seeded_database_url, query).total_items > 0
    assert ranked == ["near", "all"], ranked
