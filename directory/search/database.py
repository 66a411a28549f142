"""Search in the database itself: SQLite (FTS5, haversine, shapely) and PostgreSQL (tsvector, PostGIS).

One query builder serves both; a dialect class supplies the three things that differ: matching and ranking text,
measuring distance, and testing whether a service-area polygon covers a point. Filters are strict and happen in
SQL. Ranking blends text relevance, a match on the categories the words point to, distance and how recently the
listing was verified. Opening hours are checked in Python (``directory.hours``), since schedules are rules, not
rows.
"""

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID

import shapely
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory import hours, models
from directory.search.query import Analysis, Hit, SearchQuery, SearchResult, Synonyms, analyse, synonyms
from directory.validation import area_geometry
from directory.vocabularies import Vocabularies
from waypost.db import among

FACET_LANGUAGES = ("en", "es", "vi", "ru", "zh", "so", "ar", "uk", "ko", "tl", "fa", "fr", "ht", "pt", "km", "ase")
GENDERS = ("women", "men", "transgender-nonbinary")
REACHABLE = 0.7
BM25_HALF = 10.0  # the bm25 score that counts as half relevant: strong matches score 10 to 20 on the seed region
VOCABULARY_SECONDS = 60  # how long the spelling vocabulary is trusted before it is read again
WEIGHTS = {"text": 0.4, "category": 0.25, "distance": 0.3, "verified": 0.05}

doc = models.search_document


def _unchanged(query: Select[Any]) -> Select[Any]:
    return query


@dataclass(frozen=True)
class TextMatch:
    """How one search's words match: the condition, a relevance from 0 to 1, and what the query must join."""

    condition: ColumnElement[bool]
    relevance: ColumnElement[float]
    join: Callable[[Select[Any]], Select[Any]]


NO_TEXT = TextMatch(literal(False), literal(0.0), _unchanged)


class SqliteText:
    """FTS5 with bm25 (names weigh most), haversine in SQL after a bounding-box prefilter, polygons in shapely."""

    name = "sqlite"

    def text_match(self, terms: Sequence[str]) -> TextMatch:
        expression = " OR ".join(f'"{term}"' for term in terms)
        ranked = (
            select(
                literal_column("search_fts.rowid").label("rowid"),
                literal_column("bm25(search_fts, 10.0, 3.0, 5.0, 1.0, 1.0)").label("rank"),
            )
            .select_from(text("search_fts"))
            .where(text("search_fts MATCH :fts_query").bindparams(fts_query=expression))
            .subquery("fts")
        )
        relevance = -ranked.c.rank

        def join(query: Select[Any]) -> Select[Any]:
            return query.join_from(doc, ranked, ranked.c.rowid == literal_column("search_document.rowid"), isouter=True)

        return TextMatch(ranked.c.rowid.is_not(None), func.coalesce(relevance / (relevance + BM25_HALF), 0.0), join)

    def distance_km(self, latitude: float, longitude: float) -> ColumnElement[float]:
        lat, lon = math.radians(latitude), math.radians(longitude)
        d_lat = (func.radians(doc.c.latitude) - lat) / 2
        d_lon = (func.radians(doc.c.longitude) - lon) / 2
        a = func.pow(func.sin(d_lat), 2) + math.cos(lat) * func.cos(func.radians(doc.c.latitude)) * func.pow(
            func.sin(d_lon), 2
        )
        return 2 * 6371.0088 * func.asin(func.sqrt(a))

    def within(self, latitude: float, longitude: float, radius_km: float) -> ColumnElement[bool]:
        from directory.geo import bounding_box

        min_lat, min_lon, max_lat, max_lon = bounding_box(latitude, longitude, radius_km)
        return and_(
            doc.c.latitude.between(min_lat, max_lat),
            doc.c.longitude.between(min_lon, max_lon),
            self.distance_km(latitude, longitude) <= radius_km,
        )

    async def covering_polygons(self, connection: AsyncConnection, latitude: float, longitude: float) -> Any:
        area = models.service_area
        candidates = await connection.execute(
            select(area.c.id, area.c.geojson).where(
                area.c.geojson.is_not(None),
                area.c.min_lat <= latitude,
                area.c.max_lat >= latitude,
                area.c.min_lon <= longitude,
                area.c.max_lon >= longitude,
            )
        )
        point = shapely.Point(longitude, latitude)
        covering = [row.id for row in candidates if _polygon(row.geojson).covers(point)]
        return among(connection, area.c.id, covering) if covering else literal(False)


