"""Search in the database itself: SQLite (FTS5, haversine, shapely) and PostgreSQL (tsvector, PostGIS).

One query builder serves both; a dialect class supplies the three things that differ: matching and ranking text,
measuring distance, and testing whether a service-area polygon covers a point. Filters are strict and happen in
SQL. Ranking blends text relevance, a match on the categories the words point to, distance and how recently the
listing was verified. Opening hours are checked in Python (``directory.hours``), since schedules are rules, not
rows.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
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

from directory import models
from directory.search.query import Analysis, SearchQuery, SearchResult, Synonyms, analyse, synonyms
from directory.search.results import (
    FACET_LANGUAGES,
    GENDERS,
    NEAR_KM,
    REACHABLE,
    Vocabulary,
    blend,
    build_hits,
    count_facets,
    opening_hours,
    page_of,
    top_categories,
    verified_tiers,
)
from directory.validation import area_geometry
from directory.vocabularies import Vocabularies
from waypost.db import among

BM25_HALF = 10.0  # the bm25 score that counts as half relevant: strong matches score 10 to 20 on the seed region

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
        self.top_categories = top_categories(vocabularies)
        self.lay_words: Synonyms = synonyms()
        self.vocabulary = Vocabulary(self.lay_words)

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
            hits = await build_hits(connection, page, analysis, datetime.now(UTC), self.default_timezone)
            return page_of(query, total, hits, facets, analysis)

    async def service_ids(self, query: SearchQuery) -> set[UUID]:
        """Every service with a listing that matches, unranked: what the HSDS API's ``search`` and ``postcode``
        narrow its lists to. Opening hours and pages do not apply."""
        async with self.engine.connect() as connection:
            _, match, conditions = await self._plan(connection, query)
            found = await connection.execute(match.join(select(doc.c.service_id).where(*conditions)).distinct())
            return set(found.scalars())

    async def services_covering(self, connection: AsyncConnection, latitude: float, longitude: float) -> set[UUID]:
        """Services with a service-area polygon that covers the point, for an engine that cannot test polygons."""
        area = models.service_area
        covering = await self.dialect.covering_polygons(connection, latitude, longitude)
        found = await connection.execute(select(area.c.service_id).where(covering).distinct())
        return set(found.scalars())

    async def _plan(
        self, connection: AsyncConnection, query: SearchQuery
    ) -> tuple[Analysis, TextMatch, list[ColumnElement[bool]]]:
        """The words, how they match, and every condition a listing must meet."""
        analysis = analyse(query.text, await self.vocabulary.known(connection), self.lay_words)
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
        tiers = verified_tiers(datetime.now(UTC).date())
        verified = case(*((doc.c.assured_date >= since, credit) for since, credit in tiers), else_=0.0)
        near: Any = literal(0.0)
        if distance is not None:
            near = case((doc.c.latitude.is_(None), REACHABLE), else_=1.0 / (1.0 + distance / NEAR_KM))
        result: ColumnElement[float] = blend(text_score, category, near, verified)
        return result

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
        opening = await opening_hours(connection, rows, self.default_timezone)
        open_rows = [row for row in rows if opening[row.id].is_open(query.open_at)]
        facets = count_facets(
            ((row.category_codes.split(), row.language_codes.split()) for row in open_rows), self.top_categories
        )
        start = (query.page - 1) * query.per_page
        hits = await build_hits(
            connection, open_rows[start : start + query.per_page], analysis, query.open_at, self.default_timezone
        )
        return page_of(query, len(open_rows), hits, facets, analysis)


def _facet_counts(categories: Sequence[str]) -> Select[Any]:
    """One pass over the matches counting them, and them per top category and per language."""
    sums: list[ColumnElement[Any]] = [func.count().label("total")]
    sums += [func.sum(case((_in_categories([c]), 1), else_=0)).label(f"c_{c}") for c in categories]
    sums += [
        func.sum(case((doc.c.language_codes.like(f"% {code} %"), 1), else_=0)).label(f"l_{code}")
        for code in FACET_LANGUAGES
    ]
    return select(*sums)


def _in_categories(codes: Sequence[str] | frozenset[str]) -> ColumnElement[bool]:
    return or_(*(doc.c.category_codes.like(f"% {code} %") for code in sorted(codes)))
