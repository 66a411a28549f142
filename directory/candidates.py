"""Candidates for matching: services that address a client's needs where the client is, as plain ``matching`` data.

The search engine decides which listings serve the client's place (its ``listings`` conditions, over every category
asked for), with closed services kept so that matching can say why they are left out: a service that names its area
is found only when the area covers the client (however far its site), one that names none only within ``RADIUS_KM``.
The database lists those listings nearest first, and for each group of categories (the caller's: one per need,
say) the ``PER_GROUP`` services nearest the client are kept, each by its nearest site; a group never crowds out
another. The listings within a few kilometres come first, found by their categories and their sites' cells
(``search_category``), the first listings of the same order, and all of them only if those do not fill every group
(``FIRST_KM``). The listings kept are read again with their exact distance (PostGIS on PostgreSQL, haversine on SQLite)
and described, with the facts the eligibility rules read, in a few set-based queries.
"""

from collections import defaultdict
from collections.abc import AsyncIterable, Collection, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast, get_args
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, Select, case, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory import geo, models
from directory.search import database, places
from directory.search.documents import language_code
from directory.search.opening import opening_hours
from directory.search.query import SearchEngine, SearchQuery
from directory.vocabularies import Term as VocabularyTerm
from directory.vocabularies import Vocabularies
from matching.eligibility import Candidate, Capacity, Term
from matching.errors import Invalid
from matching.instruments import Text
from waypost.db import among

RADIUS_KM = 40.0  # how far to look for services that name no area: the search default
PER_GROUP = 20  # the nearest services kept for each group of categories
# Read first: the listings without a site and those with a site within these distances. Where they fill every group
# (in a city, nearly always), the thousands of other listings serving the client are never read or sorted.
FIRST_KM = (2.0, 8.0)
DEFAULT_LANGUAGE = "en"  # a US listing that names no language is taken to be offered in English, as search does
CAPACITIES = frozenset(get_args(Capacity))

doc, category = models.search_document, models.search_category


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
        categories=tuple(sorted({code for codes in asked for code in codes})),
        include_inactive=True,
    )
    async with engine.connect() as connection:
        serving = await search.listings(connection, query)
        codes = sorted({code for group in asked for code in group})
        for within_km in (*FIRST_KM, None):
            # Streamed: the groups are usually full long before the last of the listings, which are then never read.
            async with connection.stream(_by_nearness(place, serving, codes, within_km)) as listings:
                kept, full = await _nearest_in_groups(listings, asked)
            if full:
                break
        if not kept:
            return []
        nearest = {row.service_id: row for row in await connection.execute(_listings(connection, place, kept))}
        return await _describe(connection, vocabularies, nearest, at, default_timezone)


def _by_nearness(
    place: Place, serving: Sequence[ColumnElement[bool]], codes: Sequence[str], within_km: float | None
) -> Select[Any]:
    """Every listing that serves the client, nearest first, or only those without a site and those with a site
    ``within_km`` (on the flat projection the order uses): the first listings of the same order. A listing without
    a site (a hotline) serves the client where they are and counts as nearest; ties go by listing id, so the same
    catalog always gives the same candidates. ``codes`` are the categories asked for, which ``serving`` requires."""
    flat = database.flat_km2(place.latitude, place.longitude)
    listings = select(doc.c.key, doc.c.service_id, doc.c.category_codes).where(*serving)
    if within_km is not None:
        # The listings of those categories in the cells of the box that holds every site that near, and those
        # without a site, found through ix_search_category_cell.
        box = geo.bounding_box(place.latitude, place.longitude, within_km)  # also holds them on the flat projection
        in_codes = category.c.code.in_(codes)
        nearby = union(
            select(category.c.key).where(in_codes, category.c.cell.in_(places.near_cells(*box))),
            select(category.c.key).where(in_codes, category.c.cell.is_(None)),
        ).subquery("nearby")
        # Joined from, not tested with IN: SQLite then starts from these few listings rather than from every
        # listing of the categories, which the search conditions also name.
        listings = listings.join_from(nearby, doc, doc.c.key == nearby.c.key).where(
            or_(doc.c.latitude.is_(None), flat <= within_km * within_km)
        )
    return listings.order_by(func.coalesce(flat, 0.0), doc.c.id)


async def _nearest_in_groups(listings: AsyncIterable[Any], groups: Sequence[Sequence[str]]) -> tuple[set[int], bool]:
    """The keys of the nearest listing of each of the ``PER_GROUP`` services nearest the client in each group, from
    the listings in order of nearness: a service's first listing is its nearest. A group never crowds out another.
    Chosen here rather than in SQL, where numbering every listing of each service and ranking each group took
    longer than reading the listings nearest first until the groups are full (SQLite, 100k services: match p50 148 ->
    124 ms, p95 268 -> 194 ms; PostgreSQL the same either way). Also says whether every group is full."""
    wanted = [[f" {code} " for code in codes] for codes in groups]
    found: list[list[int]] = [[] for _ in groups]
    services: set[UUID] = set()
    full = False
    async for listing in listings:
        if listing.service_id in services:
            continue
        services.add(listing.service_id)
        for codes, keys in zip(wanted, found, strict=True):
            if len(keys) < PER_GROUP and any(code in listing.category_codes for code in codes):
                keys.append(listing.key)
        if full := all(len(keys) == PER_GROUP for keys in found):
            break
    return {key for keys in found for key in keys}, full


