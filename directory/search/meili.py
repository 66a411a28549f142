"""Search with Meilisearch, kept in step with the catalog database through the search outbox.

Meilisearch matches and scores the words (typo tolerance, synonyms, its ranking rules), applies the strict filters
and measures distances. The database stays the source of truth and answers what Meilisearch cannot:

- **Polygon service areas.** Meilisearch's ``_geoPolygon`` keeps documents whose point lies inside a polygon given
  in the query, the opposite question. The database's engine finds the services whose polygons cover the
  searcher (shapely or PostGIS), and the filter names them: ``service_id IN [...]``. States and ZIP codes are
  filterable arrays on each document; services that name no area pass within ``_geoRadius``.
- **Ranking.** Each query sorts by ``_geoPoint`` and returns ``_rankingScore`` and ``_geoDistance``; the candidates
  are then ranked by the database engine's blend (``results.blend``) with Meilisearch's score as the text part, so
  that both engines rank alike. A listing matches when any of its words do (one query per word, each leading once,
  since Meilisearch drops words from the end only) or when it is in a category a lay phrase named (a query without
  words, filtered on those categories).
- **Opening hours and hits** are read from the database, as the database engine does (``directory.search.results``).

At most ``CANDIDATES`` listings per query are ranked, Meilisearch's own default ``maxTotalHits``: totals and facets
count the candidates, which is every match below that. The official client is synchronous (``requests``): each
call runs in a worker thread, with a client of its own (the client rewrites one shared header dict per request).
"""

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

import anyio.to_thread
import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchError
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory import models
from directory.search import outbox
from directory.search.database import DatabaseSearchEngine
from directory.search.opening import open_listings
from directory.search.query import (
    Analysis,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    analyse,
)
from directory.search.results import (
    GENDERS,
    blend,
    build_hits,
    count_facets,
    page_of,
    verified,
)
from directory.vocabularies import Vocabularies
from matching.ranking import nearness
from waypost.db import among

T = TypeVar("T")

CANDIDATES = 1000
LEADING_WORDS = 6  # words that lead a query of their own; later ones still count in every query
BATCH = 500  # services per push: the import's batch size
TIMEOUT_SECONDS = 10  # one HTTP request
# How long to wait for one indexing task (a batch of documents, settings, a swap): a server busy with other
# indexes may queue it behind their tasks.
TASK_TIMEOUT_MS = 600_000
FETCH_PAGE = 10_000  # documents per page when listing every service a filter keeps

# Names weigh most, then categories, the organization, descriptions and eligibility, as in the database engines.
SEARCHABLE = [
    "name_en",
    "name_es",
    "category_en",
    "category_es",
    "organization_name",
    "description_en",
    "description_es",
    "eligibility_en",
    "eligibility_es",
]
FILTERABLE = [
    "id",
    "service_id",
    "status",
    "category_codes",
    "taxonomy_term_ids",
    "language_codes",
    "eligibility_codes",
    "minimum_age",
    "maximum_age",
    "free",
    "has_service_area",
    "located",
    "area_states",
    "area_postal_codes",
    "_geo",
]
SORTABLE = ["_geo", "assured_date"]
# Meilisearch's ranking score weighs each rule by its place, the first most. Which field matched comes right after
# how many words did, so that the score, like the databases' weighted text rank, rates a match in a name well above
# one in a description; the blend uses it as the text part. Sorting (distance) only orders within those buckets.
RANKING_RULES = ["words", "attribute", "typo", "proximity", "sort", "exactness"]
RETRIEVED = [
    "id",
    "service_id",
    "service_at_location_id",
    "location_id",
    "category_codes",
    "language_codes",
    "assured_date",
]


@dataclass(frozen=True)
class SyncReport:
    services: int = 0
    documents: int = 0


@dataclass(frozen=True)
class ReindexReport:
    index: str
    services: int
    documents: int
    replaced: bool  # whether an index of that name existed and was swapped out


@dataclass
class Candidate:
    """A matching listing: what ranking, facets and hits need from Meilisearch."""

    id: UUID
    service_id: UUID
    service_at_location_id: UUID | None
    location_id: UUID | None
    category_codes: list[str]
    language_codes: list[str]
    assured_date: str | None
    distance_km: float | None
    text: float = 0.0
    score: float = 0.0


