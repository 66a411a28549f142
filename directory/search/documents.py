"""Search documents: what search reads about each service at each of its locations, derived from the catalog.

A document flattens what a search filters and ranks on (category and eligibility codes, languages, ages, cost,
coordinates, status) and the text it matches (names, categories in English and Spanish, descriptions). Documents
are rebuilt for every service an import touches, and for all of them by ``waypost reindex``; each rebuild queues its
services in the search outbox, in the same transaction, for an index outside the database (``outbox``).
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from directory import models
from directory.search import facts, opening, outbox, places
from directory.validation import area_geometry
from directory.vocabularies import Vocabularies
from waypost.db import among, bulk_insert

WORD_CHARACTER = "[a-z0-9]"  # of folded text (``fold``)
WORD = re.compile(f"{WORD_CHARACTER}+")
MIN_WORD, MAX_WORD = 3, 64  # shorter or longer runs of letters and digits are not words (``words``)
FREE = re.compile(r"^\s*(free|no cost|no charge|gratis|sin costo)\b", re.IGNORECASE)
WORD_COLUMNS = ("name_text", "category_text", "description_text", "description_es", "organization_name")
DEFAULT_LANGUAGE = "en"  # a US listing that names no language is taken to be offered in English
# The document's columns its text row repeats: what ranking, the facets, the filters, the place and the categories
# the words name read (models.search_text).
REPEATED = (
    "id", "status", "facet_codes", "language_codes", "assured_date",
    "service_id", "has_service_area", "area_codes", "latitude", "longitude", "category_codes",
    "eligibility_codes", "minimum_age", "maximum_age", "free",
)  # fmt: skip


class _Unaccented(dict[int, str]):
    """Each character as ``fold`` writes it (its compatibility decomposition without combining marks), worked out
    the first time it is met. Dropping the marks makes the decomposition of a text that of its characters in turn:
    only the marks' order differs."""

    def __missing__(self, character: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(character))
        self[character] = "".join(c for c in decomposed if not unicodedata.combining(c))
        return self[character]


UNACCENTED = _Unaccented()


def fold(text: str) -> str:
    """Lower case without accents, as both databases' text search compare words. A character at a time through a
    table (``str.translate``): decomposed and filtered in Python, Spanish descriptions were most of what reporting
    the words a page's listings matched cost (``results.finds``)."""
    if text.isascii():  # most text: nothing to strip, and this runs over every word an import writes
        return text.lower()
    return text.lower().translate(UNACCENTED)


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(fold(text)) if MIN_WORD <= len(w) <= MAX_WORD}


def language_code(code: str) -> str:
    """ISO 639-1 where the code has one ("spa" and "es" are both Spanish); other codes as given, lower case."""
    import pycountry  # loaded only when a three-letter code is met

    code = code.strip().lower()
    if len(code) == 3:
        language = pycountry.languages.get(alpha_3=code)
        if language is not None and getattr(language, "alpha_2", None):
            return str(language.alpha_2)
    return code


def _join(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p)


def facet_codes(categories: Iterable[str], languages: Iterable[str]) -> str:
    """What the facets count of a listing, in one column: its top categories (those of its ``categories`` with no
    parent), then its languages ("food housing|en es"). A search groups its matches by this one value: by the two
    apart, SQLite compared two strings at every step of sorting the matches (about a sixth of the instructions of a
    search that weighs 30k listings, migration 0016)."""
    top = {code for code in categories if "." not in code}
    return f"{' '.join(sorted(top))}|{' '.join(sorted(set(languages)))}"


def split_facet_codes(codes: str) -> tuple[list[str], list[str]]:
    """The top categories and the languages of ``facet_codes``."""
    categories, languages = codes.split("|")
    return categories.split(), languages.split()


def _codes(codes: Iterable[str]) -> str:
    """Space-delimited with a space at each end, so that LIKE '% code %' matches whole codes only."""
    return f" {' '.join(sorted(set(codes)))} " if codes else " "


async def _rows(connection: AsyncConnection, column: Any, ids: Collection[Any], *columns: Any) -> list[Any]:
    if not ids:
        return []
    return list(await connection.execute(select(*columns).where(among(connection, column, ids))))


async def refresh_statistics(connection: AsyncConnection) -> None:
    """Bring PostgreSQL's statistics of the search tables up to date once an import or a rebuild has rewritten them
    and committed: its planner estimates from them, and search reads from them which words are common
    (``CommonWords``). Autovacuum gets there too, but only after enough rows have changed, and minutes later.
    SQLite keeps no such statistics."""
    if connection.dialect.name == "postgresql":
        tables = "search_document, search_text, search_category, search_coverage, search_facts"
        await connection.execute(text(f"ANALYZE {tables}"))
        await connection.commit()