def _listings(connection: AsyncConnection, place: Place, keys: Collection[int]) -> Select[Any]:
    """What matching reads of the listings kept, with their exact distance (PostGIS on PostgreSQL, haversine on
    SQLite)."""
    return select(
        doc.c.id,
        doc.c.service_id,
        doc.c.service_at_location_id,
        doc.c.location_id,
        doc.c.free,
        doc.c.has_service_area,
        database.dialect(connection.dialect.name).distance_km(place.latitude, place.longitude).label("distance_km"),
    ).where(among(connection, doc.c.key, list(keys)))


async def _describe(
    connection: AsyncConnection,
    vocabularies: Vocabularies,
    listings: dict[UUID, Any],
    at: datetime,
    default_timezone: str,
) -> list[Candidate]:
    """The services of these listings (each service's nearest: a service at a location, or the service alone)."""
    ids = list(listings)
    service, organization = models.service, models.organization
    services = await connection.execute(
        select(
            service.c.id,
            service.c.name,
            service.c.name_es,
            service.c.status,
            service.c.minimum_age,
            service.c.maximum_age,
            service.c.interpretation_services,
            service.c.assured_date,
            organization.c.name.label("organization"),
        )
        .outerjoin(organization, organization.c.id == service.c.organization_id)
        .where(among(connection, service.c.id, ids))
    )
    terms = await _terms(connection, vocabularies, ids)
    location_ids = [row.location_id for row in listings.values() if row.location_id]
    languages = await _languages(connection, ids, location_ids)
    documents = await _grouped(connection, models.required_document.c.document, models.required_document, ids)
    areas = await _area_names(connection, ids)
    addresses = await _addresses(connection, location_ids)
    hours = await opening_hours(connection, list(listings.values()), default_timezone)
    candidates = []
    for row in services:
        listing, found = listings[row.id], terms[row.id]
        candidates.append(
            Candidate(
                service_id=row.id,
                name=row.name,
                name_es=row.name_es,
                organization=row.organization,
                status=row.status,
                categories=list(found.categories.values()),
                minimum_age=row.minimum_age,
                maximum_age=row.maximum_age,
                genders=list(found.genders),
                situations=list(found.situations.values()),
                low_income=found.low_income,
                income_limit=found.income_limit,
                insurance=list(found.insurance.values()),
                languages=sorted(languages[row.id] | languages.get(listing.location_id, set()) or {DEFAULT_LANGUAGE}),
                interpretation=row.interpretation_services,
                service_areas=areas[row.id],
                # The search engine found it where the client is: a service that names an area covers them.
                covers_client=True if listing.has_service_area else None,
                distance_km=None if listing.distance_km is None else float(listing.distance_km),
                address=addresses.get(listing.location_id),
                required_documents=documents[row.id],
                free=bool(listing.free),
                capacity=found.capacity,
                open_now=hours[listing.id].is_open(at),
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


async def _terms(connection: AsyncConnection, vocabularies: Vocabularies, ids: list[UUID]) -> dict[UUID, _Terms]:
    attribute = models.attribute
    rows = await connection.execute(
        select(attribute.c.link_id, attribute.c.taxonomy_term_id, attribute.c.value).where(
            attribute.c.link_entity == "service", among(connection, attribute.c.link_id, ids)
        )
    )
    found: dict[UUID, _Terms] = defaultdict(_Terms)
    for row in rows:
        term = vocabularies.by_id.get(row.taxonomy_term_id)
        if term is not None:
            found[row.link_id].add(term, row.value)
    return found


async def _languages(
    connection: AsyncConnection, service_ids: list[UUID], location_ids: list[UUID]
) -> dict[UUID, set[str]]:
    """Language codes by service id and by location id (a site's staff may speak more than the service lists)."""
    language = models.language
    offered: dict[UUID, set[str]] = defaultdict(set)
    for column, ids in ((language.c.service_id, service_ids), (language.c.location_id, location_ids)):
        if not ids:
            continue
        for owner, code in await connection.execute(
            select(column, language.c.code).where(among(connection, column, ids))
        ):
            if code:
                offered[owner].add(language_code(code))
    return offered


async def _grouped(connection: AsyncConnection, value: Any, table: Any, ids: list[UUID]) -> dict[UUID, list[str]]:
    rows = await connection.execute(select(table.c.service_id, value).where(among(connection, table.c.service_id, ids)))
    grouped: dict[UUID, list[str]] = defaultdict(list)
    for service_id, text in rows:
        if text:
            grouped[service_id].append(text)
    return grouped


async def _area_names(connection: AsyncConnection, ids: list[UUID]) -> dict[UUID, list[str]]:
    """The name of each service area, or its text extent (a state, ZIP codes) when it has none."""
    area = models.service_area
    name = func.coalesce(area.c.name, case((area.c.extent_type == "text", area.c.extent)))
    return await _grouped(connection, name, area, ids)


async def _addresses(connection: AsyncConnection, location_ids: list[UUID]) -> dict[UUID, str]:
    if not location_ids:
        return {}
    address = models.address
    found: dict[UUID, str] = {}
    for row in await connection.execute(select(address).where(among(connection, address.c.location_id, location_ids))):
        parts = (row.address_1, row.address_2, row.city, row.state_province, row.postal_code)
        found.setdefault(row.location_id, ", ".join(part for part in parts if part))
    return found


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