def quoted(value: str) -> str:
    """A filter value: always quoted, so that no value can be read as an operator or a number."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def any_of(attribute: str, values: Iterable[Any]) -> str:
    return f"{attribute} IN [{', '.join(quoted(str(value)) for value in values)}]"


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _join(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def term_names(vocabularies: Vocabularies, taxonomy: str, codes: Iterable[str], language: str) -> list[str]:
    """The names of Waypost terms in one language, each once."""
    terms = (vocabularies.terms.get((taxonomy, code)) for code in codes)
    return list(dict.fromkeys(term.name[language] for term in terms if term is not None))


class MeiliSearchEngine:
    """The ``SearchEngine`` backed by a Meilisearch index of the catalog's search documents."""

    name = "meilisearch"

    def __init__(
        self,
        engine: AsyncEngine,
        vocabularies: Vocabularies,
        default_timezone: str,
        *,
        url: str,
        api_key: str = "",
        index: str = "waypost",
    ) -> None:
        self.engine = engine
        self.vocabularies = vocabularies
        self.default_timezone = default_timezone
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.index = index
        # The database engine answers the polygon question, and shares its lay words and spelling vocabulary.
        self.database = DatabaseSearchEngine(engine, vocabularies, default_timezone)
        self.top_categories = self.database.top_categories
        self.lay_words = self.database.lay_words
        self.vocabulary = self.database.vocabulary

    # -- talking to Meilisearch -------------------------------------------------------------------------------------

    async def _call(self, work: Callable[[meilisearch.Client], T]) -> T:
        def run() -> T:
            try:
                return work(meilisearch.Client(self.url, self.api_key or None, timeout=TIMEOUT_SECONDS))
            except MeilisearchError as error:
                raise SearchUnavailable(f"Meilisearch at {self.url}: {error}") from error

        return await anyio.to_thread.run_sync(run)

    @staticmethod
    def _wait(client: meilisearch.Client, task_uid: int) -> None:
        task = client.wait_for_task(task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=50)
        if task.status != "succeeded":
            raise SearchUnavailable(f"Meilisearch task {task_uid} ({task.type}) {task.status}: {task.error}")

    async def healthy(self) -> bool:
        try:
            return await self._call(lambda client: client.is_healthy())
        except SearchUnavailable:
            return False

    def settings(self) -> dict[str, Any]:
        """The index settings. Synonyms send each lay phrase to the names of the categories it means, in English
        and Spanish, so a phrase finds listings by their category as well as by their words."""
        names = {
            " ".join(phrase): list(
                dict.fromkeys(
                    name.lower()
                    for language in ("en", "es")
                    for name in term_names(self.vocabularies, "waypost-categories", sorted(codes), language)
                )
            )
            for phrase, codes in self.lay_words.phrases.items()
        }
        return {
            "searchableAttributes": SEARCHABLE,
            "filterableAttributes": FILTERABLE,
            "sortableAttributes": SORTABLE,
            "rankingRules": RANKING_RULES,
            "synonyms": names,
            "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
            "localizedAttributes": [
                {"attributePatterns": ["*_es"], "locales": ["spa"]},
                {"attributePatterns": ["*_en"], "locales": ["eng"]},
            ],
            "pagination": {"maxTotalHits": CANDIDATES},
        }

    # -- searching --------------------------------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> SearchResult:
        async with self.engine.connect() as connection:
            analysis = analyse(query.text, await self.vocabulary.known(connection), self.lay_words)
            filters = await self._filter(connection, query)
            candidates = await self._candidates(connection, query, analysis, filters)
            at = query.open_at or datetime.now(UTC)
            if query.open_at is not None:
                # Meilisearch cannot test opening hours: they are evaluated for each candidate here.
                open_now = await open_listings(connection, candidates, query.open_at, self.default_timezone)
                candidates = [c for c in candidates if c.id in open_now]
            facets = count_facets(
                ((c.category_codes, 1) for c in candidates),
                ((c.language_codes, 1) for c in candidates),
                self.top_categories,
            )
            start = (query.page - 1) * query.per_page
            page = candidates[start : start + query.per_page]
            hits = await build_hits(connection, page, analysis, at, self.default_timezone)
            return page_of(query, len(candidates), hits, facets, analysis)

    async def listings(self, connection: AsyncConnection, query: SearchQuery) -> list[ColumnElement[bool]]:
        """The listings of the services the index finds. Without words (a match's question: the listings serving a
        place) the catalog database answers itself: the index mirrors its documents and place rules, and both
        engines give the same listings without words (tests/search/test_meili.py), whereas the index would be paged
        through for every document serving the place, tens of thousands in a city."""
        if not query.text.strip():
            return await self.database.listings(connection, query)
        return [among(connection, models.search_document.c.service_id, await self.service_ids(query))]

    async def service_ids(self, query: SearchQuery) -> set[UUID]:
        """Every service with a matching listing. Without words no ranking is needed, so every document the filter
        keeps is listed, page by page, beyond ``CANDIDATES``."""
        async with self.engine.connect() as connection:
            analysis = analyse(query.text, await self.vocabulary.known(connection), self.lay_words)
            filters = await self._filter(connection, query)
            if analysis.terms:
                return {c.service_id for c in await self._candidates(connection, query, analysis, filters)}

        def fetch(client: meilisearch.Client) -> set[UUID]:
            found: set[UUID] = set()
            offset = 0
            while True:
                parameters: dict[str, Any] = {"fields": ["service_id"], "limit": FETCH_PAGE, "offset": offset}
                if filters:
                    parameters["filter"] = filters
                page = client.index(self.index).get_documents(parameters)
                found |= {UUID(document.service_id) for document in page.results}
                offset += FETCH_PAGE
                if offset >= page.total:
                    return found

        return await self._call(fetch)

    async def _filter(self, connection: AsyncConnection, query: SearchQuery) -> str:
        """The strict filters as one Meilisearch filter expression (empty when nothing is filtered)."""
        parts = []
        if not query.include_inactive:
            parts.append(f"status = {quoted('active')}")
        if query.categories:
            parts.append(any_of("category_codes", query.categories))
        if query.term_ids:
            parts.append(any_of("taxonomy_term_ids", query.term_ids))
        if query.language:
            parts.append(f"language_codes = {quoted(query.language)}")
        if query.age is not None:
            age = float(query.age)
            parts.append(f"(minimum_age IS NULL OR minimum_age <= {age!r})")
            parts.append(f"(maximum_age IS NULL OR maximum_age >= {age!r})")
        if query.gender:
            parts.append(f"(NOT {any_of('eligibility_codes', GENDERS)} OR eligibility_codes = {quoted(query.gender)})")
        if query.free:
            parts.append("free = true")
        if query.latitude is not None and query.longitude is not None:
            parts.append(await self._serves_point(connection, query, query.latitude, query.longitude))
        return " AND ".join(parts)

    async def _serves_point(
        self, connection: AsyncConnection, query: SearchQuery, latitude: float, longitude: float
    ) -> str:
        """Services whose area covers the point, wherever their sites are; others only within the radius."""
        covers = []
        polygons = await self.database.services_covering(connection, latitude, longitude)
        if polygons:
            covers.append(any_of("service_id", sorted(polygons)))
        if query.state:
            covers.append(f"area_states = {quoted(query.state)}")
        if query.postal_code:
            covers.append(f"area_postal_codes = {quoted(query.postal_code)}")
        radius = f"_geoRadius({latitude!r}, {longitude!r}, {query.radius_km * 1000.0!r})"
        covers.append(f"(has_service_area = false AND (located = false OR {radius}))")
        return f"({' OR '.join(covers)})"

    async def _candidates(
        self, connection: AsyncConnection, query: SearchQuery, analysis: Analysis, filters: str
    ) -> list[Candidate]:
        """The matching listings, ranked by the blend, best first."""
        located = query.latitude is not None and query.longitude is not None
        base: dict[str, Any] = {
            "indexUid": self.index,
            "limit": CANDIDATES,
            "attributesToRetrieve": RETRIEVED,
            "showRankingScore": True,
            # Nearest first within Meilisearch's own relevance buckets, so the candidates are the nearest ones
            # too; without a place, the most recently verified, as the blend prefers.
            "sort": [f"_geoPoint({query.latitude!r}, {query.longitude!r}):asc" if located else "assured_date:desc"],
        }
        if filters:
            base["filter"] = filters
        terms = analysis.terms
        queries = [
            {**base, "q": " ".join(terms[lead:] + terms[:lead]), "matchingStrategy": "last"}
            for lead in range(min(len(terms), LEADING_WORDS))
        ]
        worded = len(queries)
        if analysis.categories and terms:
            named = any_of("category_codes", sorted(analysis.categories))
            queries.append({**base, "q": "", "filter": f"({filters}) AND {named}" if filters else named})
        if not terms:
            queries.append({**base, "q": ""})
        results = await self._call(lambda client: client.multi_search(queries)["results"])
        found: dict[str, Candidate] = {}
        for number, result in enumerate(results):
            for hit in result["hits"]:
                candidate = found.get(hit["id"])
                if candidate is None:
                    distance = hit.get("_geoDistance")
                    candidate = found[hit["id"]] = Candidate(
                        id=UUID(hit["id"]),
                        service_id=UUID(hit["service_id"]),
                        service_at_location_id=_uuid(hit.get("service_at_location_id")),
                        location_id=_uuid(hit.get("location_id")),
                        category_codes=hit["category_codes"],
                        language_codes=hit["language_codes"],
                        assured_date=hit.get("assured_date"),
                        distance_km=distance / 1000.0 if distance is not None else None,
                    )
                if number < worded:
                    candidate.text = max(candidate.text, float(hit["_rankingScore"]))
        # The catalog is the source of truth: a listing it no longer has, whose removal has not reached the index
        # yet (the push failed and waits in the outbox), is left out rather than shown from stale data.
        document = models.search_document
        present = await connection.execute(
            select(document.c.id).where(among(connection, document.c.id, [c.id for c in found.values()]))
        )
        kept = set(present.scalars())
        today = datetime.now(UTC).date()
        for candidate in found.values():
            category = 1.0 if analysis.categories & set(candidate.category_codes) else 0.0
            near = nearness(candidate.distance_km) if located else 0.0
            candidate.score = blend(candidate.text, category, near, verified(candidate.assured_date, today))
        return sorted(
            (c for c in found.values() if c.id in kept),
            key=lambda c: (-c.score, c.distance_km is None, c.distance_km or 0.0, c.id),
        )

    # -- keeping the index in step ----------------------------------------------------------------------------------

    async def sync(self) -> SyncReport:
        """Push the documents of every queued service (none left means its documents are deleted), then clear
        what was pushed. On failure the services stay queued and ``SearchUnavailable`` is raised."""
        async with self.engine.connect() as connection:
            queued = await outbox.pending(connection)
        if not queued:
            return SyncReport()
        await self._call(self._ensure_index)
        services = documents = 0
        for start in range(0, len(queued), BATCH):
            batch = queued[start : start + BATCH]
            service_ids = [q.service_id for q in batch]
            async with self.engine.connect() as connection:
                found = await index_documents(connection, service_ids, self.vocabularies)
            await self._call(partial(self._replace, found=found, service_ids=service_ids))
            async with self.engine.begin() as connection:
                await outbox.clear(connection, batch)
            services += len(batch)
            documents += len(found)
        return SyncReport(services, documents)

    def _ensure_index(self, client: meilisearch.Client) -> None:
        if not self._exists(client, self.index):
            self._create(client, self.index)

    @staticmethod
    def _exists(client: meilisearch.Client, name: str) -> bool:
        try:
            client.get_index(name)
        except MeilisearchApiError as error:
            if error.code == "index_not_found":
                return False
            raise
        return True

    def _create(self, client: meilisearch.Client, name: str) -> None:
        self._wait(client, client.create_index(name, {"primaryKey": "id"}).task_uid)
        self._wait(client, client.index(name).update_settings(self.settings()).task_uid)

    def _add(self, client: meilisearch.Client, name: str, found: list[dict[str, Any]]) -> None:
        self._wait(client, client.index(name).add_documents(found, primary_key="id").task_uid)

    def _replace(self, client: meilisearch.Client, found: list[dict[str, Any]], service_ids: Sequence[UUID]) -> None:
        """These services' documents become ``found``: added or updated first, then any others they had deleted,
        so a listing never disappears from search while it is replaced."""
        index = client.index(self.index)
        stale = any_of("service_id", service_ids)
        if found:
            self._add(client, self.index, found)
            stale += f" AND NOT {any_of('id', [document['id'] for document in found])}"
        self._wait(client, index.delete_documents(filter=stale).task_uid)

    async def reindex(self) -> ReindexReport:
        """Build a fresh index from every search document as ``<index>_tmp``, swap it in, delete the old one."""
        temporary = f"{self.index}_tmp"
        async with self.engine.connect() as connection:
            covered = await outbox.pending(connection)  # read first: everything queued so far is in the documents
            document = models.search_document
            service_ids = list(
                (
                    await connection.execute(select(document.c.service_id).distinct().order_by(document.c.service_id))
                ).scalars()
            )

        def prepare(client: meilisearch.Client) -> bool:
            if self._exists(client, temporary):  # left over from an interrupted run
                self._wait(client, client.delete_index(temporary).task_uid)
            self._create(client, temporary)
            if self._exists(client, self.index):
                return True
            self._create(client, self.index)  # swapping needs both indexes to exist
            return False

        replaced = await self._call(prepare)
        documents = 0
        for start in range(0, len(service_ids), BATCH):
            async with self.engine.connect() as connection:
                found = await index_documents(connection, service_ids[start : start + BATCH], self.vocabularies)
            await self._call(partial(self._add, name=temporary, found=found))
            documents += len(found)

        def swap(client: meilisearch.Client) -> None:
            self._wait(client, client.swap_indexes([{"indexes": [self.index, temporary]}]).task_uid)
            self._wait(client, client.delete_index(temporary).task_uid)

        await self._call(swap)
        async with self.engine.begin() as connection:
            await outbox.clear(connection, covered)
        return ReindexReport(self.index, len(service_ids), documents, replaced)


