"""A search's hits are described from the listings' documents and facts (``search_facts``): what they say must be
what the catalog's own tables say, open or closed included, on both databases."""

import asyncio
from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from directory import models
from directory.search import opening
from directory.search.query import Analysis
from directory.search.results import build_hits
from waypost.db import create_engine

ZONE = "America/Los_Angeles"


async def _every_listing_described(url: str, at: datetime) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Every listing of the catalog as a hit, and what the catalog's tables say of each, read the long way."""
    engine = create_engine(url)
    doc, service, organization, address = models.search_document, models.service, models.organization, models.address
    try:
        async with engine.connect() as connection:
            listings = [
                SimpleNamespace(**row._mapping, score=0.5, distance_km=None)
                for row in await connection.execute(select(doc))
            ]
            hits = await build_hits(connection, listings, Analysis((), frozenset(), None), at, ZONE)
            named = await connection.execute(
                select(service.c.id, service.c.name, organization.c.name.label("organization")).outerjoin(
                    organization, organization.c.id == service.c.organization_id
                )
            )
            streets: dict[Any, set[str]] = defaultdict(set)
            for location_id, street in await connection.execute(select(address.c.location_id, address.c.address_1)):
                streets[location_id].add(street)
            said = {
                "names": {row.id: (row.name, row.organization) for row in named},
                "streets": streets,
                "hours": await opening.opening_hours(connection, listings, ZONE),
            }
    finally:
        await engine.dispose()
    return hits, listings, said


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo(ZONE)),  # a Tuesday morning
        datetime(2026, 12, 6, 3, 0, tzinfo=ZoneInfo(ZONE)),  # a Sunday night
    ],
)
def test_hits_say_what_the_catalog_says(seeded_database_url: str, at: datetime) -> None:
    hits, listings, said = asyncio.run(_every_listing_described(seeded_database_url, at))
    assert len(hits) == len(listings) > 100
    for hit, listing in zip(hits, listings, strict=True):
        assert (hit.name, hit.organization["name"]) == said["names"][listing.service_id]
        assert hit.open_now == said["hours"][listing.id].is_open(at)
        if hit.location is not None and hit.location["address"] is not None:
            assert hit.location["address"].split(", ")[0] in said["streets"][listing.location_id]
    assert {hit.open_now for hit in hits} == {True, False, None}, "the seed region has all three at these times"