class DocumentWriter:
    """Rebuilds the search documents of services, batch after batch, inside one open transaction.

    It keeps the spelling vocabulary it has seen, so each batch adds only its new words without asking the database
    which of them it already knows (that lookup cost more than building the documents)."""

    def __init__(self, connection: AsyncConnection, vocabularies: Vocabularies) -> None:
        self.connection = connection
        self.vocabularies = vocabularies
        self._known_words: set[str] | None = None
        self._known_zones: set[str] | None = None

    async def rebuild(self, service_ids: Collection[UUID]) -> None:
        """Replace the search documents of these services with ones built from the catalog as it is now."""
        connection = self.connection
        if not service_ids:
            return
        s, sal, loc, org = models.service, models.service_at_location, models.location, models.organization
        services = await _rows(connection, s.c.id, service_ids, *s.c)
        at_locations = await _rows(
            connection, sal.c.service_id, service_ids, sal.c.id, sal.c.service_id, sal.c.location_id
        )
        location_ids = {row.location_id for row in at_locations if row.location_id}
        locations = {row.id: row for row in await _rows(connection, loc.c.id, location_ids, *loc.c)}
        organization_ids = {row.organization_id for row in services if row.organization_id}
        organizations = {
            row.id: row.name for row in await _rows(connection, org.c.id, organization_ids, org.c.id, org.c.name)
        }

        a, lang, cost = models.attribute, models.language, models.cost_option
        terms: dict[UUID, list[tuple[UUID, str | None]]] = defaultdict(list)
        for row in await _rows(
            connection, a.c.link_id, service_ids, a.c.link_id, a.c.link_entity, a.c.taxonomy_term_id, a.c.value
        ):
            if row.link_entity == "service" and row.taxonomy_term_id:
                terms[row.link_id].append((row.taxonomy_term_id, row.value))
        languages: dict[UUID, set[str]] = defaultdict(set)
        for row in await _rows(connection, lang.c.service_id, service_ids, lang.c.service_id, lang.c.code):
            if row.code:
                languages[row.service_id].add(language_code(row.code))
        for row in await _rows(connection, lang.c.location_id, location_ids, lang.c.location_id, lang.c.code):
            if row.code:
                languages[row.location_id].add(language_code(row.code))
        area, codes = models.service_area, models.service_area_postal_code
        area_rows = await _rows(connection, area.c.service_id, service_ids, *area.c)
        area_names: dict[UUID, list[str]] = defaultdict(list)
        for r in area_rows:
            name = r.name or (r.extent if r.extent_type == "text" else None)
            if name:
                area_names[r.service_id].append(name)
        # The states and ZIP codes each service names as its area: a search from one of them finds the service
        # through search_coverage, wherever its sites are.
        covered: dict[UUID, set[str]] = defaultdict(set)
        service_of_area = {r.id: r.service_id for r in area_rows}
        for r in area_rows:
            if r.state:
                covered[r.service_id].add(r.state)
        for row in await _rows(
            connection, codes.c.service_area_id, service_of_area, codes.c.service_area_id, codes.c.postal_code
        ):
            covered[service_of_area[row.service_area_id]].add(row.postal_code)
        polygon_bounds: dict[UUID, list[tuple[float, float, float, float]]] = defaultdict(list)
        for r in area_rows:
            if r.geojson:
                polygon_bounds[r.service_id].append(area_geometry(r.geojson).bounds)
        bounded = set(polygon_bounds) | set(covered)
        free: set[UUID] = set()
        for row in await _rows(
            connection, cost.c.service_id, service_ids, cost.c.service_id, cost.c.amount, cost.c.option
        ):
            if row.amount == 0 or FREE.match(row.option or ""):
                free.add(row.service_id)

        required: dict[UUID, list[str]] = defaultdict(list)
        needed = models.required_document
        for row in await _rows(connection, needed.c.service_id, service_ids, needed.c.service_id, needed.c.document):
            if row.document:
                required[row.service_id].append(row.document)
        address = models.address
        addresses: dict[UUID, str] = {}
        for row in await _rows(connection, address.c.location_id, location_ids, *address.c):
            parts = (row.address_1, row.address_2, row.city, row.state_province, row.postal_code)
            addresses.setdefault(row.location_id, ", ".join(part for part in parts if part))

        by_service: dict[UUID, list[Any]] = defaultdict(list)
        for row in at_locations:
            by_service[row.service_id].append(row)
        documents, texts, described = [], {}, {}
        for service in services:
            base, text = _document_fields(service, terms[service.id], self.vocabularies)
            text["organization_name"] = organizations.get(service.organization_id)
            base["free"] = service.id in free or bool(FREE.match(service.fees_description or ""))
            base["has_service_area"] = service.id in bounded
            base["area_codes"] = " ".join(sorted(covered[service.id]))
            for at_location in by_service[service.id] or [None]:
                location = locations.get(at_location.location_id) if at_location else None
                offered = languages[service.id] | (languages[location.id] if location else set()) or {DEFAULT_LANGUAGE}
                document_id = at_location.id if at_location else service.id
                document = {
                    **base,
                    "id": document_id,
                    "service_at_location_id": at_location.id if at_location else None,
                    "location_id": location.id if location else None,
                    "language_codes": _codes(offered),
                    "facet_codes": facet_codes(base["category_codes"].split(), offered),
                    "latitude": location.latitude if location else None,
                    "longitude": location.longitude if location else None,
                }
                documents.append(document)
                place_codes = places.document_codes(
                    document["latitude"], document["longitude"], covered[service.id], polygon_bounds[service.id]
                )
                repeated = {name: document[name] for name in REPEATED}
                texts[document_id] = {**text, **repeated, "place_codes": place_codes}
                described[document_id] = facts.Facts(
                    name=service.name,
                    name_es=service.name_es,
                    organization=text["organization_name"],
                    interpretation=service.interpretation_services,
                    terms=terms[service.id],
                    required_documents=required[service.id],
                    service_areas=area_names[service.id],
                    address=addresses.get(location.id) if location else None,
                )
        # Weekly spans name their schedule's zone or none (the default, applied when searching), so the default
        # given here never reaches what is stored.
        listings = [
            opening.Listing(d["id"], d["service_id"], d["service_at_location_id"], d["location_id"]) for d in documents
        ]
        stored_hours = {
            listing_id: opening.stored_form(listing_hours)
            for listing_id, listing_hours in (await opening.opening_hours(connection, listings, "UTC")).items()
        }
        for document in documents:
            document["hours"] = stored_hours[document["id"]][0]
        table = models.search_document
        await connection.execute(delete(table).where(among(connection, table.c.service_id, service_ids)))
        await bulk_insert(connection, table, documents)
        # The database numbers the documents; their words and categories refer to them by that number.
        numbered = select(table.c.id, table.c.key).where(among(connection, table.c.service_id, service_ids))
        keys = {row.id: row.key for row in await connection.execute(numbered)}
        await bulk_insert(connection, models.search_text, [{"key": keys[i], **text} for i, text in texts.items()])
        await bulk_insert(
            connection,
            models.search_facts,
            [{"key": keys[i], "facts": facts.encode(found).decode()} for i, found in described.items()],
        )
        cells = {
            document["id"]: places.near_cell(document["latitude"], document["longitude"])
            for document in documents
            if document["latitude"] is not None and document["longitude"] is not None
        }
        categories = [
            {"code": code, "key": keys[document["id"]], "cell": cells.get(document["id"])}
            for document in documents
            for code in document["category_codes"].split()
        ]
        await bulk_insert(connection, models.search_category, categories)
        coverage = [
            {"code": code, "key": keys[document["id"]]}
            for document in documents
            for code in sorted(covered[document["service_id"]])
        ]
        await bulk_insert(connection, models.search_coverage, coverage)
        spans = [
            {"key": keys[document_id], "zone": zone, "opens": opens, "closes": closes}
            for document_id, (_, document_spans) in stored_hours.items()
            for zone, opens, closes in document_spans
        ]
        await bulk_insert(connection, models.search_opening, spans)
        await self._add_zones({span["zone"] for span in spans} - {opening.DEFAULT_ZONE})
        await self._add_words(texts.values())
        await outbox.queue(connection, service_ids)

    async def _add_zones(self, zones: set[str]) -> None:
        table = models.search_zone
        if self._known_zones is None:
            self._known_zones = set((await self.connection.execute(select(table.c.zone))).scalars())
        new = zones - self._known_zones
        await bulk_insert(self.connection, table, [{"zone": zone} for zone in sorted(new)])
        self._known_zones |= new

    async def _add_words(self, texts: Iterable[dict[str, Any]]) -> None:
        """Grow the spelling vocabulary with the words of these documents."""
        table = models.search_term
        if self._known_words is None:
            self._known_words = set((await self.connection.execute(select(table.c.term))).scalars())
        found = {text[column] for text in texts for column in WORD_COLUMNS if text[column]}
        new = words(" ".join(found)) - self._known_words  # one pass over the batch's text, not one per field
        await bulk_insert(self.connection, table, [{"term": word} for word in sorted(new)])
        self._known_words |= new


