"""A search from a point keeps the services whose service-area polygon covers it, whatever their distance, and sees
a polygon changed by an import at once: on SQLite the engine holds the polygons in memory
(``directory.search.database.Polygons``) and must notice that they changed."""

import asyncio
import json
from pathlib import Path
from typing import Any

from directory import vocabularies
from directory.search.database import DatabaseSearchEngine
from directory.search.query import SearchQuery
from tests.helpers import cli, make_service, new_id, write_json
from waypost.db import create_engine

# A searcher in Portland, and a warmline's site 150 km away in Bend: only its area brings it into a search there.
PORTLAND = SearchQuery(text="warmline", latitude=45.5122, longitude=-122.5791, postal_code="97233", state="OR")
BEND = (44.0582, -121.3153)


def _box(area_id: str, west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    extent = json.dumps({"type": "Polygon", "coordinates": [ring]})
    return {"id": area_id, "name": "Warmline area", "extent_type": "geojson", "extent": extent}


def test_a_changed_polygon_is_seen_by_the_next_search(database_url: str, tmp_path: Path) -> None:
    area_id = new_id()
    warmline = make_service(name="Statewide Warmline", service_areas=[_box(area_id, -123.0, 45.0, -122.0, 46.0)])
    location = warmline["service_at_locations"][0]["location"]
    location["latitude"], location["longitude"] = BEND
    around_bend = {**warmline, "service_areas": [_box(area_id, -121.5, 43.9, -121.0, 44.2)]}

    def imported(name: str, service: dict[str, Any]) -> None:
        assert cli(database_url, "import", str(write_json(tmp_path / name, [service]))).exit_code == 0

    async def found(search: DatabaseSearchEngine) -> list[str]:
        return [hit.name for hit in (await search.search(PORTLAND)).contents]

    async def searches() -> list[list[str]]:
        # One engine throughout, as in a running server: what it holds must follow the catalog.
        engine = create_engine(database_url)
        search = DatabaseSearchEngine(engine, vocabularies.default(), "America/Los_Angeles")
        try:
            names = [await found(search)]
            await asyncio.to_thread(imported, "around-bend.json", around_bend)
            names.append(await found(search))
            await asyncio.to_thread(imported, "portland-again.json", warmline)
            names.append(await found(search))
            return names
        finally:
            await engine.dispose()

    imported("portland.json", warmline)
    assert asyncio.run(searches()) == [["Statewide Warmline"], [], ["Statewide Warmline"]]
