"""What a search asks for, what it finds, and how typed words become search terms.

Every engine receives the same ``SearchQuery`` and the same ``Analysis`` of its text: the words to match (spelling
corrected against the index vocabulary) and the categories that lay words and synonyms point to ("food stamps" is
SNAP, "un albergue" is a shelter). Engines differ only in how they match and rank.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import msgspec
import yaml
from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from directory.search.documents import WORD, fold

SYNONYMS_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "synonyms.yaml"
# Words that carry no search meaning in English or Spanish requests for help ("i need a bed tonight").
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "can",
        "do",
        "for",
        "from",
        "get",
        "have",
        "help",
        "how",
        "i",
        "im",
        "in",
        "is",
        "it",
        "me",
        "my",
        "need",
        "near",
        "of",
        "on",
        "or",
        "our",
        "please",
        "some",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "want",
        "we",
        "what",
        "where",
        "who",
        "with",
        "you",
        "your",
        "al",
        "algo",
        "con",
        "de",
        "del",
        "el",
        "en",
        "es",
        "la",
        "las",
        "los",
        "mi",
        "me",
        "necesito",
        "para",
        "por",
        "que",
        "se",
        "un",
        "una",
        "unos",
        "y",
        "yo",
        "ayuda",
    ]
)
MIN_TERM_LENGTH = 2  # a lone letter or digit ("section 8") matches everything; phrases still catch it
MIN_CORRECTED_LENGTH = 3  # shorter words are kept as typed: too many near neighbours


class SearchQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A search, with every filter already checked and resolved (a ZIP to its centroid, a time to a zone)."""

    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    postal_code: str | None = None  # the ZIP of the point, given or nearest: service areas list ZIPs
    state: str | None = None  # the state of the point: statewide services cover it
    radius_km: float = 40.0
    categories: tuple[str, ...] = ()  # Waypost category codes; a service in any of them (or below) passes
    term_ids: tuple[UUID, ...] = ()  # other taxonomy terms (not Waypost's): a service tagged with any passes
    language: str | None = None  # ISO 639-1 where one exists
    age: float | None = None
    gender: str | None = None  # "women", "men" or "transgender-nonbinary", Waypost's eligibility codes
    open_at: datetime | None = None  # timezone-aware
    free: bool = False
    include_inactive: bool = False
    page: int = 1
    per_page: int = 20


class Hit(msgspec.Struct, kw_only=True):
    service_id: UUID
    service_at_location_id: UUID | None
    name: str
    organization: dict[str, Any]
    location: dict[str, Any] | None
    distance_km: float | None
    open_now: bool | None
    score: float
    matched: list[str]
    categories: list[str]


class SearchResult(msgspec.Struct, kw_only=True):
    total_items: int
    total_pages: int
    page_number: int
    size: int
    contents: list[Hit]
    facets: dict[str, dict[str, int]]
    did_you_mean: str | None = None


class SearchUnavailable(RuntimeError):
    """The search engine could not answer (a search server down or refusing a request); the API says 503."""


class SearchEngine(Protocol):
    """What every engine offers: the database's own (SQLite, PostgreSQL) and Meilisearch."""

    name: str

    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def service_ids(self, query: SearchQuery) -> set[UUID]: ...

    async def listings(self, connection: AsyncConnection, query: SearchQuery) -> list[ColumnElement[bool]]:
        """Conditions on the catalog database's search documents that keep the listings the query finds, unranked:
        for a statement of the database's own (the match's nearest services) to read them where they are."""
        ...


@dataclass(frozen=True)
class Analysis:
    terms: tuple[str, ...]  # words to match and rank by, folded and corrected
    categories: frozenset[str]  # categories the words point to through synonyms
    corrected: str | None  # the whole text as corrected, when any word was


@dataclass(frozen=True)
class Synonyms:
    phrases: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)

    @property
    def words(self) -> set[str]:
        return {word for phrase in self.phrases for word in phrase}


@cache
def synonyms(path: Path = SYNONYMS_FILE) -> Synonyms:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    phrases: dict[tuple[str, ...], set[str]] = {}
    for index, entry in enumerate(data.get("synonyms") or []):
        if not entry.get("term") or not entry.get("categories"):
            raise ValueError(f"{path}: synonyms[{index}] needs a term and its categories")
        phrases.setdefault(tuple(WORD.findall(fold(entry["term"]))), set()).update(entry["categories"])
    return Synonyms({phrase: frozenset(codes) for phrase, codes in phrases.items() if phrase})


def analyse(text: str, known: frozenset[str], lay_words: Synonyms) -> Analysis:
    """Split ``text`` into search terms, find the categories its phrases name, and correct misspelled words
    against ``known`` (the index vocabulary and the synonyms' words)."""
    words = WORD.findall(fold(text))
    corrected_words = [_correct(word, known) for word in words]
    categories: set[str] = set()
    longest = max((len(p) for p in lay_words.phrases), default=0)
    start = 0
    while start < len(corrected_words):
        for length in range(min(longest, len(corrected_words) - start), 0, -1):
            codes = lay_words.phrases.get(tuple(corrected_words[start : start + length]))
            if codes:
                categories |= codes
                start += length
                break
        else:
            start += 1
    terms = tuple(dict.fromkeys(w for w in corrected_words if w not in STOP_WORDS and len(w) >= MIN_TERM_LENGTH))
    corrected = " ".join(corrected_words) if corrected_words != words else None
    return Analysis(terms, frozenset(categories), corrected)


# Spellings by sound that edit distance rates as far apart ("detoks" for "detox").
SOUNDS_LIKE = (("ks", "x"), ("ph", "f"), ("ck", "k"), ("kw", "qu"))


def _correct(word: str, known: frozenset[str]) -> str:
    if word in known or len(word) < MIN_CORRECTED_LENGTH or word.isdigit() or word in STOP_WORDS:
        return word
    for candidate in dict.fromkeys([word, _sounded_out(word)]):
        if candidate in known:
            return candidate
        match = process.extractOne(candidate, known, scorer=fuzz.ratio, score_cutoff=80)
        if match:
            return str(match[0])
    return word


def _sounded_out(word: str) -> str:
    for spelled, sound in SOUNDS_LIKE:
        word = word.replace(spelled, sound)
    return word
