""" "Open at" as the database tests it gives exactly the listings that ``directory.hours`` says are open.

Weekly hours are spans in ``search_opening`` tested in SQL; other hours (closures, dated and monthly rules) are
evaluated in Python for the listings that match. Both are checked here against ``Hours.is_open`` itself: on the
seed region at moments that cross midnight, the week's end and a daylight-saving change, and on hand-made
schedules that only Python can read.
"""

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from directory import models
from directory.search import opening
from tests.helpers import app_client, cli, make_service, new_id, write_json
from waypost.db import create_engine

PACIFIC = ZoneInfo("America/Los_Angeles")
MOMENTS = [
    datetime(2026, 11, 30, 2, 0, tzinfo=PACIFIC),  # Monday night: overnight shelters from Sunday evening
    datetime(2026, 11, 29, 23, 59, 59, tzinfo=PACIFIC),  # the last second of the week
    datetime(2026, 12, 2, 9, 0, tzinfo=PACIFIC),  # an opening hour
    datetime(2026, 12, 2, 17, 0, tzinfo=PACIFIC),  # a closing hour: closed at the closing second
    datetime(2026, 12, 5, 12, 30, tzinfo=PACIFIC),  # Saturday
    datetime(2026, 11, 1, 12, 0, tzinfo=PACIFIC),  # the day clocks went back
    datetime(2026, 7, 4, 20, 0, tzinfo=ZoneInfo("UTC")),  # summer time, asked in UTC
]


def _compare(database_url: str, at: datetime) -> tuple[set[object], set[object]]:
    """(listings the database finds open at ``at``, listings ``Hours.is_open`` says are open then)."""

    async def run() -> tuple[set[object], set[object]]:
        engine = create_engine(database_url)
        doc = models.search_document
        try:
            async with engine.connect() as connection:
                condition = await opening.open_at(connection, at, "America/Los_Angeles", [])
                found = set((await connection.execute(select(doc.c.id).where(condition))).scalars())
                every = (
                    await connection.execute(
                        select(doc.c.id, doc.c.service_id, doc.c.service_at_location_id, doc.c.location_id)
                    )
                ).all()
                listing_hours = await opening.opening_hours(connection, every, "America/Los_Angeles")
        finally:
            await engine.dispose()
        return found, {row.id for row in every if listing_hours[row.id].is_open(at)}

    return asyncio.run(run())


@pytest.mark.parametrize("at", MOMENTS, ids=lambda at: at.isoformat())
def test_weekly_spans_give_exactly_the_open_listings_of_the_seed_region(seeded_database_url: str, at: datetime) -> None:
    found, expected = _compare(seeded_database_url, at)
    assert expected, "the seed region has listings open at every one of these moments"
    assert found == expected


def _schedule(**fields: str) -> dict[str, str]:
    return {"id": new_id(), "tzid": "America/Los_Angeles", **fields}


def _weekdays() -> dict[str, str]:
    return _schedule(freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at="09:00", closes_at="17:00")


async def test_hours_only_python_can_read_are_evaluated_for_the_matching_listings(
    database_url: str, tmp_path: Path
) -> None:
    services = {
        "plain": make_service(name="Plain Weekday Pantry", schedules=[_weekdays()]),
        "holiday": make_service(
            name="Holiday Pantry",
            schedules=[
                _weekdays(),
                _schedule(valid_from="2026-11-26", valid_to="2026-11-27", description="Thanksgiving"),
            ],
        ),
        "monthly": make_service(
            name="First Monday Pantry",
            schedules=[_schedule(freq="MONTHLY", byday="1MO", opens_at="10:00", closes_at="12:00")],
        ),
        "eastern": make_service(
            name="Eastern Time Pantry",
            schedules=[_schedule(byday="MO,TU,WE,TH,FR", opens_at="09:00", closes_at="17:00", tzid="America/New_York")],
        ),
        "untimed": make_service(name="No Hours Pantry", schedules=[]),
    }
    path = write_json(tmp_path / "services.json", list(services.values()))
    result = await asyncio.to_thread(cli, database_url, "import", str(path))
    assert result.exit_code == 0, result.output

    async def open_names(client: httpx.AsyncClient, at: datetime) -> set[str]:
        response = await client.get("/api/v1/search", params={"taxonomy": "food.pantry", "open_at": at.isoformat()})
        assert response.status_code == 200, response.text
        return {hit["name"] for hit in response.json()["contents"]}

    async with app_client(database_url) as client:
        # Wednesday 25 November, 10:30 in Portland (13:30 in New York)
        assert await open_names(client, datetime(2026, 11, 25, 10, 30, tzinfo=PACIFIC)) == {
            "Plain Weekday Pantry",
            "Holiday Pantry",
            "Eastern Time Pantry",
        }
        # Thanksgiving: the holiday pantry is closed
        assert await open_names(client, datetime(2026, 11, 26, 10, 30, tzinfo=PACIFIC)) == {
            "Plain Weekday Pantry",
            "Eastern Time Pantry",
        }
        # Monday 7 December, the first Monday of the month, 11:00: every pantry but the one without hours
        assert await open_names(client, datetime(2026, 12, 7, 11, 0, tzinfo=PACIFIC)) == {
            "Plain Weekday Pantry",
            "Holiday Pantry",
            "First Monday Pantry",
            "Eastern Time Pantry",
        }
        # Monday 14 December, 14:30 in Portland: 17:30 in New York, after closing there; not the first Monday
        assert await open_names(client, datetime(2026, 12, 14, 14, 30, tzinfo=PACIFIC)) == {
            "Plain Weekday Pantry",
            "Holiday Pantry",
        }
    assert await _stored_kinds(database_url) == {
        "Plain Weekday Pantry": "weekly",
        "Holiday Pantry": "dated",
        "First Monday Pantry": "dated",
        "Eastern Time Pantry": "weekly",
        "No Hours Pantry": None,
    }


async def _stored_kinds(database_url: str) -> dict[str, str | None]:
    engine = create_engine(database_url)
    doc, service = models.search_document, models.service
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(service.c.name, doc.c.hours).join(service, service.c.id == doc.c.service_id)
            )
            return {row.name: row.hours for row in rows}
    finally:
        await engine.dispose()