class PostgresText:
    """Weighted English and Spanish tsvectors, PostGIS geography for distance and service-area coverage."""

    name = "postgresql"

    def text_match(self, terms: Sequence[str]) -> TextMatch:
        words = " or ".join(terms)
        tsquery = func.websearch_to_tsquery(literal_column("'en_unaccent'"), words).op("||")(
            func.websearch_to_tsquery(literal_column("'es_unaccent'"), words)
        )
        tsv: ColumnElement[Any] = literal_column("search_document.tsv")
        return TextMatch(tsv.op("@@")(tsquery), func.ts_rank_cd(tsv, tsquery, 32), _unchanged)

    def _point(self, latitude: float, longitude: float) -> ColumnElement[Any]:
        return func.ST_GeogFromText(f"SRID=4326;POINT({longitude!r} {latitude!r})")

    def distance_km(self, latitude: float, longitude: float) -> ColumnElement[Any]:
        return func.ST_Distance(literal_column("search_document.geog"), self._point(latitude, longitude)) / 1000.0

    def within(self, latitude: float, longitude: float, radius_km: float) -> ColumnElement[bool]:
        point = self._point(latitude, longitude)
        return func.ST_DWithin(literal_column("search_document.geog"), point, radius_km * 1000.0)

    async def covering_polygons(self, connection: AsyncConnection, latitude: float, longitude: float) -> Any:
        return func.ST_Covers(literal_column("service_area.geog"), self._point(latitude, longitude))


@lru_cache(maxsize=4096)
def _polygon(geojson: str) -> Any:
    return area_geometry(geojson)


