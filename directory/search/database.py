"""Search in the database itself: SQLite (FTS5, flat distance made exact at the radius, shapely) and PostgreSQL
(tsvector, PostGIS).

One query builder serves both; a dialect class supplies the three things that differ: matching and ranking text,
measuring distance, and testing whether a service-area polygon covers a point. A search first narrows to the
listings an index can find (the words through the full-text index and the categories their lay phrases name; else
the chosen categories; else the listings near the searcher or serving their area) and checks every other filter on
those alone, in SQL; the filters are strict. Ranking blends text relevance, a match on the categories the words point
to, distance and how recently the listing was verified. Weekly opening hours are spans the database tests; other
hours are evaluated in Python for the listings that otherwise match (``opening``)."""

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import shapely
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
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
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory import geo, models
from directory.search import opening
from directory.search.query import Analysis, SearchQuery, SearchResult, Synonyms, analyse, synonyms
from directory.search.results import (
    GENDERS,
    NEAR_KM,
    REACHABLE,
    Vocabulary,
    blend,
    build_hits,
    count_facets,
    page_of,
    top_categories,
    verified_tiers,
)
from directory.validation import area_geometry
from directory.vocabularies import Vocabularies
from waypost.db import among

BM25_HALF = 10.0  # the bm25 score that counts as half relevant: strong matches score 10 to 20 on the seed region
KM_PER_DEGREE = geo.EARTH_RADIUS_KM * math.pi / 180  # of latitude, on the sphere that haversine_km uses

doc, words_table, category = models.search_document, models.search_text, models.search_category


@dataclass(frozen=True)
class TextMatch:
    """How one search's words match: the keys of the documents they match, and those keys with a relevance from 0
    to 1 (a subquery with columns ``key`` and ``relevance``)."""

    keys: Select[Any]
    ranked: Any


def flat_km2(latitude: float, longitude: float) -> ColumnElement[float]:
    """Squared kilometres from the point to each document's site on a flat projection around the point: plain
    arithmetic that orders sites as their distance does, within a fraction of a percent inside a search radius."""
    north = (doc.c.latitude - latitude) * KM_PER_DEGREE
    east = (doc.c.longitude - longitude) * (KM_PER_DEGREE * math.cos(math.radians(latitude)))
    result: ColumnElement[float] = north * north + east * east
    return result


def dialect(name: str) -> "SqliteText | PostgresText":
    """The dialect class of a database (``engine.dialect.name``)."""
    return PostgresText() if name == "postgresql" else SqliteText()


class SqliteText:
    """FTS5 with bm25 (names weigh most); distance on a flat projection, made exact near the radius; polygons in
    shapely."""

    name = "sqlite"

    def text_match(self, terms: Sequence[str]) -> TextMatch:
        expression = " OR ".join(f'"{term}"' for term in terms)
        match = text("search_fts MATCH :fts_query").bindparams(fts_query=expression)
        key: ColumnElement[int] = literal_column("search_fts.rowid")
        rank: ColumnElement[float] = -literal_column("bm25(search_fts, 10.0, 3.0, 5.0, 1.0, 1.0, 1.0)")
        ranked = (
            select(key.label("key"), (rank / (rank + BM25_HALF)).label("relevance"))
            .select_from(text("search_fts"))
            .where(match)
            .subquery("fts")
        )
        return TextMatch(select(key).select_from(text("search_fts")).where(match), ranked)

    def distance_km(self, latitude: float, longitude: float) -> ColumnElement[float]:
        # Plain arithmetic on a flat projection around the searcher: within a search radius it is within a fraction
        # of a percent of the great-circle distance, and a database engine computes it for thousands of rows at the
        # cost of a few multiplications instead of six trigonometric calls each.
        return func.sqrt(flat_km2(latitude, longitude))

    def within(self, latitude: float, longitude: float, radius_km: float) -> ColumnElement[bool]:
        """Exactly the sites within ``radius_km`` (great-circle): the flat distance decides all but the sites in a
        thin ring around the radius, where it could be wrong, and haversine decides those."""
        min_lat, min_lon, max_lat, max_lon = geo.bounding_box(latitude, longitude, radius_km)
        flat = flat_km2(latitude, longitude)
        # How far the flat distance can stray: the east-west scale changes with latitude across the box.
        span = math.radians(max_lat - latitude)
        error = math.tan(math.radians(min(abs(latitude) + math.degrees(span), 89.0))) * span + 0.001
        inner, outer = (radius_km * (1 - 2 * error)) ** 2, (radius_km * (1 + 2 * error)) ** 2
        return and_(
            doc.c.latitude.between(min_lat, max_lat),
            doc.c.longitude.between(min_lon, max_lon),
            case(
                (flat <= inner, True),
                (flat > outer, False),
                else_=self._haversine_km(latitude, longitude) <= radius_km,
            ),
        )

    def _haversine_km(self, latitude: float, longitude: float) -> ColumnElement[float]:
        lat, lon = math.radians(latitude), math.radians(longitude)
        d_lat = (func.radians(doc.c.latitude) - lat) / 2
        d_lon = (func.radians(doc.c.longitude) - lon) / 2
        a = func.pow(func.sin(d_lat), 2) + math.cos(lat) * func.cos(func.radians(doc.c.latitude)) * func.pow(
            func.sin(d_lon), 2
        )
        return 2 * geo.EARTH_RADIUS_KM * func.asin(func.sqrt(a))

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
        rows = candidates.all()
        # One vectorised test of every polygon whose box holds the point (a metro can have thousands).
        inside = shapely.covers([_polygon(row.geojson) for row in rows], shapely.Point(longitude, latitude))
        covering = [row.id for row, covers in zip(rows, inside, strict=True) if covers]
        return among(connection, area.c.id, covering) if covering else literal(False)


