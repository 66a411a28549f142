"""Search in the database itself: SQLite (FTS5, flat distance made exact at the radius, shapely) and PostgreSQL
(tsvector, PostGIS).

One query builder serves both; a dialect class supplies the three things that differ: matching and ranking text,
telling which sites lie within the radius, and testing whether a service-area polygon covers a point. A search
first narrows to the listings an index can find (the words through the full-text index and the categories their lay
phrases name; else the chosen categories; else the listings near the searcher or serving their area) and checks
every other filter on those alone, in SQL; the filters are strict. Ranking blends text relevance, a match on the
categories the words point to, distance and how recently the listing was verified. Weekly opening hours are spans
the database tests; other hours are evaluated in Python for the listings that otherwise match (``opening``)."""

import functools
import math
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import shapely
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    table,
    text,
    true,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory import geo, models
from directory.search import opening, places
from directory.search.documents import split_facet_codes
from directory.search.query import Analysis, SearchQuery, SearchResult, Synonyms, analyse, synonyms
from directory.search.results import (
    GENDERS,
    VOCABULARY_SECONDS,
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
from matching.ranking import NEAR_KM, REACHABLE, REACHABLE_KM
from waypost.db import among, among_text, stored_values

COMMON_SHARE = 0.2  # a word in a fifth of the listings or more is common (CommonWords)
COMMON_MINIMUM = 50
FEW = 20  # fewer listings than this with every word of a search, and a listing with any of them will do (``_found``)
BM25_HALF = 10.0  # the bm25 score that counts as half relevant: strong matches score 10 to 20 on the seed region
KM_PER_DEGREE = geo.EARTH_RADIUS_KM * math.pi / 180  # of latitude, on the sphere that haversine_km uses
# The services whose polygons cover this many points, on SQLite (``Polygons``): each subquery holds their ids as JSON,
# up to about 40 kB for a metro's thousand, so at most about 40 MB.
POINTS_REMEMBERED = 1024
# Without words, the best score of a listing without a site or farther than REACHABLE_KM, which counts as near as one
# without a site (``DatabaseSearchEngine._page_and_facets``).
FARTHER_BEST = blend(0.0, 0.0, REACHABLE, 1.0)

Found = TypeVar("Found")  # what a search reads of its matches (``DatabaseSearchEngine._found``)

doc, words_table, category = models.search_document, models.search_text, models.search_category
fts = table("search_fts", column("rowid", Integer))  # SQLite's FTS5 index of search_text
area_version = table("service_area_version", column("version", Integer))  # SQLite's count of service_area changes


@dataclass(frozen=True)
class TextMatch:
    """How one search's words (or, on PostgreSQL, chosen categories) match: the text index (``source``, its document
    ``key`` column), the ``condition`` that finds the documents with the words, and their ``relevance`` from 0 to 1:
    on SQLite bm25, read from the index for each listing the search statement keeps (those that pass the filters), on
    PostgreSQL ts_rank, computed as the texts are read."""

    source: FromClause
    key: ColumnElement[int]
    condition: ColumnElement[bool]
    relevance: ColumnElement[float]
    # The texts with any of the words, when the search reads the listings of the categories the words name apart
    # (SQLite): those without any of the words. None when ``condition`` finds those listings too (PostgreSQL).
    any_word: ColumnElement[bool] | None = None

    @property
    def keys(self) -> Select[Any]:
        return select(self.key).select_from(self.source).where(self.condition).correlate(None)


def distance_km(latitude: float, longitude: float, source: Table = doc) -> ColumnElement[float]:
    """Kilometres from the point to each listing's site (in its document or its text row, ``source``), on both
    databases: plain arithmetic on a flat projection around the point, within a fraction of a percent of the
    great-circle distance inside a search radius, for the cost of a few multiplications. PostGIS's ``ST_Distance`` on
    geography cost 8 us a listing (on the sphere; more on the spheroid) against under 1: a third of a search around a
    point that weighs 30k listings."""
    return func.sqrt(flat_km2(latitude, longitude, source))


def flat_km2(latitude: float, longitude: float, source: Table = doc) -> ColumnElement[float]:
    """Squared kilometres from the point to each listing's site on a flat projection around the point: plain
    arithmetic that orders sites as their distance does, within a fraction of a percent inside a search radius."""
    north = (source.c.latitude - latitude) * KM_PER_DEGREE
    east = (source.c.longitude - longitude) * (KM_PER_DEGREE * math.cos(math.radians(latitude)))
    result: ColumnElement[float] = north * north + east * east
    return result


def flat_within(
    latitude: float, longitude: float, radius_km: float, source: Table, exact: ColumnElement[bool]
) -> ColumnElement[bool]:
    """Exactly the sites within ``radius_km`` (great-circle): the flat distance decides all but the sites in a thin
    ring around the radius, where it could be wrong, and the ``exact`` test decides those."""
    min_lat, min_lon, max_lat, max_lon = geo.bounding_box(latitude, longitude, radius_km)
    flat = flat_km2(latitude, longitude, source)
    # How far the flat distance can stray: the east-west scale changes with latitude across the box.
    span = math.radians(max_lat - latitude)
    error = math.tan(math.radians(min(abs(latitude) + math.degrees(span), 89.0))) * span + 0.001
    inner, outer = (radius_km * (1 - 2 * error)) ** 2, (radius_km * (1 + 2 * error)) ** 2
    return and_(
        source.c.latitude.between(min_lat, max_lat),
        source.c.longitude.between(min_lon, max_lon),
        case((flat <= inner, True), (flat > outer, False), else_=exact),
    )


def dialect(name: str) -> "SqliteText | PostgresText":
    """The dialect class of a database (``engine.dialect.name``)."""
    return PostgresText() if name == "postgresql" else SqliteText()


class SqliteText:
    """FTS5 with bm25 (names weigh most); distance on a flat projection, made exact near the radius; polygons in
    shapely."""

    name = "sqlite"

    def __init__(self) -> None:
        self.polygons = Polygons()

    async def text_match(
        self,
        connection: AsyncConnection,
        terms: Sequence[str],
        every: bool,
        place: Sequence[str] | None,
        categories: Collection[str],
    ) -> TextMatch:
        """The texts with every word (``every``) or any of them; with every word and ``categories`` named, any word will
        do in the listings of those: the texts with any word as the index streams their rowids, each checked against the
        keys of the texts with every word and of the categories' listings, each read once into a temporary index. The
        rowid is written ``+rowid`` there, which SQLite does not look up through an index: it would answer an OR of
        rowid lookups one at a time, leaving the text index's MATCH no way to be read (an error). The categories'
        listings without any of the words are read apart (``DatabaseSearchEngine._matching``). The place is left to the
        filters (``places_apart``): in the text index, bm25 would count the listings of every place code for every
        search, tens of thousands each."""
        rank: ColumnElement[float] = -literal_column("bm25(search_fts, 10.0, 3.0, 5.0, 1.0, 1.0, 1.0)")
        every_word, any_word = (
            _fts_match(operator.join(f'"{term}"' for term in terms)) for operator in (" AND ", " OR ")
        )
        condition = every_word if every else any_word
        if every and categories and len(terms) > 1:
            rowid: ColumnElement[int] = literal_column("+search_fts.rowid")
            every_keys = TextMatch(fts, fts.c.rowid, every_word, rank).keys
            condition = and_(any_word, or_(rowid.in_(every_keys), rowid.in_(_in_category_keys(categories))))
        return TextMatch(fts, fts.c.rowid, condition, rank / (rank + BM25_HALF), any_word)

    async def documents_with(self, connection: AsyncConnection, term: str, documents: int) -> int:
        """Counted through the text index, which counts even a word found in most listings in milliseconds."""
        found = select(fts.c.rowid).where(_fts_match(f'"{term}"')).subquery()
        return int((await connection.execute(select(func.count()).select_from(found))).scalar_one())

    def within(self, latitude: float, longitude: float, radius_km: float, source: Table = doc) -> ColumnElement[bool]:
        """Exactly the sites within ``radius_km``: on the flat projection, and by haversine near the radius
        (``haversine_km``, a function of Python's registered on each SQLite connection by ``waypost.db``)."""
        exact = func.haversine_km(source.c.latitude, source.c.longitude, latitude, longitude) <= radius_km
        return flat_within(latitude, longitude, radius_km, source, exact)

    async def among(self, connection: AsyncConnection, column: Any, values: Select[Any]) -> ColumnElement[bool]:
        """``column`` is one of the values the subquery gives. SQLite reads an uncorrelated IN subquery once, into
        a temporary index, inside the statement."""
        return column.in_(values)

    # A search without words is read one way of serving the place at a time (a union), each through its own
    # index: the listings near the point then come from ix_search_document_place alone (migration 0009), where the
    # OR of the three made SQLite look up every listing within the radius (filters around a point at 100k services:
    # p50 139 -> 74 ms).
    places_apart = True

    # A text is joined to its document by rowid for about a microsecond: the documents are read for ranking.
    ranks_texts_alone = False

    def covered_by(self, codes: Sequence[str], source: Table = doc) -> ColumnElement[bool]:
        """The listing's service's area names one of these states or ZIP codes: its key is one of theirs in
        search_coverage."""
        return source.c.key.in_(_covered_keys(codes))

    def in_categories(self, source: Table, codes: Collection[str]) -> ColumnElement[bool]:
        """The listing is in one of the categories: its key is one of theirs in search_category."""
        return source.c.key.in_(_in_category_keys(codes))

    async def covering_services(self, connection: AsyncConnection, latitude: float, longitude: float) -> Select[Any]:
        return await self.polygons.covering(connection, latitude, longitude)


class Polygons:
    """Every service-area polygon of a SQLite catalog, held in memory in a shapely STRtree and read again whenever
    ``service_area`` has changed since (its triggers count the changes in ``service_area_version``, migration 0007):
    reading a metro's thousand polygons for every search cost more than the rest of a small search. The services
    whose polygons cover a point are remembered too, for POINTS_REMEMBERED points: most searches are from a ZIP
    code's centre, and testing a metro's thousand polygons, listing their services and writing the subquery was up
    to 2 ms of Python's part of each (about 25 ms on the thirteenth session's machine). Listed by service, not by
    polygon, a search no longer looks up each polygon's service in ``service_area``, whose rows hold the polygons:
    2.4 of 5.5 ms in reading the listings of a Seattle point's thousand covering services at 100k services."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._services: list[str] = []  # each polygon's service, as SQLite stores it
        self._tree = shapely.STRtree([])
        self._covering: dict[tuple[float, float], Select[Any]] = {}

    async def covering(self, connection: AsyncConnection, latitude: float, longitude: float) -> Select[Any]:
        """The services with a polygon that covers the point, as a subquery."""
        version = (await connection.execute(select(area_version.c.version))).scalar_one()
        if version != self._version:
            area = models.service_area
            # Kept as SQLite stores it, to be sent back.
            stored_service = type_coerce(area.c.service_id, String).label("service_id")
            polygons = select(stored_service, area.c.geojson).where(area.c.geojson.is_not(None))
            rows = (await connection.execute(polygons)).all()
            geometries = [area_geometry(row.geojson) for row in rows]
            shapely.prepare(geometries)
            self._services, self._tree = [row.service_id for row in rows], shapely.STRtree(geometries)
            self._version, self._covering = version, {}
        if (longitude, latitude) not in self._covering:
            if len(self._covering) >= POINTS_REMEMBERED:
                self._covering = {}
            # The tree finds the polygons whose box holds the point; the prepared polygons then say which cover it
            # (as the tree's own predicate, which prepares the point instead, it took 3.2 ms for a metro's thousand).
            point = shapely.Point(longitude, latitude)
            boxed = self._tree.query(point)
            found = boxed[shapely.covers(self._tree.geometries.take(boxed), point)]
            services = list(dict.fromkeys(self._services[index] for index in found))
            self._covering[longitude, latitude] = stored_values(services, models.service_area.c.service_id.type)
        return self._covering[longitude, latitude]


class PostgresText:
    """Weighted English and Spanish tsvectors, PostGIS geography for the radius and service-area coverage."""

    name = "postgresql"

    async def text_match(
        self,
        connection: AsyncConnection,
        terms: Sequence[str],
        every: bool,
        place: Sequence[str] | None,
        categories: Collection[str],
    ) -> TextMatch:
        """The texts with every word (``every``) or any of them, or in one of the ``categories`` the words name (or,
        with no words, those chosen: ``DatabaseSearchEngine._plan``), and, near a place, with one of its place codes
        (``places``): the GIN indexes of search_text answer the words, the categories (a BitmapOr) and the place (a
        BitmapAnd) before a listing is read. The words alone made PostgreSQL read every listing in a metro, or every one
        with the words, to check the other (words near a ZIP at 100k services: 41k text rows probed for "peer support").
        The categories' listings near the place were read first, each checked against its cell and the services whose
        area covers the place, then found again by key: 7-10 ms of a search near a metro ZIP (migration 0015). Read
        apart, they were checked against the texts with the words by an anti join, which read those again (or,
        misestimated, compared every pair: 700 ms for "i need food for my kids" near a ZIP)."""
        found: list[ColumnElement[bool]] = []
        relevance: ColumnElement[float] = literal(0.0)
        if terms:
            # Each word in either language: "(en OR es) AND (en OR es)" when every word is required. Ranked by any
            # of the words, whichever are required, as bm25 ranks on SQLite: ts_rank scores a text higher for an AND
            # than for an OR of the same words, and 0 for a named listing without any of them.
            per_word = [self._tsquery(term) for term in terms]
            tsquery = any_word = per_word[0]
            for word in per_word[1:]:
                tsquery, any_word = tsquery.op("&&" if every else "||")(word), any_word.op("||")(word)
            tsv: ColumnElement[Any] = literal_column("search_text.tsv")
            found.append(tsv.op("@@")(tsquery))
            # ts_rank (how often the words occur, by field weight) rather than ts_rank_cd (how close together): the
            # cover density cost 8 us a listing against 1.3, 180 ms for a word found in 27k listings, and ranked the
            # seed region's judged searches no better (NDCG@10 0.874 with it, 0.876 without).
            relevance = func.ts_rank(tsv, any_word, 32)
        if categories:
            found.append(self.in_categories(words_table, categories))
        condition = or_(*found)
        if place is not None:
            # The expression of ix_search_text_place, word for word, for the planner.
            condition = and_(condition, _overlaps(words_table.c.place_codes, place))
        return TextMatch(words_table, words_table.c.key, condition, relevance)

    def in_categories(self, source: Table, codes: Collection[str]) -> ColumnElement[bool]:
        """The listing (its document or text row) is in one of the categories: a text row's codes through their GIN
        index (ix_search_text_category, migration 0015, the expression word for word), a document's key among the
        categories' in search_category."""
        if source is words_table:
            return _overlaps(words_table.c.category_codes, sorted(codes))
        return source.c.key.in_(_in_category_keys(codes))

    async def documents_with(self, connection: AsyncConnection, term: str, documents: int) -> int:
        """Estimated from the share of the texts that hold the word's English or Spanish stem, as ANALYZE records
        it for the commonest stems of the text index (``pg_stats.most_common_elems``; an import refreshes them,
        ``documents.refresh_statistics``): counting the texts read every one that holds the word, 45 to 90 ms for a
        word in a third of 100k listings. A stem missing from the statistics is rare, and counts as in none."""
        share = await connection.execute(
            text(
                "SELECT max(f.share) FROM pg_stats s, unnest(s.most_common_elems::text::text[], "
                "s.most_common_elem_freqs) AS f(stem, share) WHERE s.schemaname = current_schema() "
                "AND s.tablename = 'search_text' AND s.attname = 'tsv' AND f.stem = ANY(tsvector_to_array("
                "to_tsvector('en_unaccent', :term) || to_tsvector('es_unaccent', :term)))"
            ),
            {"term": term},
        )
        return round((share.scalar_one() or 0.0) * documents)

    def _tsquery(self, term: str) -> ColumnElement[Any]:
        english = func.plainto_tsquery(literal_column("'en_unaccent'"), term)
        return english.op("||")(func.plainto_tsquery(literal_column("'es_unaccent'"), term))

    def _point(self, latitude: float, longitude: float) -> ColumnElement[Any]:
        return func.ST_GeogFromText(f"SRID=4326;POINT({longitude!r} {latitude!r})")

    def within(self, latitude: float, longitude: float, radius_km: float, source: Table = doc) -> ColumnElement[bool]:
        """The documents' sites within the radius through their GiST index (``ST_DWithin``, on the sphere). The text
        rows hold no geography, and are tested on the flat projection, then by ``ST_DWithin`` near the radius: each
        site made a geography cost about 10 ms of a search that weighs 7k listings."""
        point = self._point(latitude, longitude)
        if source is doc:
            return func.ST_DWithin(literal_column("search_document.geog"), point, radius_km * 1000.0, False)
        site = func.geography(func.ST_SetSRID(func.ST_MakePoint(source.c.longitude, source.c.latitude), 4326))
        exact = func.ST_DWithin(site, point, radius_km * 1000.0, False)
        return flat_within(latitude, longitude, radius_km, source, exact)

    async def among(self, connection: AsyncConnection, column: Any, values: Select[Any]) -> ColumnElement[bool]:
        """``column`` is one of the values the subquery gives, read first and handed over as an array: as a
        subquery, PostgreSQL's planner charges its cost to every listing it is checked against, and then reads
        every listing rather than join the few that match the words. The array is read and sent back in
        PostgreSQL's text form (``among_text``): read as Python values and written out again, thousands of keys
        cost 20-25 ms of a search in the driver."""
        found = values.subquery()
        value = found.c[0]
        listed = select(cast(func.array_agg(value), Text)).where(value.is_not(None))
        return among_text(column, (await connection.execute(listed)).scalar_one() or "{}")

    # The ways of serving the place stay one condition, which PostgreSQL reads as one BitmapOr of their indexes: a
    # union of the three read the listings once for each (filters around a point: p50 137 -> 196 ms).
    places_apart = False

    # A search with words, or for chosen categories, reads the texts alone, which repeat what ranking, the facets,
    # the filters and the place read (migrations 0013 and 0015): joined to their documents, every one of the
    # 133k documents was hashed, about 130 of 340 ms for "safe house" (25k listings) at 100k services; near a place,
    # each text was looked up in the documents' primary key, 26 of 52 ms for "home care" near a Seattle ZIP (7k).
    ranks_texts_alone = True

    def covered_by(self, codes: Sequence[str], source: Table = doc) -> ColumnElement[bool]:
        """The listing's service's area names one of these states or ZIP codes: one of its area codes is, through
        ix_search_document_area (migration 0014) as one arm of the BitmapOr of the ways of serving a place, where
        the keys read from search_coverage were probed one by one in the primary key (7.3k for a Seattle point at
        100k services: 16 of 146 ms); as a condition on the listings (or texts) that words or categories found, a
        test of each listing's few codes."""
        # The expression of ix_search_document_area, word for word, so the planner finds it.
        return _overlaps(source.c.area_codes, codes)

    async def covering_services(self, connection: AsyncConnection, latitude: float, longitude: float) -> Select[Any]:
        """The services with a polygon that the index finds around the point and that covers it on the plane of
        longitude and latitude, as shapely tests them on SQLite: the geodesic test of geography costs four times as
        much (a metro's thousand polygons: 11 -> 2.5 ms), and the two differ only along edges hundreds of km long."""
        area = models.service_area
        geog: ColumnElement[Any] = literal_column("service_area.geog")
        point = self._point(latitude, longitude)
        return select(area.c.service_id).where(
            geog.op("&&")(point), func.ST_Covers(func.geometry(geog), func.geometry(point))
        )


class CommonWords:
    """Which search words are common: found in at least COMMON_SHARE of the search documents (and in at least
    COMMON_MINIMUM of them, so that a small catalog has none). Counted through the text index and remembered for
    VOCABULARY_SECONDS."""

    def __init__(self, dialect: "SqliteText | PostgresText") -> None:
        self.dialect = dialect
        self._common: dict[str, bool] = {}
        self._documents = 0
        self._threshold = 0
        self._read_at = -math.inf

    async def __call__(self, connection: AsyncConnection, term: str) -> bool:
        if time.monotonic() - self._read_at > VOCABULARY_SECONDS:
            self._documents = (await connection.execute(select(func.count()).select_from(doc))).scalar_one()
            self._threshold = max(COMMON_MINIMUM, math.ceil(self._documents * COMMON_SHARE))
            self._common = {}
            self._read_at = time.monotonic()
        if term not in self._common:
            count = await self.dialect.documents_with(connection, term, self._documents)
            self._common[term] = count >= self._threshold
        return self._common[term]


@dataclass(frozen=True)
class Plan:
    """What a search asks of the database: its words, how they match, the categories they name, the condition that
    narrows the search through an index, the filters checked on the listings it narrows to, and the ways a listing
    can serve the searcher's place (``places``; none when no place is given), any one of which will do. The three
    are conditions on the documents, which a plan whose caller reads the texts alone leaves unwritten
    (``documents`` false)."""

    analysis: Analysis
    match: TextMatch | None
    narrowing: list[ColumnElement[bool]]
    filters: list[ColumnElement[bool]]
    places: list[ColumnElement[bool]]
    # The status, the filters and the place as conditions on the texts, when the texts alone answer the search
    # (``ranks_texts_alone``).
    texts_only: list[ColumnElement[bool]] | None
    loosens: bool = False  # the words are all required, and a listing with any of them would do (``_found``)
    open: ColumnElement[bool] | None = None  # open at the time asked for
    documents: bool = True  # the conditions on the documents are written
    by_place: bool = False  # the place alone narrows the search: no words, no chosen categories

    @property
    def served(self) -> list[ColumnElement[bool]]:
        return served(self.places)

    @property
    def conditions(self) -> list[ColumnElement[bool]]:
        if not self.documents:
            raise ValueError("this plan reads the texts alone: its conditions on the documents are not written")
        return [*self.narrowing, *self.filters, *self.served, *([] if self.open is None else [self.open])]


@dataclass(frozen=True)
class Matches:
    """What a search shows of its matches: its page of listings, best first, and the matches grouped by what the
    facets count (``facet_codes``), with how many ``listings`` each group holds."""

    page: Sequence[Row[Any]]
    groups: Sequence[Row[Any]]

    def total(self) -> int:
        return sum(row.listings for row in self.groups)


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
        self.common = CommonWords(self.dialect)

    async def search(self, query: SearchQuery) -> SearchResult:
        async with self.engine.connect() as connection:

            async def page_and_facets(plan: Plan) -> Matches:
                return await self._page_and_facets(connection, plan, query)

            plan, matches = await self._found(connection, query, page_and_facets, Matches.total, documents=False)
            # Hundreds of groups for a search of thousands of listings, each split into its codes once.
            groups = [(split_facet_codes(row.facet_codes), row.listings) for row in matches.groups]
            at = query.open_at or datetime.now(UTC)
            hits = await build_hits(connection, matches.page, plan.analysis, at, self.default_timezone)
            facets = count_facets(
                ((categories, count) for (categories, _), count in groups),
                ((languages, count) for (_, languages), count in groups),
                self.top_categories,
            )
            return page_of(query, matches.total(), hits, facets, plan.analysis)

    async def _page_and_facets(self, connection: AsyncConnection, plan: Plan, query: SearchQuery) -> Matches:
        """The page's listings, best first, and the matches grouped by what the facets count (``facet_codes``: few
        distinct values) with how many ``listings`` each group holds: one statement, so that the matches are found
        and scored once. A search that its place alone narrows (``Plan.by_place``) weighs every listing near the
        searcher, tens of thousands in a city, yet without words a listing scores only by its nearness and
        how recently it was verified: none farther than REACHABLE_KM, nor any without a site, can score above
        FARTHER_BEST. Such a search ranks the listings within REACHABLE_KM first (as ``candidates`` reads listings,
        nearest first); when they fill the pages up to this one with better scores than that, they are those pages,
        and the matches are only counted (filters around a Seattle point at 100k services, 34k listings, in the
        database: SQLite 52 -> 28 + 5 ms, PostgreSQL 53 -> 38 + 7 ms). Otherwise (few listings near the searcher, or
        narrow filters) every match is ranked, as for any other search, after the near ones for nothing (2-3 ms)."""
        offset = (query.page - 1) * query.per_page
        if plan.by_place and plan.places:  # ``places`` is empty without a point to search around
            first = offset + query.per_page
            near = (await connection.execute(self._page(plan, query, first, REACHABLE_KM))).all()
            if len(near) == first and near[-1].score > FARTHER_BEST:
                groups = (await connection.execute(self._facets(plan, query))).all()
                return Matches(sorted(near, key=lambda row: row.position)[offset:], groups)
        rows = (await connection.execute(self._page_with_facets(plan, query, offset))).all()
        page = sorted((row for row in rows if row.position is not None), key=lambda row: row.position)
        return Matches(page, [row for row in rows if row.position is None])

    def _page_with_facets(self, plan: Plan, query: SearchQuery, offset: int) -> CompoundSelect[Any]:
        """The page's rows (with their ``position``), then the groups of matches the facets count (``position``
        null), from the matches found and scored once."""
        matches = self._scored(plan, query).cte("matches").prefix_with("MATERIALIZED")
        return union_all(
            self._ranked(matches, query.per_page, offset).add_columns(literal(1).label("listings")),
            select(
                *(null().label(name) for name in ("id", "service_id", "service_at_location_id", "location_id")),
                null().label("category_codes"),
                matches.c.facet_codes,
                null().label("score"),
                null().label("distance_km"),
                null().label("position"),
                func.count().label("listings"),
            ).group_by(matches.c.facet_codes),
        )

    def _facets(self, plan: Plan, query: SearchQuery) -> Select[Any]:
        """The matches grouped by what the facets count, found without being scored."""
        found = self._listings(plan, query, ranked=False).subquery("found")
        return select(found.c.facet_codes, func.count().label("listings")).group_by(found.c.facet_codes)

    def _page(self, plan: Plan, query: SearchQuery, limit: int, within_km: float) -> Select[Any]:
        """The first ``limit`` of the matches within ``within_km`` of the searcher, ranked."""
        return self._ranked(self._scored(plan, query, within_km).subquery("matches"), limit, 0)

    def _ranked(self, scored: FromClause, limit: int, offset: int) -> Select[Any]:
        """``limit`` of the ``scored`` matches from ``offset``, best first (``position``), with what a hit shows of
        their documents, read by key."""

        def order(source: FromClause) -> list[ColumnElement[Any]]:
            return [source.c.score.desc(), source.c.distance_km.asc().nulls_last(), source.c.id]

        page = select(scored).order_by(*order(scored)).limit(limit).offset(offset).subquery("page")
        return select(
            page.c.id,
            doc.c.service_id,
            doc.c.service_at_location_id,
            doc.c.location_id,
            doc.c.category_codes,
            page.c.facet_codes,
            page.c.score,
            page.c.distance_km,
            func.row_number().over(order_by=order(page)).label("position"),
        ).join_from(page, doc, doc.c.key == page.c.key)

    def _scored(self, plan: Plan, query: SearchQuery, within_km: float | None = None) -> Select[Any]:
        """The matches (those ``within_km`` of the searcher, if given) with their score and distance."""
        matched = self._listings(plan, query, ranked=True, within_km=within_km).subquery("matched")
        return select(
            matched.c.key,
            matched.c.id,
            matched.c.facet_codes,
            self._score(matched, located=query.latitude is not None).label("score"),
            matched.c.distance_km,
        )

    def _listings(
        self, plan: Plan, query: SearchQuery, ranked: bool, within_km: float | None = None
    ) -> Select[Any] | CompoundSelect[Any]:
        """Every match (of a search without words, those ``within_km`` of the searcher, if given) with what the
        facets count of it and, when ``ranked``, what ranking reads: no more, so that SQLite answers a search near a
        point from an index alone (ix_search_document_place, migration 0009); the page's listings are read by key
        afterwards. Each part of the search says how its listings match (``listings``); the score is written once,
        over all of them (``_scored``)."""
        point = None if query.latitude is None or query.longitude is None else (query.latitude, query.longitude)

        @functools.cache  # once for the parts of a search read apart (``places_apart``)
        def distance(source: Table) -> ColumnElement[Any]:
            return literal(None) if point is None else distance_km(*point, source)

        def listings(relevance: Any, in_category: Any, source: Table = doc) -> list[ColumnElement[Any]]:
            if not ranked:
                return [source.c.key, source.c.facet_codes]
            return [
                source.c.key,
                source.c.id,
                source.c.facet_codes,
                source.c.assured_date,
                relevance.label("relevance"),
                in_category.label("in_category"),
                distance(source).label("distance_km"),
            ]

        found: Select[Any] | CompoundSelect[Any]
        if plan.match is None:
            # Chosen categories narrow a search better than its place, which is then one condition; so does a
            # short distance.
            apart = self.dialect.places_apart and not query.categories and within_km is None
            parts = plan.places if apart else plan.served
            near = [] if point is None or within_km is None else [self.dialect.within(*point, within_km)]
            found = union_all(
                *(
                    select(*listings(literal(0.0), literal(0.0))).where(*plan.narrowing, *plan.filters, *near, part)
                    for part in parts or [true()]
                )
            )
        else:
            found = self._matching(plan.match, plan, [*plan.filters, *plan.served], listings)
        if plan.open is not None:
            # Checked on the matches once they are found: among the other filters, it led PostgreSQL to read every
            # text row in key order to test each listing's hours as it went.
            found_all = found.cte("found").prefix_with("MATERIALIZED")
            found = select(found_all).join_from(found_all, doc, doc.c.key == found_all.c.key).where(plan.open)
        return found

    def _matching(
        self,
        match: TextMatch,
        plan: Plan,
        filters: list[ColumnElement[bool]],
        listings: Callable[..., list[ColumnElement[Any]]],
    ) -> Select[Any] | CompoundSelect[Any]:
        """The listings that pass the filters and match the words (``plan.match``), with their relevance and whether
        they are in a category the words name (``listings(relevance, in_category)``), then the listings of those
        categories that have none of the words, unless the match finds them too (``TextMatch.any_word``). The text
        index is read once, and joined to the listings unless the texts alone answer (``Plan.texts_only``)."""
        source: Table = doc
        relevance = match.relevance
        if plan.texts_only is not None:
            source = words_table
            words = select().select_from(words_table).where(match.condition, *plan.texts_only)
        else:
            join = match.source.join(doc, doc.c.key == match.key)
            words = select().select_from(join).where(match.condition, *filters)
        categories = plan.analysis.categories
        if not categories:
            return words.add_columns(*listings(relevance, literal(0.0), source))
        # Every listing of the categories: the listings the words match already serve the place.
        in_category = self.dialect.in_categories(source, categories)
        words = words.add_columns(*listings(relevance, case((in_category, 1.0), else_=0.0), source))
        if match.any_word is None:
            return words
        # Read from the listings in the named categories, fewer than those that have any of the words; the keys of
        # those with any word are read once, into a temporary index, rather than the text index being asked again
        # for each listing (as the keys ``condition`` finds, each checked against two more lists: 27 -> 13 ms for
        # "caregiver support" at 100k services).
        in_named = _in_category_keys(categories).distinct().subquery("named")
        with_any_word = replace(match, condition=match.any_word).keys
        rest = (
            select(*listings(literal(0.0), literal(1.0)))
            .select_from(in_named.join(doc, doc.c.key == in_named.c.key))
            .where(doc.c.key.not_in(with_any_word), *filters)
        )
        return union_all(words, rest)

    async def service_ids(self, query: SearchQuery) -> set[UUID]:
        """Every service with a listing that matches, unranked: what the HSDS API's ``search`` and ``postcode``
        narrow its lists to. Opening hours and pages do not apply."""
        async with self.engine.connect() as connection:

            async def services(plan: Plan) -> Sequence[Row[Any]]:
                return (await connection.execute(select(doc.c.service_id).where(*plan.conditions))).all()

            _, rows = await self._found(connection, query, services, len)
            return {row.service_id for row in rows}

    async def _found(
        self,
        connection: AsyncConnection,
        query: SearchQuery,
        read: Callable[[Plan], Awaitable[Found]],
        listings: Callable[[Found], int],
        documents: bool = True,
    ) -> tuple[Plan, Found]:
        """What ``read`` finds for the search (and how many ``listings`` that is) with every distinctive word of the
        search required, except in the listings of the categories the words name (any will do there); when that
        finds fewer than FEW listings, with any of them. Any word alone made a search of two words weigh every
        listing with either: tens of thousands at 100k services ("caregiver support": 31k with either word, 5k with
        both), most of them about something else. Ranking is by any of the words either way, and a listing with
        every word ranks first among those with any anyway, so the seed region's judged searches rank as before;
        the looser search still finds the few where the words together are rare. (Meilisearch's ``last`` matching
        strategy also starts from every word.) ``documents``: whether ``read`` reads the plan's conditions on the
        documents (``Plan.documents``)."""
        plan = await self._plan(connection, query, documents=documents)
        rows = await read(plan)
        if plan.loosens and listings(rows) < FEW:
            plan = await self._plan(connection, query, loose=True, documents=documents)
            rows = await read(plan)
        return plan, rows

    async def listings(self, connection: AsyncConnection, query: SearchQuery) -> list[ColumnElement[bool]]:
        """The caller starts from listings of its own (a match, from the nearby listings of its categories), so the
        place does not narrow them (``_covering_services``)."""
        return (await self._plan(connection, query, narrowed=True)).conditions

    async def services_covering(self, connection: AsyncConnection, latitude: float, longitude: float) -> set[UUID]:
        """Services with a service-area polygon that covers the point, for an engine that cannot test polygons."""
        services = await self.dialect.covering_services(connection, latitude, longitude)
        return set((await connection.execute(services)).scalars())

    async def _plan(
        self,
        connection: AsyncConnection,
        query: SearchQuery,
        narrowed: bool = False,
        loose: bool = False,
        documents: bool = True,
    ) -> Plan:
        """What the search asks; ``narrowed`` when the caller starts from listings of its own; ``loose`` when a
        listing with any of the distinctive words will do (``_words``); ``documents`` unless the caller reads the
        texts alone when they answer (``Plan.documents``)."""
        analysis = analyse(query.text, await self.vocabulary.known(connection), self.lay_words)
        words, either = await self._words(connection, analysis.terms)
        every, place = not (either and loose), self._place_codes(query)
        match = None
        if words:
            match = await self.dialect.text_match(connection, words, every, place, analysis.categories)
        elif query.categories and self.dialect.ranks_texts_alone:
            # The chosen categories' texts near the place, through the text rows' indexes as for words: a top-level
            # category has thousands of listings nationwide ("food": 11k at 100k services), each of which was
            # looked up in the documents and tested against the place (a category near a ZIP, database time of the
            # bench's 45, shortest of three alternated with the code before: 767 -> 574 ms, p95 40 -> 20 ms).
            match = await self.dialect.text_match(connection, [], True, place, query.categories)
        loosens = either and not loose
        texts_only = None
        if self.dialect.ranks_texts_alone and match is not None:
            on_texts = await self._covering_services(connection, query, read_first=False, source=words_table)
            texts_only = [
                *self._status(words_table, query),
                *self._filters(connection, query, words_table),
                *served(self._places(query, on_texts, words_table)),
            ]
            if not documents and query.open_at is None:
                # Written for nothing, the conditions on the documents were about 1.3 ms of Python's part of a search
                # with words on PostgreSQL (planning 5.1 -> 3.8 ms: the covering services and the place's three
                # ways were written twice).
                return Plan(analysis, match, [], [], [], texts_only, loosens, documents=False)
        by_place = not narrowed and not analysis.terms and not query.categories
        covering = await self._covering_services(connection, query, read_first=by_place)
        serving = self._places(query, covering)
        narrowing = self._narrowing(analysis, match)
        filters = [*self._status(doc, query), *self._filters(connection, query)]
        plan = Plan(analysis, match, narrowing, filters, serving, texts_only, loosens, by_place=by_place)
        if query.open_at is None:
            return plan
        open_then = await opening.open_at(connection, query.open_at, self.default_timezone, plan.conditions)
        return replace(plan, open=open_then)

    async def _words(self, connection: AsyncConnection, terms: Sequence[str]) -> tuple[list[str], bool]:
        """The words a listing is matched on, and whether either of them could do (there are several, and a
        listing with all of them is not the only answer: ``_found``). A word that most listings share ("services",
        "help") says little about what is wanted, yet makes a search weigh nearly every listing: beside rarer words
        it is left out, so "senior services" is about seniors; when every word is common a listing must have them
        all, as "mental health" means both. (Lucene's common-terms query does the same.)"""
        common = [term for term in terms if len(terms) > 1 and await self.common(connection, term)]
        distinctive = [term for term in terms if term not in common]
        return distinctive or list(terms), len(distinctive) > 1

    def _place_codes(self, query: SearchQuery) -> list[str] | None:
        if query.latitude is None or query.longitude is None:
            return None
        return places.search_codes(query.latitude, query.longitude, query.radius_km, query.state, query.postal_code)

    def _narrowing(self, analysis: Analysis, match: TextMatch | None) -> list[ColumnElement[bool]]:
        """The listings that match the words or sit in a category a lay phrase among them names, read first through
        their indexes (the search statement joins them; ``service_ids`` and opening hours read this condition).
        Without words the filters narrow by themselves: the chosen categories through ``search_category``, the
        place through the index of each way of serving it (the listings near the point, without a site, or whose
        area covers it; ``places_apart``)."""
        if match is None:
            return []
        keys: Select[Any] | CompoundSelect[Any] = match.keys
        if analysis.categories:
            keys = union(keys, _in_category_keys(analysis.categories))
        return [doc.c.key.in_(keys)]

    def _status(self, source: Table, query: SearchQuery) -> list[ColumnElement[bool]]:
        """Only active listings unless inactive ones are asked for, as a condition on the documents or the texts."""
        return [] if query.include_inactive else [source.c.status == "active"]

    def _filters(
        self, connection: AsyncConnection, query: SearchQuery, source: Table = doc
    ) -> list[ColumnElement[bool]]:
        """The filters besides the status, on the documents or the texts (``source``)."""
        conditions: list[ColumnElement[bool]] = []
        if query.categories:
            conditions.append(self.dialect.in_categories(source, query.categories))
        if query.term_ids:
            attribute = models.attribute
            tagged = select(attribute.c.link_id).where(
                attribute.c.link_entity == "service", among(connection, attribute.c.taxonomy_term_id, query.term_ids)
            )
            conditions.append(source.c.service_id.in_(tagged))
        if query.language:
            conditions.append(source.c.language_codes.like(f"% {query.language} %"))
        if query.age is not None:
            conditions.append(or_(source.c.minimum_age.is_(None), source.c.minimum_age <= query.age))
            conditions.append(or_(source.c.maximum_age.is_(None), source.c.maximum_age >= query.age))
        if query.gender:
            unrestricted = and_(*(not_(source.c.eligibility_codes.like(f"% {g} %")) for g in GENDERS))
            conditions.append(or_(unrestricted, source.c.eligibility_codes.like(f"% {query.gender} %")))
        if query.free:
            conditions.append(source.c.free.is_(True))
        return conditions

    def _places(
        self, query: SearchQuery, covering: ColumnElement[bool] | None, source: Table = doc
    ) -> list[ColumnElement[bool]]:
        """The ways a listing serves the searcher's place: its service's area covers the point (``covering``),
        wherever its sites are; or its service names no area and the listing has no site (a hotline), or a site
        within the radius. They never overlap, so their listings can be read apart and added up. As conditions on
        the documents or the texts (``source``), as ``covering`` is. The commonest first: a database tests them in
        turn, and most listings near a point are sites of services without an area, which then skip the area codes
        and the covering services (filters around a point at 100k services, PostgreSQL: about 4% faster)."""
        if query.latitude is None or query.longitude is None or covering is None:
            return []
        no_area = not_(source.c.has_service_area)
        return [
            and_(no_area, self.dialect.within(query.latitude, query.longitude, query.radius_km, source)),
            and_(no_area, source.c.latitude.is_(None)),
            covering,
        ]

    async def _covering_services(
        self, connection: AsyncConnection, query: SearchQuery, read_first: bool, source: Table = doc
    ) -> ColumnElement[bool] | None:
        """The condition that a listing's service has an area that covers the searcher's point: its state or ZIP code
        (as the dialect finds them, ``covered_by``), or a polygon. When the place is what narrows the search
        (``read_first``: no words, no chosen categories), the services with a covering polygon are read as the
        dialect prefers (``among``): PostgreSQL then reads their listings through the index on the service, one arm
        of the BitmapOr of the ways of serving the place. Otherwise the words or categories find the few listings to
        check, and the covering services are read inside the statement, once, each listing checked against them: read
        first, PostgreSQL spent 6-11 ms fetching a state's 7k listings and checked each listing against the array
        (search at 100k services, back to back: p50 43 -> 35 ms; a match: 30 -> 14 ms). On the documents or the texts
        (``source``)."""
        if query.latitude is None or query.longitude is None:
            return None

        async def among(column: Any, values: Select[Any]) -> ColumnElement[bool]:
            return await self.dialect.among(connection, column, values) if read_first else column.in_(values)

        services = await self.dialect.covering_services(connection, query.latitude, query.longitude)
        by_polygon = await among(source.c.service_id, services)
        places = [code for code in (query.state, query.postal_code) if code]
        return or_(self.dialect.covered_by(places, source), by_polygon) if places else by_polygon

    def _score(self, matched: FromClause, located: bool) -> ColumnElement[float]:
        """The score of each listing the search ``matched``, from how it matched (its ``relevance``, whether it is
        ``in_category``), its ``distance_km`` when the search has a place, and its ``assured_date``."""
        tiers = verified_tiers(datetime.now(UTC).date())
        verified = case(*((matched.c.assured_date >= since, credit) for since, credit in tiers), else_=0.0)
        near: Any = literal(0.0)
        if located:  # matching.ranking.nearness, in SQL: search and matching weigh nearness alike
            # The distance is named once: SQLite writes the expression out wherever the column is named.
            near = func.coalesce(1.0 / (1.0 + matched.c.distance_km / NEAR_KM), REACHABLE)
        result: ColumnElement[float] = blend(matched.c.relevance, matched.c.in_category, near, verified)
        return result


def served(places: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """The condition that a listing serves the place one of these ways, if any are given."""
    return [or_(*places)] if places else []


def _overlaps(codes: ColumnElement[str], wanted: Sequence[str]) -> ColumnElement[bool]:
    """PostgreSQL: the space-separated ``codes`` name one of ``wanted``, written as the GIN indexes on such codes
    are (``string_to_array(codes, ' ')``), so that the planner finds them."""
    array = func.string_to_array(codes, literal_column("' '"))
    return array.op("&&")(cast(postgresql.array(wanted), postgresql.ARRAY(Text)))


def _fts_match(expression: str) -> ColumnElement[bool]:
    """SQLite's full-text condition: the FTS5 query ``expression`` matches the row of ``search_fts``."""
    return literal_column("search_fts").op("MATCH", is_comparison=True)(expression)


def _covered_keys(codes: Collection[str]) -> Select[Any]:
    """The keys of the documents whose service's area names one of these states or ZIP codes (search_coverage)."""
    coverage = models.search_coverage
    return select(coverage.c.key).where(coverage.c.code.in_(codes))


def _in_category_keys(codes: Collection[str]) -> Select[Any]:
    """The keys of the documents in any of these categories (or below them: a document lists its categories'
    parents too)."""
    return select(category.c.key).where(category.c.code.in_(sorted(codes)))