def _document_fields(
    service: Any, terms: list[tuple[UUID, str | None]], vocabularies: Vocabularies
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What search filters on, and the words it matches, of one service."""
    categories: set[str] = set()
    eligibility: set[str] = set()
    category_names: list[str] = []
    eligibility_names: list[str] = []
    for term_id, _value in terms:
        term = vocabularies.by_id.get(term_id)
        if term is None:
            continue
        if term.taxonomy == "waypost-categories":
            for code in (term.code, term.parent):
                if code:
                    categories.add(code)
                    category_names += vocabularies.term("waypost-categories", code).name.values()
        elif term.taxonomy == "waypost-eligibility":
            eligibility.add(term.code)
            eligibility_names += term.name.values()
    filters = {
        "service_id": service.id,
        "organization_id": service.organization_id,
        "category_codes": _codes(categories),
        "eligibility_codes": _codes(eligibility),
        "status": service.status,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "assured_date": service.assured_date,
    }
    text = {
        "name_text": _join(service.name, service.alternate_name, service.name_es),
        "category_text": _join(*dict.fromkeys(category_names)),
        "description_text": service.description,
        "description_es": service.description_es,
        "eligibility_text": _join(
            service.eligibility_description, service.eligibility_description_es, *dict.fromkeys(eligibility_names)
        ),
    }
    return filters, text
