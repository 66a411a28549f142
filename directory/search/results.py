"""What every engine shares once it knows which listings match: the score, facets, opening hours, hits and pages.

The database engine computes the score in SQL and the Meilisearch engine in Python, from the same parts and the
same weights (``blend``), so that a search ranks alike whichever engine answers it. Hits are always described from
the catalog database, from the listings' search documents and facts, whatever found the listings.
"""

import functools
import math
import re
import time
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from directory import models
from directory.search import facts, opening
from directory.search.documents import MAX_WORD, MIN_WORD, WORD, WORD_CHARACTER, fold
from directory.search.opening import Sited
from directory.search.query import Analysis, Hit, SearchQuery, SearchResult, Synonyms
from directory.vocabularies import Vocabularies
from waypost.db import among

FACET_LANGUAGES = ("en", "es", "vi", "ru", "zh", "so", "ar", "uk", "ko", "tl", "fa", "fr", "ht", "pt", "km", "ase")
GENDERS = ("women", "men", "transgender-nonbinary")
WEIGHTS = {"text": 0.4, "category": 0.25, "distance": 0.3, "verified": 0.05}
MATCHED_TEXTS = ("name_text", "category_text", "description_text", "description_es", "eligibility_text")  # _matched's
NOTHING = re.compile(r"(?!)")  # finds nothing
VOCABULARY_SECONDS = 60  # how long the spelling vocabulary is trusted before it is read again


class Ranked(Sited, Protocol):
    """A matching listing with its score, as either engine ranks it."""

    @property
    def score(self) -> float: ...
    @property
    def distance_km(self) -> float | None: ...


def top_categories(vocabularies: Vocabularies) -> tuple[str, ...]:
    return tuple(
        term.code for term in vocabularies.terms.values() if term.taxonomy == "waypost-categories" and not term.parent
    )


def blend(text: Any, category: Any, nearness: Any, verified: Any) -> Any:
    """The score from its parts, each from 0 to 1; the same arithmetic serves floats and SQL expressions."""
    return (
        WEIGHTS["text"] * text
        + WEIGHTS["category"] * category
        + WEIGHTS["distance"] * nearness
        + WEIGHTS["verified"] * verified
    )


def verified_tiers(today: date) -> tuple[tuple[str, float], ...]:
    """(earliest ``assured_date``, credit): a listing checked within a year earns 1, within two years 0.5."""
    return ((today - timedelta(days=365)).isoformat(), 1.0), ((today - timedelta(days=730)).isoformat(), 0.5)


def verified(assured_date: str | None, today: date) -> float:
    return next((credit for since, credit in verified_tiers(today) if assured_date and assured_date >= since), 0.0)


class Vocabulary:
    """The words misspellings are corrected against: every word of the search documents, and the lay phrases'."""

    def __init__(self, lay_words: Synonyms) -> None:
        self.lay_words = lay_words
        self._known: frozenset[str] = frozenset()
        self._known_at = -math.inf

    async def known(self, connection: AsyncConnection) -> frozenset[str]:
        if time.monotonic() - self._known_at > VOCABULARY_SECONDS:
            terms = (await connection.execute(select(models.search_term.c.term))).scalars()
            self._known = frozenset(terms) | self.lay_words.words
            self._known_at = time.monotonic()
        return self._known


def count_facets(
    categories: Iterable[tuple[Collection[str], int]],
    languages: Iterable[tuple[Collection[str], int]],
    top_categories: Collection[str],
) -> dict[str, dict[str, int]]:
    """Matches per top category and per language, from (codes, how many listings have them) for each listing or
    group of alike listings: their category codes (each once), then their language codes."""
    return {"category": _tally(categories, top_categories), "language": _tally(languages, FACET_LANGUAGES)}


def _tally(groups: Iterable[tuple[Collection[str], int]], counted: Collection[str]) -> dict[str, int]:
    known = frozenset(counted)
    tally: Counter[str] = Counter()
    for codes, count in groups:
        for code in codes:
            if code in known:
                tally[code] += count
    return dict(tally)


