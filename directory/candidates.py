"""Candidates for matching: services that address a client's needs where the client is, as plain ``matching`` data.

The search engine decides which listings serve the client's place (its ``listings`` conditions), with closed
services kept so that matching can say why they are left out: a service that names its area is found only when the
area covers the client (however far its site), one that names none only within ``RADIUS_KM``. Of those, the
listings in the categories asked for (``search_category``) are listed nearest first, and for each group of
categories (the caller's: one per need, say) the ``PER_GROUP`` services nearest the client are kept, each by its
nearest site (a listing without a site counts as ``REACHABLE_KM`` away, as ranking counts it); a group never crowds
out another. The listings within a few kilometres come first, found by their
categories and their sites' cells, the first listings of the same order, and all of them only if those do not fill
every group (``FIRST_KM``). The listings kept are read again in one statement, with their distance (the search's
``distance_km``), whether they are open, and the facts the eligibility rules read (``search_facts``).
"""

from collections.abc import AsyncIterable, Collection, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast, get_args
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, Select, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory import geo, models
from directory.search import database, facts, opening, places
from directory.search.query import SearchEngine, SearchQuery
from directory.vocabularies import Term as VocabularyTerm
from directory.vocabularies import Vocabularies
from matching.eligibility import Candidate, Capacity, Term
from matching.errors import Invalid
from matching.instruments import Text
from matching.ranking import REACHABLE_KM
from waypost.db import among

RADIUS_KM = 40.0  # how far to look for services that name no area: the search default
PER_GROUP = 20  # the nearest services kept for each group of categories
# Read first: the listings within these distances (a listing without a site counts as REACHABLE_KM away). Where they
# fill every group (in a city, nearly always), the thousands of other listings serving the client are never read or
# sorted.
FIRST_KM = (REACHABLE_KM, 8.0)
READ_AT_ONCE = 100  # listings taken from the stream at a time: each step is a hop into the database driver's thread
CAPACITIES = frozenset(get_args(Capacity))

doc, category, fact = models.search_document, models.search_category, models.search_facts


class Place(msgspec.Struct, frozen=True, kw_only=True):
    latitude: float
    longitude: float
    postal_code: str | None  # the ZIP given, or the nearest one: service areas list ZIPs
    state: str | None  # statewide services cover it; it also picks the poverty guideline table


def locate(postal_code: str | None, latitude: float | None, longitude: float | None, field: str) -> Place:
    """Where the client is, from a US ZIP code or a point; ``field`` names the input in errors."""
    if postal_code is not None:
        place = geo.postal_code(postal_code)
        if place is None:
            raise Invalid(f"{field}.postal_code", f"{postal_code!r} is not a known US ZIP code")
        return Place(latitude=place.latitude, longitude=place.longitude, postal_code=place.code, state=place.state)
    if latitude is None or longitude is None:
        raise Invalid(f"{field}.postal_code", "give a ZIP code or a location {lat, lon}: matching finds help nearby")
    nearest = geo.nearest_postal_code(latitude, longitude)
    return Place(
        latitude=latitude,
        longitude=longitude,
        postal_code=nearest.code if nearest else None,
        state=nearest.state if nearest else None,
    )


async def find(
    engine: AsyncEngine,
    search: SearchEngine,
    vocabularies: Vocabularies,
    place: Place,
    groups: Sequence[Collection[str]],
    at: datetime,
    default_timezone: str,
) -> list[Candidate]:
    """Services for a client at ``place``: for each group of category codes, the nearest in any of them, described
    as of ``at`` (open then or not)."""
    asked = [sorted(codes) for codes in groups if codes]
    if not asked:
        return []
    query = SearchQuery(
        latitude=place.latitude,
        longitude=place.longitude,
        postal_code=place.postal_code,
        state=place.state,
        radius_km=RADIUS_KM,
        include_inactive=True,
    )
    async with engine.connect() as connection:
        serving = await search.listings(connection, query)
        codes = sorted({code for group in asked for code in group})
        for within_km in (*FIRST_KM, None):
            # Streamed: the groups are usually full long before the last of the listings, which are then never read.
            async with connection.stream(_by_nearness(place, serving, codes, within_km)) as listings:
                kept, full = await _nearest_in_groups(listings.partitions(READ_AT_ONCE), asked)
            if full:
                break
        if not kept:
            return []
        return await _describe(connection, vocabularies, place, kept, at, default_timezone)