async def index_documents(
    connection: AsyncConnection, service_ids: Collection[UUID], vocabularies: Vocabularies
) -> list[dict[str, Any]]:
    """The Meilisearch documents of these services: one per search document (same id), with its text split by
    language for ``localizedAttributes``, its codes as arrays, its service's area facts, and ``_geo``."""
    if not service_ids:
        return []
    doc, service, attribute = models.search_document, models.service, models.attribute
    area, codes = models.service_area, models.service_area_postal_code
    words = models.search_text
    rows = list(
        await connection.execute(
            select(doc, words.c.organization_name)
            .join(words, words.c.key == doc.c.key)
            .where(among(connection, doc.c.service_id, service_ids))
        )
    )
    texts = {
        row.id: row
        for row in await connection.execute(
            select(
                service.c.id,
                service.c.name,
                service.c.alternate_name,
                service.c.name_es,
                service.c.description,
                service.c.description_es,
                service.c.eligibility_description,
                service.c.eligibility_description_es,
            ).where(among(connection, service.c.id, service_ids))
        )
    }
    states: dict[UUID, set[str]] = {}
    for row in await connection.execute(
        select(area.c.service_id, area.c.state).where(
            among(connection, area.c.service_id, service_ids), area.c.state.is_not(None)
        )
    ):
        states.setdefault(row.service_id, set()).add(row.state)
    postal_codes: dict[UUID, set[str]] = {}
    for row in await connection.execute(
        select(area.c.service_id, codes.c.postal_code)
        .join(codes, codes.c.service_area_id == area.c.id)
        .where(among(connection, area.c.service_id, service_ids))
    ):
        postal_codes.setdefault(row.service_id, set()).add(row.postal_code)
    term_ids: dict[UUID, set[str]] = {}
    for row in await connection.execute(
        select(attribute.c.link_id, attribute.c.taxonomy_term_id).where(
            among(connection, attribute.c.link_id, service_ids),
            attribute.c.link_entity == "service",
            attribute.c.taxonomy_term_id.is_not(None),
        )
    ):
        term_ids.setdefault(row.link_id, set()).add(str(row.taxonomy_term_id))

    documents = []
    for row in rows:
        text = texts[row.service_id]
        category_codes, eligibility_codes = row.category_codes.split(), row.eligibility_codes.split()
        located = row.latitude is not None and row.longitude is not None
        document: dict[str, Any] = {
            "id": str(row.id),
            "service_id": str(row.service_id),
            "service_at_location_id": str(row.service_at_location_id) if row.service_at_location_id else None,
            "location_id": str(row.location_id) if row.location_id else None,
            "name_en": _join(text.name, text.alternate_name),
            "name_es": text.name_es or "",
            "organization_name": row.organization_name or "",
            "category_en": " ".join(term_names(vocabularies, "waypost-categories", category_codes, "en")),
            "category_es": " ".join(term_names(vocabularies, "waypost-categories", category_codes, "es")),
            "description_en": text.description or "",
            "description_es": text.description_es or "",
            "eligibility_en": _join(
                text.eligibility_description, *term_names(vocabularies, "waypost-eligibility", eligibility_codes, "en")
            ),
            "eligibility_es": _join(
                text.eligibility_description_es,
                *term_names(vocabularies, "waypost-eligibility", eligibility_codes, "es"),
            ),
            "category_codes": category_codes,
            "eligibility_codes": eligibility_codes,
            "language_codes": row.language_codes.split(),
            "taxonomy_term_ids": sorted(term_ids.get(row.service_id, ())),
            "status": row.status,
            "minimum_age": row.minimum_age,
            "maximum_age": row.maximum_age,
            "free": row.free,
            "has_service_area": row.has_service_area,
            "area_states": sorted(states.get(row.service_id, ())),
            "area_postal_codes": sorted(postal_codes.get(row.service_id, ())),
            "located": located,
            "assured_date": row.assured_date,
        }
        if located:
            document["_geo"] = {"lat": row.latitude, "lng": row.longitude}
        documents.append(document)
    return documents