async def build_hits(
    connection: AsyncConnection, rows: Sequence[Ranked], analysis: Analysis, at: datetime, default_timezone: str
) -> list[Hit]:
    """The page's listings described from their documents and facts (``search_facts``): names, organization,
    address, and open or not at ``at`` as the "open at" filter decides it. The page's few listings are tested here,
    in Python, rather than by more statements and conditions: their weekly spans as the filter tests them
    (``opening.open_in_spans``), their dated hours from their schedules. The texts are read only when there are
    words to report (``_matched``)."""
    if not rows:
        return []
    doc, text, fact = models.search_document, models.search_text, models.search_facts
    texts = [text.c[name] for name in MATCHED_TEXTS] if analysis.terms else []
    described = (
        select(
            doc.c.id,
            doc.c.organization_id,
            doc.c.latitude,
            doc.c.longitude,
            doc.c.hours,
            doc.c.category_codes,
            fact.c.facts,
            opening.weekly_spans(doc.c.key).label("spans"),
            *texts,
        )
        .join(fact, fact.c.key == doc.c.key)
        .where(among(connection, doc.c.id, [row.id for row in rows]))
    )
    if texts:
        described = described.join(text, text.c.key == doc.c.key)
    documents = {r.id: r for r in await connection.execute(described)}
    dated = [row for row in rows if documents[row.id].hours == opening.DATED]
    open_dated = await opening.open_listings(connection, dated, at, default_timezone)
    hits = []
    for row in rows:
        document = documents[row.id]
        about = facts.decode(document.facts)
        location = None
        if row.location_id and document.latitude is not None:
            location = {"lat": document.latitude, "lon": document.longitude, "address": about.address}
        open_now = None  # no hours given
        if document.hours == opening.DATED:
            open_now = row.id in open_dated
        elif document.hours is not None:
            open_now = opening.open_in_spans(document.spans, at, default_timezone)
        hits.append(
            Hit(
                service_id=row.service_id,
                service_at_location_id=row.service_at_location_id,
                name=about.name,
                organization={"id": document.organization_id, "name": about.organization},
                location=location,
                distance_km=round(row.distance_km, 2) if row.distance_km is not None else None,
                open_now=open_now,
                score=round(float(row.score), 4),
                matched=_matched(document, analysis),
                categories=document.category_codes.split(),
            )
        )
    return hits


def _matched(document: Any, analysis: Analysis) -> list[str]:
    """Which query words matched which field, and which categories the words pointed to, in words for people."""
    found: list[str] = []
    if analysis.terms:  # folding the texts is most of a hit's cost: only when there are words to find
        fields = {
            "name": fold(document.name_text or ""),
            "category": fold(document.category_text or ""),
            "description": fold(" ".join(t for t in (document.description_text, document.description_es) if t)),
            "eligibility": fold(document.eligibility_text or ""),
        }
        found = [f"{term} ({f})" for term in analysis.terms for f, text in fields.items() if finds(term).search(text)]
    found += [f"category {code}" for code in sorted(analysis.categories) if f" {code} " in document.category_codes]
    return list(dict.fromkeys(found))


@functools.lru_cache(maxsize=4096)
def finds(term: str) -> re.Pattern[str]:
    """What finds a query word in a folded text: a word of it (a run of ``documents.WORD``, MIN_WORD to MAX_WORD
    long, as ``documents.words`` splits texts) that is the term or, for a stem of four or more, starts with its
    crude stem, so that "pantries" is reported as matching "pantry", as the engines' stemmers did. Searched for in
    each text of the page's listings; the texts were split into sets of words, whose every word was then checked
    for the stem in Python: 1.7 ms of a search, 1.1 with this and ``documents.fold``'s table."""
    stem = term[:-3] if term.endswith("ies") else term.rstrip("s")
    alternatives = []
    if WORD.fullmatch(term) and MIN_WORD <= len(term) <= MAX_WORD:
        alternatives.append(term)
    if WORD.fullmatch(stem) and 4 <= len(stem) <= MAX_WORD:
        alternatives.append(f"{stem}{WORD_CHARACTER}{{0,{MAX_WORD - len(stem)}}}")
    if not alternatives:
        return NOTHING
    return re.compile(f"(?<!{WORD_CHARACTER})(?:{'|'.join(alternatives)})(?!{WORD_CHARACTER})")


def page_of(
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