class PostgresText:
    """Weighted English and Spanish tsvectors, PostGIS geography for distance and service-area coverage."""

    name = "postgresql"

    def text_match(self, terms: Sequence[str]) -> TextMatch:
        words = " or ".join(terms)
        tsquery = func.websearch_to_tsquery(literal_column("'en_unaccent'"), words).op("||")(
            func.websearch_to_tsquery(literal_column("'es_unaccent'"), words)
        )
        tsv: ColumnElement[Any] = literal_column("search_text.tsv")
        matches = tsv.op("@@")(tsquery)
        ranked = select(words_table.c.key.label("key"), func.ts_rank_cd(tsv, tsquery, 32).label("relevance")).where(
            matches
        )
        return TextMatch(select(words_table.c.key).where(matches), ranked.subquery("fts"))

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


@dataclass(frozen=True)
class Plan:
    """What a search asks of the database: its words, how they match, and every condition a listing must meet
    (the first of which narrows the search through an index)."""

    analysis: Analysis
    match: TextMatch | None
    conditions: list[ColumnElement[bool]]


class DatabaseSearchEngine:
    """The ``SearchEngine`` backed by the catalog database."""

    def __init__(self, engine: AsyncEngine, vocabularies: Vocabularies, default_timezone: str) -> None:
        self.engine = engine
        self.vocabularies = vocabularies
        self.default_timezone = default_timezone
        self.dialect = dialect(engine.dialect.name)
        self.name = self.dialect.name
        self.top_categories = top_categories(vocabularies)
        self.lay_words: Synonyms = synonyms()
        self.vocabulary = Vocabulary(self.lay_words)

    async def search(self, query: SearchQuery) -> SearchResult:
        async with self.engine.connect() as connection:
            plan = await self._plan(connection, query)
            distance = None
            if query.latitude is not None and query.longitude is not None:
                distance = self.dialect.distance_km(query.latitude, query.longitude)
            relevance = func.coalesce(plan.match.ranked.c.relevance, 0.0) if plan.match else literal(0.0)
            score = self._score(plan.analysis, relevance, distance).label("score")
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
            ranked = select(*columns).where(*plan.conditions)
            if plan.match:
                ranked = ranked.join_from(doc, plan.match.ranked, plan.match.ranked.c.key == doc.c.key, isouter=True)
            ranked = ranked.order_by(score.desc(), literal_column("distance_km").asc().nulls_last(), doc.c.id)
            total, facets = await self._facets(connection, plan.conditions)
            offset = (query.page - 1) * query.per_page
            page = (await connection.execute(ranked.limit(query.per_page).offset(offset))).all()
            at = query.open_at or datetime.now(UTC)
            hits = await build_hits(connection, page, plan.analysis, at, self.default_timezone)
            return page_of(query, total, hits, facets, plan.analysis)

    async def service_ids(self, query: SearchQuery) -> set[UUID]:
        """Every service with a listing that matches, unranked: what the HSDS API's ``search`` and ``postcode``
        narrow its lists to. Opening hours and pages do not apply."""
        async with self.engine.connect() as connection:
            plan = await self._plan(connection, query)
            found = await connection.execute(select(doc.c.service_id).where(*plan.conditions).distinct())
            return set(found.scalars())

    async def services_covering(self, connection: AsyncConnection, latitude: float, longitude: float) -> set[UUID]:
        """Services with a service-area polygon that covers the point, for an engine that cannot test polygons."""
        area = models.service_area
        covering = await self.dialect.covering_polygons(connection, latitude, longitude)
        found = await connection.execute(select(area.c.service_id).where(covering).distinct())
        return set(found.scalars())

    async def _plan(self, connection: AsyncConnection, query: SearchQuery) -> Plan:
        analysis = analyse(query.text, await self.vocabulary.known(connection), self.lay_words)
        covering = await self._covering_services(connection, query)
        match = self.dialect.text_match(analysis.terms) if analysis.terms else None
        conditions = [*self._narrowing(connection, query, analysis, match, covering)]
        conditions += self._filters(connection, query, covering)
        if query.open_at is not None:
            conditions.append(await opening.open_at(connection, query.open_at, self.default_timezone, conditions))
        return Plan(analysis, match, conditions)

    def _narrowing(
        self,
        connection: AsyncConnection,
        query: SearchQuery,
        analysis: Analysis,
        match: TextMatch | None,
        covering: list[UUID] | None,
    ) -> list[ColumnElement[bool]]:
        """The listings an index finds are read first, and every other condition is checked on those alone: the
        listings that match the words or sit in a category a lay phrase among them names; without words, those in
        the chosen categories, else those near the searcher or serving their area."""
        if match is not None:
            keys: Select[Any] | CompoundSelect[Any] = match.keys
            if analysis.categories:
                keys = union(keys, _in_category_keys(analysis.categories))
            return [doc.c.key.in_(keys)]
        if query.categories:
            return [doc.c.key.in_(_in_category_keys(query.categories))]
        if query.latitude is None or query.longitude is None or covering is None:
            return []
        nearby = select(doc.c.key).where(self.dialect.within(query.latitude, query.longitude, query.radius_km))
        unlocated = select(doc.c.key).where(doc.c.latitude.is_(None))
        covered = select(doc.c.key).where(among(connection, doc.c.service_id, covering))
        return [doc.c.key.in_(union(nearby, unlocated, covered))]

    def _filters(
        self, connection: AsyncConnection, query: SearchQuery, covering: list[UUID] | None
    ) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if not query.include_inactive:
            conditions.append(doc.c.status == "active")
        if query.categories:
            conditions.append(doc.c.key.in_(_in_category_keys(query.categories)))
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
        if query.latitude is not None and query.longitude is not None and covering is not None:
            # Services whose area covers the point, wherever their sites are; others only within the radius.
            nearby = and_(
                not_(doc.c.has_service_area),
                or_(doc.c.latitude.is_(None), self.dialect.within(query.latitude, query.longitude, query.radius_km)),
            )
            conditions.append(or_(among(connection, doc.c.service_id, covering), nearby))
        return conditions

    async def _covering_services(self, connection: AsyncConnection, query: SearchQuery) -> list[UUID] | None:
        """The services whose service area covers the searcher's point (a polygon, the state or the ZIP code), read
        once, each way through its own index, and then handed to the search as a list: a subquery there would be
        costed for every listing it is checked against."""
        if query.latitude is None or query.longitude is None:
            return None
        area, codes = models.service_area, models.service_area_postal_code
        polygons = await self.dialect.covering_polygons(connection, query.latitude, query.longitude)
        ways = [select(area.c.service_id).where(polygons)]
        if query.state:
            ways.append(select(area.c.service_id).where(area.c.state == query.state))
        if query.postal_code:
            by_code = select(codes.c.service_area_id).where(codes.c.postal_code == query.postal_code)
            ways.append(select(area.c.service_id).where(area.c.id.in_(by_code)))
        found = await connection.execute(union(*ways))
        return [service_id for service_id in found.scalars() if service_id is not None]

    def _score(self, analysis: Analysis, text_score: ColumnElement[float], distance: Any) -> ColumnElement[float]:
        category: Any = literal(0.0)
        if analysis.categories:
            category = case((doc.c.key.in_(_in_category_keys(analysis.categories)), 1.0), else_=0.0)
        tiers = verified_tiers(datetime.now(UTC).date())
        verified = case(*((doc.c.assured_date >= since, credit) for since, credit in tiers), else_=0.0)
        near: Any = literal(0.0)
        if distance is not None:
            near = case((doc.c.latitude.is_(None), REACHABLE), else_=1.0 / (1.0 + distance / NEAR_KM))
        result: ColumnElement[float] = blend(text_score, category, near, verified)
        return result

    async def _facets(
        self, connection: AsyncConnection, conditions: list[ColumnElement[bool]]
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """The number of matches, and their counts per top category and per language. The database groups the
        matches by their (few) distinct code lists; the codes are counted from those groups."""
        grouped = await connection.execute(
            select(doc.c.top_category_codes, doc.c.language_codes, func.count().label("listings"))
            .where(*conditions)
            .group_by(doc.c.top_category_codes, doc.c.language_codes)
        )
        groups = [(row.top_category_codes.split(), row.language_codes.split(), row.listings) for row in grouped]
        return sum(count for *_, count in groups), count_facets(groups, self.top_categories)


def _in_category_keys(codes: Collection[str]) -> Select[Any]:
    """The keys of the documents in any of these categories (or below them: a document lists its categories'
    parents too)."""
    return select(category.c.key).where(category.c.code.in_(sorted(codes)))