class DatabaseSearchEngine:
    """The ``SearchEngine`` backed by the catalog database."""

    def __init__(self, engine: AsyncEngine, vocabularies: Vocabularies, default_timezone: str) -> None:
        self.engine = engine
        self.vocabularies = vocabularies
        self.default_timezone = default_timezone
        self.dialect = PostgresText() if engine.dialect.name == "postgresql" else SqliteText()
        self.name = self.dialect.name
        self.top_categories = tuple(
            term.code
            for term in vocabularies.terms.values()
            if term.taxonomy == "waypost-categories" and not term.parent
        )
        self.lay_words: Synonyms = synonyms()
        self._known: frozenset[str] = frozenset()
        self._known_at = -math.inf

    async def _vocabulary(self, connection: AsyncConnection) -> frozenset[str]:
        if time.monotonic() - self._known_at > VOCABULARY_SECONDS:
            terms = (await connection.execute(select(models.search_term.c.term))).scalars()
            self._known = frozenset(terms) | self.lay_words.words
            self._known_at = time.monotonic()
        return self._known

    async def search(self, query: SearchQuery) -> SearchResult:
        async with self.engine.connect() as connection:
            analysis, match, conditions = await self._plan(connection, query)
            distance = None
            if query.latitude is not None and query.longitude is not None:
                distance = self.dialect.distance_km(query.latitude, query.longitude)
            score = self._score(analysis, match.relevance, distance).label("score")
            columns = [
                doc.c.id,
                doc.c.service_id,
                doc.c.service_at_location_id,
                doc.c.location_id,
                doc.c.category_codes,
                doc.c.language_codes,
                score,
                (distance if distance is not None else literal(None)).label("distance_km"),
            ]
            ranked = match.join(select(*columns).where(*conditions))
            ranked = ranked.order_by(score.desc(), literal_column("distance_km").asc().nulls_last(), doc.c.id)
            if query.open_at is not None:
                return await self._open_at(connection, query, analysis, ranked)
            total, facets = await self._facets(
                connection, match.join(_facet_counts(self.top_categories).where(*conditions))
            )
            offset = (query.page - 1) * query.per_page
            page = (await connection.execute(ranked.limit(query.per_page).offset(offset))).all()
            hits = await self._hits(connection, page, analysis, datetime.now(UTC))
            return _result(query, total, hits, facets, analysis)

    async def service_ids(self, query: SearchQuery) -> set[UUID]:
        """Every service with a listing that matches, unranked: what the HSDS API's ``search`` and ``postcode``
        narrow its lists to. Opening hours and pages do not apply."""
        async with self.engine.connect() as connection:
            _, match, conditions = await self._plan(connection, query)
            found = await connection.execute(match.join(select(doc.c.service_id).where(*conditions)).distinct())
            return set(found.scalars())

    async def _plan(
        self, connection: AsyncConnection, query: SearchQuery
    ) -> tuple[Analysis, TextMatch, list[ColumnElement[bool]]]:
        """The words, how they match, and every condition a listing must meet."""
        analysis = analyse(query.text, await self._vocabulary(connection), self.lay_words)
        conditions = await self._filters(connection, query)
        match = self.dialect.text_match(analysis.terms) if analysis.terms else NO_TEXT
        if analysis.terms:
            # A listing matches its words, or sits in a category a lay phrase among them names.
            alternatives = [match.condition]
            if analysis.categories:
                alternatives.append(_in_categories(analysis.categories))
            conditions.append(or_(*alternatives))
        return analysis, match, conditions

    async def _filters(self, connection: AsyncConnection, query: SearchQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if not query.include_inactive:
            conditions.append(doc.c.status == "active")
        if query.categories:
            conditions.append(_in_categories(query.categories))
        if query.term_ids:
            attribute = models.attribute
            tagged = select(attribute.c.link_id).where(
                attribute.c.link_entity == "service", among(connection, attribute.c.taxonomy_term_id, query.term_ids)
            )
            conditions.append(doc.c.service_id.in_(tagged))
        if query.language:
            conditions.append(doc.c.language_codes.like(f"% {query.language} %"))
        if query.age is not None:
            conditions.append(or_(doc.c.minimum_age.is_(None), doc.c.minimum_age <= query.age))
            conditions.append(or_(doc.c.maximum_age.is_(None), doc.c.maximum_age >= query.age))
        if query.gender:
            unrestricted = and_(*(not_(doc.c.eligibility_codes.like(f"% {g} %")) for g in GENDERS))
            conditions.append(or_(unrestricted, doc.c.eligibility_codes.like(f"% {query.gender} %")))
        if query.free:
            conditions.append(doc.c.free.is_(True))
        if query.latitude is not None and query.longitude is not None:
            conditions.append(await self._serves_point(connection, query, query.latitude, query.longitude))
        return conditions

    async def _serves_point(
        self, connection: AsyncConnection, query: SearchQuery, latitude: float, longitude: float
    ) -> ColumnElement[bool]:
        """Services whose area covers the point, wherever their sites are; others only within the radius."""
        area, codes = models.service_area, models.service_area_postal_code
        covers = [await self.dialect.covering_polygons(connection, latitude, longitude)]
        if query.state:
            covers.append(area.c.state == query.state)
        if query.postal_code:
            covers.append(
                area.c.id.in_(select(codes.c.service_area_id).where(codes.c.postal_code == query.postal_code))
            )
        covering = select(area.c.service_id).where(or_(*covers))
        nearby = and_(
            not_(doc.c.has_service_area),
            or_(doc.c.latitude.is_(None), self.dialect.within(latitude, longitude, query.radius_km)),
        )
        return or_(doc.c.service_id.in_(covering), nearby)

    def _score(self, analysis: Analysis, text_score: ColumnElement[float], distance: Any) -> ColumnElement[float]:
        category = case((_in_categories(analysis.categories), 1.0), else_=0.0) if analysis.categories else literal(0.0)
        today = datetime.now(UTC).date()
        verified = case(
            (doc.c.assured_date >= (today - timedelta(days=365)).isoformat(), 1.0),
            (doc.c.assured_date >= (today - timedelta(days=730)).isoformat(), 0.5),
            else_=0.0,
        )
        nearness: Any = literal(0.0)
        if distance is not None:
            # A listing without coordinates (a hotline, an online service) that passed the area filter serves the
            # searcher where they are: as reachable as a site a couple of kilometres away.
            nearness = case((doc.c.latitude.is_(None), REACHABLE), else_=1.0 / (1.0 + distance / 5.0))
        return (
            WEIGHTS["text"] * text_score
            + WEIGHTS["category"] * category
            + WEIGHTS["distance"] * nearness
            + WEIGHTS["verified"] * verified
        )

    async def _facets(self, connection: AsyncConnection, counts: Select[Any]) -> tuple[int, dict[str, dict[str, int]]]:
        row = (await connection.execute(counts)).one()._mapping
        facets = {
            "category": {c: int(row[f"c_{c}"]) for c in self.top_categories if row[f"c_{c}"]},
            "language": {code: int(row[f"l_{code}"]) for code in FACET_LANGUAGES if row[f"l_{code}"]},
        }
        return int(row["total"]), facets

    async def _open_at(
        self, connection: AsyncConnection, query: SearchQuery, analysis: Analysis, ranked: Select[Any]
    ) -> SearchResult:
        """Opening hours are rules evaluated per listing, so this path filters every match in Python."""
        assert query.open_at is not None
        rows = (await connection.execute(ranked)).all()
        opening = await self._hours(connection, rows)
        open_rows = [row for row in rows if opening[row.id].is_open(query.open_at)]
        categories: Counter[str] = Counter()
        languages: Counter[str] = Counter()
        for row in open_rows:
            categories.update(c for c in self.top_categories if f" {c} " in row.category_codes)
            languages.update(code for code in FACET_LANGUAGES if f" {code} " in row.language_codes)
        start = (query.page - 1) * query.per_page
        hits = await self._hits(connection, open_rows[start : start + query.per_page], analysis, query.open_at)
        facets = {"category": dict(categories), "language": dict(languages)}
        return _result(query, len(open_rows), hits, facets, analysis)

    async def _hours(self, connection: AsyncConnection, rows: Sequence[Any]) -> dict[UUID, hours.Hours]:
        """Each listing's opening hours: its site's own schedule, else the service's, else the location's."""
        schedule = models.schedule
        service_ids = {row.service_id for row in rows}
        at_location_ids = {row.service_at_location_id for row in rows if row.service_at_location_id}
        location_ids = {row.location_id for row in rows if row.location_id}
        found = await connection.execute(
            select(schedule).where(
                or_(
                    among(connection, schedule.c.service_id, service_ids),
                    among(connection, schedule.c.service_at_location_id, at_location_ids or [None]),
                    among(connection, schedule.c.location_id, location_ids or [None]),
                )
            )
        )
        by_owner: dict[UUID, list[dict[str, Any]]] = {}
        for row in found:
            for owner in (row.service_at_location_id, row.service_id, row.location_id):
                if owner is not None:
                    by_owner.setdefault(owner, []).append(dict(row._mapping))
        result = {}
        for row in rows:
            schedules = (
                by_owner.get(row.service_at_location_id)
                or by_owner.get(row.service_id)
                or by_owner.get(row.location_id)
                or []
            )
            result[row.id] = hours.hours_from_schedules(schedules, self.default_timezone)
        return result

    async def _hits(
        self, connection: AsyncConnection, rows: Sequence[Any], analysis: Analysis, at: datetime
    ) -> list[Hit]:
        if not rows:
            return []
        service, organization, address = models.service, models.organization, models.address
        names = {
            r.id: r
            for r in await connection.execute(
                select(
                    service.c.id, service.c.name, service.c.organization_id, organization.c.name.label("organization")
                )
                .outerjoin(organization, organization.c.id == service.c.organization_id)
                .where(among(connection, service.c.id, [row.service_id for row in rows]))
            )
        }
        documents = {
            r.id: r
            for r in await connection.execute(select(doc).where(among(connection, doc.c.id, [row.id for row in rows])))
        }
        location_ids = [row.location_id for row in rows if row.location_id]
        addresses: dict[UUID, str] = {}
        for r in await connection.execute(
            select(address).where(among(connection, address.c.location_id, location_ids or [None]))
        ):
            addresses.setdefault(
                r.location_id,
                ", ".join(p for p in (r.address_1, r.address_2, r.city, r.state_province, r.postal_code) if p),
            )
        opening = await self._hours(connection, rows)
        hits = []
        for row in rows:
            document, named = documents[row.id], names[row.service_id]
            location = None
            if row.location_id and document.latitude is not None:
                location = {
                    "lat": document.latitude,
                    "lon": document.longitude,
                    "address": addresses.get(row.location_id),
                }
            hits.append(
                Hit(
                    service_id=row.service_id,
                    service_at_location_id=row.service_at_location_id,
                    name=named.name,
                    organization={"id": named.organization_id, "name": named.organization},
                    location=location,
                    distance_km=round(row.distance_km, 2) if row.distance_km is not None else None,
                    open_now=opening[row.id].is_open(at),
                    score=round(float(row.score), 4),
                    matched=_matched(document, analysis),
                    categories=document.category_codes.split(),
                )
            )
        return hits


def _facet_counts(top_categories: Sequence[str]) -> Select[Any]:
    """One pass over the matches counting them, and them per top category and per language."""
    sums: list[ColumnElement[Any]] = [func.count().label("total")]
    sums += [func.sum(case((_in_categories([c]), 1), else_=0)).label(f"c_{c}") for c in top_categories]
    sums += [
        func.sum(case((doc.c.language_codes.like(f"% {code} %"), 1), else_=0)).label(f"l_{code}")
        for code in FACET_LANGUAGES
    ]
    return select(*sums)


def _in_categories(codes: Sequence[str] | frozenset[str]) -> ColumnElement[bool]:
    return or_(*(doc.c.category_codes.like(f"% {code} %") for code in sorted(codes)))


def _matched(document: Any, analysis: Analysis) -> list[str]:
    """Which query words matched which field, and which categories the words pointed to, in words for people."""
    from directory.search.documents import words

    fields = {
        "name": words(document.name_text or ""),
        "category": words(document.category_text or ""),
        "description": words(document.description_text or ""),
        "eligibility": words(document.eligibility_text or ""),
    }
    found = [
        f"{term} ({field})" for term in analysis.terms for field, vocabulary in fields.items() if _has(vocabulary, term)
    ]
    found += [f"category {code}" for code in sorted(analysis.categories) if f" {code} " in document.category_codes]
    return list(dict.fromkeys(found))


def _has(vocabulary: set[str], term: str) -> bool:
    # A crude stem so "pantries" is reported as matching "pantry", as the engines' stemmers did.
    stem = term[:-3] if term.endswith("ies") else term.rstrip("s")
    return term in vocabulary or any(word.startswith(stem) for word in vocabulary if len(stem) >= 4)


def _result(
    query: SearchQuery, total: int, hits: list[Hit], facets: dict[str, dict[str, int]], analysis: Analysis
) -> SearchResult:
    return SearchResult(
        total_items=total,
        total_pages=max(1, math.ceil(total / query.per_page)),
        page_number=query.page,
        size=len(hits),
        contents=hits,
        facets=facets,
        did_you_mean=analysis.corrected,
    )
