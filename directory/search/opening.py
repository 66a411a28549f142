"""Listings' opening hours, read from the catalog's schedules, and "open at a time" as a search condition.

A listing's hours are its own schedule at the site, else the service's, else the location's. When they are one
weekly pattern (``Hours.weekly_spans``), the document writer stores them as spans of the week in ``search_opening``
and "open at" is a plain SQL condition on them. Other hours (holiday closures, dated, monthly or every-other-week
rules) are marked ``dated`` on the document and evaluated here, in Python, for those listings alone.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from directory import hours, models
from waypost.db import among

WEEKLY, DATED = "weekly", "dated"  # search_document.hours; NULL when no schedule gives hours
DEFAULT_ZONE = ""  # search_opening.zone of a schedule without a tzid: the configured default, applied when searching

doc, opening = models.search_document, models.search_opening


class Sited(Protocol):
    """A listing: a service, at a location or not (a search document has these fields)."""

    @property
    def id(self) -> UUID: ...
    @property
    def service_id(self) -> UUID: ...
    @property
    def service_at_location_id(self) -> UUID | None: ...
    @property
    def location_id(self) -> UUID | None: ...


@dataclass(frozen=True)
class Listing:
    id: UUID
    service_id: UUID
    service_at_location_id: UUID | None
    location_id: UUID | None


async def opening_hours(
    connection: AsyncConnection, rows: Sequence[Sited], default_timezone: str
) -> dict[UUID, hours.Hours]:
    """Each listing's opening hours: its site's own schedule, else the service's, else the location's."""
    schedule = models.schedule
    service_ids = {row.service_id for row in rows}
    at_location_ids = {row.service_at_location_id for row in rows if row.service_at_location_id}
    location_ids = {row.location_id for row in rows if row.location_id}
    # One lookup per owner column, each on its own index: an OR of the three makes the database compare every
    # schedule against every id (minutes at 100k listings).
    by_owner: dict[UUID, list[dict[str, Any]]] = {}
    seen: set[UUID] = set()
    for column, ids in (
        (schedule.c.service_at_location_id, at_location_ids),
        (schedule.c.service_id, service_ids),
        (schedule.c.location_id, location_ids),
    ):
        if not ids:
            continue
        for schedule_row in await connection.execute(select(schedule).where(among(connection, column, ids))):
            if schedule_row.id in seen:
                continue
            seen.add(schedule_row.id)
            for owner in (schedule_row.service_at_location_id, schedule_row.service_id, schedule_row.location_id):
                if owner is not None:
                    by_owner.setdefault(owner, []).append(dict(schedule_row._mapping))
    result = {}
    for row in rows:
        schedules = (
            (by_owner.get(row.service_at_location_id) if row.service_at_location_id else None)
            or by_owner.get(row.service_id)
            or (by_owner.get(row.location_id) if row.location_id else None)
            or []
        )
        result[row.id] = hours.hours_from_schedules(schedules, default_timezone)
    return result


def stored_form(listing_hours: hours.Hours) -> tuple[str | None, list[tuple[str, int, int]]]:
    """How a document keeps its hours: the kind (``search_document.hours``) and its weekly spans (zone, opens,
    closes), if any."""
    if not listing_hours.rules:
        return None, []
    spans = listing_hours.weekly_spans()
    if spans is None:
        return DATED, []
    return WEEKLY, sorted({(zone or DEFAULT_ZONE, opens, closes) for zone, opens, closes in spans})


async def open_weekly(connection: AsyncConnection, at: datetime, default_timezone: str) -> ColumnElement[bool]:
    """The condition that one of the listing's weekly spans holds ``at`` on its zone's clock."""
    named = (await connection.execute(select(models.search_zone.c.zone))).scalars()
    zones = {DEFAULT_ZONE: ZoneInfo(default_timezone)} | {name: ZoneInfo(name) for name in named}
    moments = {name: hours.week_second(at, zone) for name, zone in zones.items()}
    now_open = or_(
        *(and_(opening.c.zone == name, opening.c.opens <= s, opening.c.closes > s) for name, s in moments.items())
    )
    # Each listing's own spans, read through their key: OFFSET 0 keeps PostgreSQL from turning the test into a
    # join that hashes every listing open now (a scan of all spans) before it looks at the few the search found.
    return select(opening.c.key).where(opening.c.key == doc.c.key, now_open).offset(0).exists()


def weekly_spans(key: ColumnElement[int]) -> ColumnElement[str]:
    """The weekly spans of the listing with this key, as one string ("zone opens closes;..."; the default zone is
    ""), for ``open_in_spans``."""
    span = opening.c.zone + " " + cast(opening.c.opens, String) + " " + cast(opening.c.closes, String)
    return select(func.aggregate_strings(span, ";")).where(opening.c.key == key).scalar_subquery()


def open_in_spans(spans: str | None, at: datetime, default_timezone: str) -> bool:
    """Whether one of a listing's weekly spans (``weekly_spans``) holds ``at`` on its zone's clock: ``open_weekly``'s
    test, for a page's few listings. Tested here, the page needs neither the zones read nor the condition written
    for each search: the page's hits took about 0.7 ms less of Python's part of a search (7.6 -> 6.9 ms on SQLite,
    alternated), and PostgreSQL one round trip less."""
    for span in spans.split(";") if spans else ():
        zone, opens, closes = span.split(" ")
        second = hours.week_second(at, ZoneInfo(zone or default_timezone))
        if int(opens) <= second < int(closes):
            return True
    return False


async def open_at(
    connection: AsyncConnection, at: datetime, default_timezone: str, conditions: Sequence[ColumnElement[bool]]
) -> ColumnElement[bool]:
    """The condition that the listing of a search document is open at ``at``, for a search whose other conditions
    are ``conditions``: a weekly span holds the moment on its zone's clock, or the listing is one of those with
    dated hours that match the other conditions and are open then."""
    weekly = await open_weekly(connection, at, default_timezone)
    sited = select(doc.c.id, doc.c.service_id, doc.c.service_at_location_id, doc.c.location_id)
    dated = (await connection.execute(sited.where(*conditions, doc.c.hours == DATED))).all()
    open_dated = await open_listings(connection, dated, at, default_timezone)
    return or_(weekly, among(connection, doc.c.id, open_dated)) if open_dated else weekly


async def open_listings(
    connection: AsyncConnection, listings: Sequence[Sited], at: datetime, default_timezone: str
) -> set[UUID]:
    """The ids of those listings open at ``at``, their hours evaluated here from their schedules (``hours``): for
    hours the database cannot test (``DATED``), or an engine that tests none."""
    listing_hours = await opening_hours(connection, listings, default_timezone)
    return {listing.id for listing in listings if listing_hours[listing.id].is_open(at)}