def _by_nearness(
    place: Place, serving: Sequence[ColumnElement[bool]], codes: Sequence[str], within_km: float | None
) -> Select[Any]:
    """Every listing in one of the categories ``codes`` that serves the client, nearest first, or only those
    ``within_km`` (on the flat projection the order uses): the first listings of the same order. A listing without a
    site (a hotline, an online service) serves the client where they are and counts as a site ``REACHABLE_KM`` away,
    as ranking counts it: were it nearest, a country's hotlines would fill every group before the pantry down the
    street was read. Ties go by listing id, so the same catalog always gives the same candidates. The categories are
    tested here rather than by the search engine: its condition read every listing of the categories into a list
    before the nearby ones were looked at (SQLite and PostgreSQL alike)."""
    flat = database.flat_km2(place.latitude, place.longitude)
    listings = select(doc.c.key, doc.c.service_id, doc.c.category_codes).where(*serving)
    in_codes = category.c.code.in_(codes)
    if within_km is None:
        listings = listings.where(doc.c.key.in_(select(category.c.key).where(in_codes)))
    else:
        # The listings of those categories in the cells of the box that holds every site that near, found through
        # ix_search_category_cell, and those without a site once they count as near enough.
        box = geo.bounding_box(place.latitude, place.longitude, within_km)  # also holds them on the flat projection
        parts = [select(category.c.key).where(in_codes, category.c.cell.in_(places.near_cells(*box)))]
        near = flat <= within_km * within_km
        if within_km >= REACHABLE_KM:
            parts.append(select(category.c.key).where(in_codes, category.c.cell.is_(None)))
            near = or_(doc.c.latitude.is_(None), near)
        nearby = union(*parts).subquery("nearby")
        # Joined from, not tested with IN: SQLite then starts from these few listings rather than from every
        # listing of the categories.
        listings = listings.join_from(nearby, doc, doc.c.key == nearby.c.key).where(near)
    return listings.order_by(func.coalesce(flat, REACHABLE_KM * REACHABLE_KM), doc.c.id)


async def _nearest_in_groups(
    batches: AsyncIterable[Sequence[Any]], groups: Sequence[Sequence[str]]
) -> tuple[set[int], bool]:
    """The keys of the nearest listing of each of the ``PER_GROUP`` services nearest the client in each group, from
    batches of the listings in order of nearness: a service's first listing is its nearest. A group never crowds out
    another.
    Chosen here rather than in SQL, where numbering every listing of each service and ranking each group took
    longer than reading the listings nearest first until the groups are full (SQLite, 100k services: match p50 148 ->
    124 ms, p95 268 -> 194 ms; PostgreSQL the same either way). Also says whether every group is full."""
    wanted = [[f" {code} " for code in codes] for codes in groups]
    found: list[list[int]] = [[] for _ in groups]
    services: set[UUID] = set()
    full = False
    async for batch in batches:
        for listing in batch:
            if listing.service_id in services:
                continue
            services.add(listing.service_id)
            for codes, keys in zip(wanted, found, strict=True):
                if len(keys) < PER_GROUP and any(code in listing.category_codes for code in codes):
                    keys.append(listing.key)
            if full := all(len(keys) == PER_GROUP for keys in found):
                break
        if full:
            break
    return {key for keys in found for key in keys}, full


async def _describe(
    connection: AsyncConnection,
    vocabularies: Vocabularies,
    place: Place,
    keys: Collection[int],
    at: datetime,
    default_timezone: str,
) -> list[Candidate]:
    """The services of these listings (each service's nearest: a service at a location, or the service alone), with
    their distance (``database.distance_km``, as search measures it) and whether they are open at ``at``, as
    search decides it (``opening.open_at``), in one statement."""
    kept = among(connection, doc.c.key, list(keys))
    open_then = await opening.open_at(connection, at, default_timezone, [kept])
    rows = await connection.execute(
        select(
            doc.c.service_id,
            doc.c.status,
            doc.c.minimum_age,
            doc.c.maximum_age,
            doc.c.language_codes,
            doc.c.free,
            doc.c.has_service_area,
            doc.c.assured_date,
            doc.c.hours,
            open_then.label("open_then"),
            database.distance_km(place.latitude, place.longitude).label("distance_km"),
            fact.c.facts,
        )
        .join_from(doc, fact, fact.c.key == doc.c.key)
        .where(kept)
    )
    candidates = []
    for row in rows:
        about = facts.decode(row.facts)
        found = _Terms()
        for term_id, value in about.terms:
            term = vocabularies.by_id.get(term_id)
            if term is not None:
                found.add(term, value)
        candidates.append(
            Candidate(
                service_id=row.service_id,
                name=about.name,
                name_es=about.name_es,
                organization=about.organization,
                status=row.status,
                categories=list(found.categories.values()),
                minimum_age=row.minimum_age,
                maximum_age=row.maximum_age,
                genders=list(found.genders),
                situations=list(found.situations.values()),
                low_income=found.low_income,
                income_limit=found.income_limit,
                insurance=list(found.insurance.values()),
                languages=row.language_codes.split(),  # the service's and its site's, or English when neither says
                interpretation=about.interpretation,
                service_areas=about.service_areas,
                # The search engine found it where the client is: a service that names an area covers them.
                covers_client=True if row.has_service_area else None,
                distance_km=None if row.distance_km is None else float(row.distance_km),
                address=about.address,
                required_documents=about.required_documents,
                free=bool(row.free),
                capacity=found.capacity,
                # Unknown when no schedule gives hours.
                open_now=None if row.hours is None else bool(row.open_then),
                assured_date=_date(row.assured_date),
            )
        )
    return candidates


class _Terms:
    """What a service's Waypost attributes say about it, sorted into the Candidate's fields. An Open Eligibility
    attribute gains a twin carrying the same Waypost term, so terms are kept by code: each is listed once."""

    def __init__(self) -> None:
        self.categories: dict[str, Term] = {}
        self.genders: dict[str, None] = {}
        self.situations: dict[str, Term] = {}
        self.low_income = False
        self.income_limit: Decimal | None = None
        self.insurance: dict[str, Term] = {}
        self.capacity: Capacity | None = None

    def add(self, term: VocabularyTerm, value: str | None) -> None:
        code = term.code
        if term.taxonomy == "waypost-categories":
            self.categories[code] = _term(term)
        elif term.taxonomy == "waypost-insurance":
            self.insurance[code] = _term(term)
        elif term.taxonomy == "waypost-capacity" and code in CAPACITIES:
            self.capacity = cast(Capacity, code)
        elif term.group == "gender":
            self.genders[code] = None
        elif term.group in ("situation", "age"):
            self.situations[code] = _term(term)
        elif code == "low-income":
            self.low_income = True
        elif code == "income-limit":
            self.income_limit = _percent(value)


# Vocabulary terms as matching names them, made once per term: every service repeats a few. The vocabularies are
# read from seed_data once per process, so a term's names never change under the cache.
_TERMS: dict[tuple[str, str], Term] = {}


def _term(term: VocabularyTerm) -> Term:
    key = (term.taxonomy, term.code)
    if key not in _TERMS:
        _TERMS[key] = Term(code=term.code, name=Text(en=term.name["en"], es=term.name["es"]))
    return _TERMS[key]


def _percent(value: str | None) -> Decimal | None:
    try:
        percent = Decimal((value or "").strip().rstrip("%"))
    except InvalidOperation:
        return None
    return percent if percent.is_finite() and percent > 0 else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
