"""An in-memory Meilisearch: the documented HTTP API, served to the official (``requests``-based) client through
``responses``, so the Meilisearch engine is tested without a server.

It implements what Waypost sends, the way Meilisearch documents it, and answers anything else with the error a
server gives (400 ``bad_request`` for an unknown search parameter, ``invalid_search_filter`` for an attribute that
is not filterable, and so on):

- indexes (create, get, delete, swap), settings, documents (add or replace, delete by filter, fetch with a filter),
  and tasks, which are processed as they are enqueued: an enqueued task has already succeeded or failed;
- search and multi-search (not federated): ``q`` matched word by word with typo tolerance (one typo from 5
  letters, two from 9, a wrong first letter counting twice), the last word as a prefix, multi-word synonyms, the
  ``last`` and ``all`` matching strategies; the ranking rules ``words``, ``typo``, ``proximity``, ``attribute``,
  ``sort`` and ``exactness`` as buckets in their order, and ``_rankingScore`` merged from their ranks the way
  Meilisearch's ``score_details.rs`` does; ``filter`` in the string syntax (``AND``/``OR``/``NOT``, parentheses,
  comparisons, ``IN``, ``IS NULL``, ``EXISTS``, ``_geoRadius``), ``sort`` on attributes and ``_geoPoint`` (which
  adds ``_geoDistance``), ``facets``, ``limit``/``offset`` within ``pagination.maxTotalHits``.

Not implemented: stemming (Meilisearch has none either), word splitting and concatenation, the ``frequency``
matching strategy, ``_geoBoundingBox``/``_geoPolygon``, federated search, and ranking by attribute position beyond
the first matched word.
"""

import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses
from rapidfuzz import process
from rapidfuzz.distance import OSA

FAKE_URL = "http://meilisearch.test"
EARTH_RADIUS_M = 6_371_008.8
MAX_QUERY_WORDS = 10
MAX_PROXIMITY = 7
BUILTIN_RULES = ("words", "typo", "proximity", "attribute", "sort", "exactness")
SETTINGS = {
    "searchableAttributes": ["*"],
    "displayedAttributes": ["*"],
    "filterableAttributes": [],
    "sortableAttributes": [],
    "rankingRules": list(BUILTIN_RULES),
    "synonyms": {},
    "stopWords": [],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "localizedAttributes": None,
    "pagination": {"maxTotalHits": 1000},
}
SEARCH_PARAMETERS = {
    "q",
    "filter",
    "sort",
    "limit",
    "offset",
    "attributesToRetrieve",
    "showRankingScore",
    "matchingStrategy",
    "facets",
}
TOKEN = re.compile(r"[^\W_]+")
DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,511}$")

Response = tuple[int, dict[str, str], str]


class ApiError(Exception):
    """An error Meilisearch answers synchronously, with its code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class TaskFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _now() -> str:
    # The client's models parse timestamps with microseconds only.
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def tokens(text: Any) -> list[str]:
    """Lower case, accents removed, split on anything that is not a letter or a digit (as charabia does for
    Latin script)."""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    return TOKEN.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_lng = math.radians(lng2 - lng1)
    a = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lng / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# -- filters ----------------------------------------------------------------------------------------------------------

FILTER_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|>=|<=|=|>|<)|(?P<punct>[()\[\],])"""
    r"""|(?P<word>[^\s()\[\],=!<>"']+))"""
)
KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "NULL", "EMPTY", "EXISTS", "TO"}
Predicate = Callable[[dict[str, Any]], bool]


@dataclass
class _Token:
    kind: str  # string, op, punct, word, keyword
    text: str


def _filter_tokens(expression: str) -> list[_Token]:
    found, position = [], 0
    expression = expression.rstrip()
    while position < len(expression):
        match = FILTER_TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise ApiError(400, "invalid_search_filter", f"Was expecting a value at `{expression[position:]}`")
        position = match.end()
        kind = match.lastgroup or "word"
        text = match.group(kind)
        if kind == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "word" and text.upper() in KEYWORDS:
            kind, text = "keyword", text.upper()
        found.append(_Token(kind, text))
    return found


class FilterParser:
    """Meilisearch's filter grammar, as far as Waypost writes it: NOT binds tighter than AND, AND than OR."""

    def __init__(self, expression: str, filterable: list[str]) -> None:
        self.items = _filter_tokens(expression)
        self.position = 0
        self.filterable = filterable

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.position != len(self.items):
            raise ApiError(400, "invalid_search_filter", f"Unexpected `{self.items[self.position].text}`")
        return predicate

    def _peek(self, kind: str, text: str | None = None) -> bool:
        if self.position >= len(self.items):
            return False
        item = self.items[self.position]
        return item.kind == kind and (text is None or item.text == text)

    def _take(self, kind: str, text: str | None = None) -> _Token:
        if not self._peek(kind, text):
            got = self.items[self.position].text if self.position < len(self.items) else "the end"
            raise ApiError(400, "invalid_search_filter", f"Was expecting {text or kind}, found `{got}`")
        self.position += 1
        return self.items[self.position - 1]

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek("keyword", "OR"):
            self._take("keyword", "OR")
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else lambda d: any(p(d) for p in parts)

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._peek("keyword", "AND"):
            self._take("keyword", "AND")
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else lambda d: all(p(d) for p in parts)

    def _not(self) -> Predicate:
        if self._peek("keyword", "NOT"):
            self._take("keyword", "NOT")
            inner = self._not()
            return lambda d: not inner(d)
        if self._peek("punct", "("):
            self._take("punct", "(")
            inner = self._or()
            self._take("punct", ")")
            return inner
        return self._condition()

    def _attribute(self) -> str:
        name = self._take("word").text if self._peek("word") else self._take("string").text
        if name != "_geoRadius" and name not in self.filterable:
            raise ApiError(
                400,
                "invalid_search_filter",
                f"Attribute `{name}` is not filterable. Available filterable attributes are: "
                f"`{', '.join(sorted(self.filterable))}`.",
            )
        return name

    def _value(self) -> str:
        if self._peek("string"):
            return self._take("string").text
        return self._take("word").text

    def _condition(self) -> Predicate:
        if self._peek("word", "_geoRadius"):
            return self._geo_radius()
        name = self._attribute()
        if self._peek("op"):
            operator, value = self._take("op").text, self._value()
            return lambda d: _compare(d, name, operator, value)
        negated = False
        if self._peek("keyword", "NOT"):
            self._take("keyword", "NOT")
            negated = True
        if self._peek("keyword", "IN"):
            self._take("keyword", "IN")
            self._take("punct", "[")
            values = []
            while not self._peek("punct", "]"):
                values.append(self._value())
                if not self._peek("punct", "]"):
                    self._take("punct", ",")
            self._take("punct", "]")
            return lambda d: negated != any(_compare(d, name, "=", v) for v in values)
        if self._peek("keyword", "EXISTS"):
            self._take("keyword", "EXISTS")
            return lambda d: negated != (name in d)
        self._take("keyword", "IS")
        if self._peek("keyword", "NOT"):
            self._take("keyword", "NOT")
            negated = not negated
        if self._peek("keyword", "NULL"):
            self._take("keyword", "NULL")
            return lambda d: negated != (name in d and d[name] is None)
        self._take("keyword", "EMPTY")
        return lambda d: negated != (name in d and d[name] in ("", [], {}))

    def _geo_radius(self) -> Predicate:
        self._take("word", "_geoRadius")
        if "_geo" not in self.filterable:
            raise ApiError(400, "invalid_search_filter", "Attribute `_geo` is not filterable.")
        self._take("punct", "(")
        numbers = [float(self._value())]
        while self._peek("punct", ","):
            self._take("punct", ",")
            numbers.append(float(self._value()))
        self._take("punct", ")")
        if len(numbers) != 3:
            raise ApiError(400, "invalid_search_filter", "_geoRadius takes a latitude, a longitude and a distance")
        lat, lng, metres = numbers
        return lambda d: _has_geo(d) and _distance_m(lat, lng, *_geo_of(d)) <= metres


def _values(document: dict[str, Any], name: str) -> list[Any]:
    value = document.get(name)
    return value if isinstance(value, list) else [value]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(document: dict[str, Any], name: str, operator: str, wanted: str) -> bool:
    """True if any of the attribute's values (an array counts value by value) satisfies the comparison."""
    if name not in document:
        return False
    matched = False
    for value in _values(document, name):
        if operator in ("=", "!="):
            if isinstance(value, bool):
                same = str(value).lower() == wanted.lower()
            elif _number(value) is not None and _number(wanted) is not None:
                same = _number(value) == _number(wanted)
            else:
                same = value is not None and str(value).lower() == wanted.lower()
            matched = matched or same
        else:
            number, limit = _number(value), _number(wanted)
            if number is not None and limit is not None:
                matched = matched or {">": number > limit, ">=": number >= limit, "<": number < limit}.get(
                    operator, number <= limit
                )
    return matched if operator != "!=" else not matched


def _has_geo(document: dict[str, Any]) -> bool:
    return isinstance(document.get("_geo"), dict)


def _geo_of(document: dict[str, Any]) -> tuple[float, float]:
    return float(document["_geo"]["lat"]), float(document["_geo"]["lng"])


# -- ranking ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rank:
    """A rule's verdict as Meilisearch's ``score_details::Rank``: ``rank`` of ``max_rank``, higher is better."""

    rank: int
    max_rank: int

    @staticmethod
    def merge(outer: "Rank", inner: "Rank") -> "Rank":
        return Rank((max(outer.rank - 1, 0)) * inner.max_rank + inner.rank, outer.max_rank * inner.max_rank)

    @staticmethod
    def global_score(ranks: list["Rank"]) -> float:
        merged = Rank(1, 1)
        for rank in ranks:
            merged = Rank.merge(merged, rank)
        return merged.rank / merged.max_rank


@dataclass
class WordMatch:
    """Where a query word matched a document, through every derivation (exact, typo, prefix, synonym): each rule
    takes the best derivation for itself, as Meilisearch's rules each walk the derivations."""

    typos: int
    exact: bool
    positions: list[tuple[int, int]]  # (attribute index, word position)

    def add(self, typos: int, exact: bool, positions: list[tuple[int, int]]) -> None:
        self.typos = min(self.typos, typos)
        self.exact = self.exact or exact
        self.positions += positions


@dataclass
class FakeIndex:
    uid: str
    primary_key: str | None
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(SETTINGS)))
    _postings: dict[str, dict[str, list[tuple[int, int]]]] | None = None
    _fields: dict[str, list[list[str]]] | None = None

    def info(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "primaryKey": self.primary_key,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def changed(self) -> None:
        self.updated_at = _now()
        self._postings = self._fields = None

    def searchable(self, document: dict[str, Any]) -> list[str]:
        names = self.settings["searchableAttributes"]
        if names == ["*"]:
            return [name for name, value in document.items() if isinstance(value, str) and name != self.primary_key]
        return list(names)

    def postings(self) -> tuple[dict[str, dict[str, list[tuple[int, int]]]], dict[str, list[list[str]]]]:
        """token -> document id -> (attribute, position), and each document's tokens per searchable attribute."""
        if self._postings is None or self._fields is None:
            self._postings, self._fields = {}, {}
            names = self.settings["searchableAttributes"]
            for key, document in self.documents.items():
                attributes = self.searchable(document) if names == ["*"] else names
                per_field = []
                for fid, name in enumerate(attributes):
                    value = document.get(name)
                    words = tokens(" ".join(map(str, value)) if isinstance(value, list) else value or "")
                    per_field.append(words)
                    for position, word in enumerate(words):
                        self._postings.setdefault(word, {}).setdefault(key, []).append((fid, position))
                self._fields[key] = per_field
        return self._postings, self._fields


class FakeMeilisearch:
    """One in-memory server. ``unreachable`` makes every request fail to connect; ``failing_tasks`` names task
    types (``documentAdditionOrUpdate``, ...) that fail when processed."""

    def __init__(self, url: str = FAKE_URL, api_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.indexes: dict[str, FakeIndex] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.unreachable = False
        self.failing_tasks: set[str] = set()
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, JSON body) of every request received
        self._uids = itertools.count()

    @contextmanager
    def serving(self) -> Iterator["FakeMeilisearch"]:
        """Answer every request to ``url`` while the block runs (other hosts are not intercepted)."""
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.add_passthru(re.compile(r"^(?!" + re.escape(self.url) + ").*"))
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                mock.add_callback(method, re.compile(re.escape(self.url) + r"/.*"), callback=self._handle)
            yield self

    def index(self, uid: str) -> FakeIndex:
        return self.indexes[uid]

    # -- HTTP -------------------------------------------------------------------------------------------------------

    def _handle(self, request: requests.PreparedRequest) -> Response | Exception:
        if self.unreachable:
            return requests.ConnectionError(f"Connection refused: {self.url}")
        parts = urlsplit(request.url or "")
        body = json.loads(request.body) if isinstance(request.body, (str, bytes)) and request.body else None
        method = request.method or "GET"
        self.requests.append((method, parts.path, body))
        public = parts.path == "/health"  # as on a server, the only route that needs no key
        if self.api_key and not public and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(ApiError(403, "invalid_api_key", "The provided API key is invalid."))
        try:
            status, answer = self._route(method, parts.path.strip("/").split("/"), parse_qs(parts.query), body)
        except ApiError as error:
            return _error(error)
        return status, {"Content-Type": "application/json"}, json.dumps(answer)

    def _route(self, method: str, path: list[str], query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        match method, path:
            case "GET", ["health"]:
                return 200, {"status": "available"}
            case "POST", ["indexes"]:
                return self._enqueue("indexCreation", body["uid"], lambda: self._create(body["uid"], body))
            case "GET", ["indexes", uid]:
                return 200, self._existing(uid).info()
            case "DELETE", ["indexes", uid]:
                return self._enqueue("indexDeletion", uid, lambda: self._delete_index(uid))
            case "GET", ["indexes", uid, "settings"]:
                return 200, self._existing(uid).settings
            case "PATCH", ["indexes", uid, "settings"]:
                _check_settings(body)
                return self._enqueue("settingsUpdate", uid, lambda: self._update_settings(uid, body))
            case "POST", ["indexes", uid, "documents"]:
                primary_key = query.get("primaryKey", [None])[0]
                return self._enqueue("documentAdditionOrUpdate", uid, lambda: self._add(uid, body, primary_key))
            case "POST", ["indexes", uid, "documents", "delete"]:
                return self._enqueue("documentDeletion", uid, lambda: self._delete_documents(uid, body["filter"]))
            case "POST", ["indexes", uid, "documents", "fetch"]:
                return 200, self._fetch(self._existing(uid), body or {})
            case "POST", ["indexes", uid, "search"]:
                return 200, self._search(self._existing(uid), body or {})
            case "POST", ["multi-search"]:
                if body.get("federation") is not None:
                    raise ApiError(400, "bad_request", "the fake does not federate searches")
                results = []
                for search in body["queries"]:
                    search = dict(search)
                    uid = search.pop("indexUid")
                    results.append({"indexUid": uid, **self._search(self._existing(uid), search)})
                return 200, {"results": results}
            case "POST", ["swap-indexes"]:
                return self._enqueue("indexSwap", None, lambda: self._swap(body))
            case "GET", ["tasks", uid]:
                if int(uid) not in self.tasks:
                    raise ApiError(404, "task_not_found", f"Task `{uid}` not found.")
                return 200, self.tasks[int(uid)]
        raise ApiError(404, "not_found", f"{method} /{'/'.join(path)} is not a route of the fake")

    def _existing(self, uid: str) -> FakeIndex:
        if uid not in self.indexes:
            raise ApiError(404, "index_not_found", f"Index `{uid}` not found.")
        return self.indexes[uid]

    # -- tasks ------------------------------------------------------------------------------------------------------

    def _enqueue(self, kind: str, uid: str | None, work: Callable[[], None]) -> tuple[int, Any]:
        number = next(self._uids)
        enqueued = _now()
        task: dict[str, Any] = {
            "uid": number,
            "indexUid": uid,
            "status": "succeeded",
            "type": kind,
            "details": {},
            "error": None,
            "duration": "PT0S",
            "enqueuedAt": enqueued,
            "startedAt": enqueued,
            "finishedAt": enqueued,
        }
        try:
            if kind in self.failing_tasks:
                raise TaskFailure("internal", f"{kind} failed (a failure the test asked for)")
            work()
        except TaskFailure as failure:
            task["status"] = "failed"
            task["error"] = {
                "message": failure.message,
                "code": failure.code,
                "type": "invalid_request",
                "link": f"https://docs.meilisearch.com/errors#{failure.code}",
            }
        self.tasks[number] = task
        return 202, {"taskUid": number, "indexUid": uid, "status": "enqueued", "type": kind, "enqueuedAt": enqueued}

    def _create(self, uid: str, body: dict[str, Any]) -> None:
        if uid in self.indexes:
            raise TaskFailure("index_already_exists", f"Index `{uid}` already exists.")
        self.indexes[uid] = FakeIndex(uid, body.get("primaryKey"))

    def _delete_index(self, uid: str) -> None:
        if uid not in self.indexes:
            raise TaskFailure("index_not_found", f"Index `{uid}` not found.")
        del self.indexes[uid]

    def _update_settings(self, uid: str, body: dict[str, Any]) -> None:
        index = self.indexes.setdefault(uid, FakeIndex(uid, None))
        for name, value in body.items():
            if isinstance(value, dict) and isinstance(index.settings.get(name), dict) and name != "synonyms":
                index.settings[name] = {**index.settings[name], **value}
            else:
                index.settings[name] = SETTINGS[name] if value is None else value
        index.changed()

    def _add(self, uid: str, documents: list[dict[str, Any]], primary_key: str | None) -> None:
        index = self.indexes.setdefault(uid, FakeIndex(uid, primary_key))  # adding documents creates the index
        if index.primary_key is None:
            index.primary_key = primary_key
        elif primary_key is not None and primary_key != index.primary_key:
            raise TaskFailure("index_primary_key_already_exists", f"Index `{uid}` already has a primary key.")
        key = index.primary_key
        if key is None:
            raise TaskFailure("index_primary_key_no_candidate_found", "The primary key inference failed.")
        for document in documents:  # a task is atomic: check everything before changing anything
            identifier = document.get(key)
            if not isinstance(identifier, (str, int)) or not DOCUMENT_ID.match(str(identifier)):
                raise TaskFailure("invalid_document_id", f"Document identifier `{identifier!r}` is invalid.")
            if "_geo" in document and document["_geo"] is not None:
                geo = document["_geo"]
                if (
                    not isinstance(geo, dict)
                    or set(geo) != {"lat", "lng"}
                    or not all(isinstance(geo[k], (int, float)) for k in geo)
                    or not (-90 <= geo["lat"] <= 90 and -180 <= geo["lng"] <= 180)
                ):
                    raise TaskFailure("invalid_document_geo_field", f"Document `{identifier}` has a bad `_geo`.")
        for document in documents:
            index.documents[str(document[key])] = json.loads(json.dumps(document))
        index.changed()

    def _delete_documents(self, uid: str, expression: str) -> None:
        index = self.indexes.get(uid)
        if index is None:
            raise TaskFailure("index_not_found", f"Index `{uid}` not found.")
        try:
            keep = FilterParser(expression, index.settings["filterableAttributes"]).parse()
        except ApiError as error:
            raise TaskFailure("invalid_document_filter", error.message) from None
        index.documents = {k: d for k, d in index.documents.items() if not keep(d)}
        index.changed()

    def _swap(self, body: list[dict[str, Any]]) -> None:
        for swap in body:
            first, second = swap["indexes"]
            for uid in (first, second):
                if uid not in self.indexes:
                    raise TaskFailure("index_not_found", f"Index `{uid}` not found.")
            a, b = self.indexes[first], self.indexes[second]
            self.indexes[first] = FakeIndex(first, b.primary_key, b.created_at, _now(), b.documents, b.settings)
            self.indexes[second] = FakeIndex(second, a.primary_key, a.created_at, _now(), a.documents, a.settings)

    # -- reading ----------------------------------------------------------------------------------------------------

    def _fetch(self, index: FakeIndex, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"filter", "fields", "limit", "offset"}
        if unknown:
            raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`")
        documents = list(index.documents.values())
        if body.get("filter"):
            keep = FilterParser(body["filter"], index.settings["filterableAttributes"]).parse()
            documents = [d for d in documents if keep(d)]
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 20))
        fields = body.get("fields")
        page = [{k: v for k, v in d.items() if not fields or k in fields} for d in documents[offset : offset + limit]]
        return {"results": page, "offset": offset, "limit": limit, "total": len(documents)}

    def _search(self, index: FakeIndex, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - SEARCH_PARAMETERS
        if unknown:
            raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`")
        settings = index.settings
        documents = index.documents
        if body.get("filter"):
            expression = body["filter"]
            if not isinstance(expression, str):
                raise ApiError(400, "invalid_search_filter", "the fake reads string filters only")
            keep = FilterParser(expression, settings["filterableAttributes"]).parse()
            documents = {k: d for k, d in documents.items() if keep(d)}
        sort = [_sort_criterion(criterion, settings["sortableAttributes"]) for criterion in body.get("sort") or []]
        for facet in body.get("facets") or []:
            if facet not in settings["filterableAttributes"]:
                raise ApiError(400, "invalid_search_facets", f"Attribute `{facet}` is not filterable.")
        strategy = body.get("matchingStrategy", "last")
        if strategy not in ("last", "all"):
            raise ApiError(400, "bad_request", f"the fake does not implement matchingStrategy {strategy}")
        words = tokens(body.get("q") or "")[:MAX_QUERY_WORDS]
        ranked = _rank(index, documents, words, strategy, sort) if words else _browse(documents, sort)
        reachable = ranked[: settings["pagination"]["maxTotalHits"]]
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 20))
        retrieve = body.get("attributesToRetrieve") or ["*"]
        hits = []
        for key, score in reachable[offset : offset + limit]:
            document = index.documents[key]
            hit = {k: v for k, v in document.items() if retrieve == ["*"] or k in retrieve}
            for geo in (c for c in sort if c[0] == "_geoPoint"):
                if _has_geo(document):
                    hit["_geoDistance"] = round(_distance_m(geo[2], geo[3], *_geo_of(document)))
            if body.get("showRankingScore"):
                hit["_rankingScore"] = score
            hits.append(hit)
        answer: dict[str, Any] = {
            "hits": hits,
            "query": body.get("q") or "",
            "processingTimeMs": 0,
            "limit": limit,
            "offset": offset,
            "estimatedTotalHits": len(reachable),
        }
        if body.get("facets"):
            answer["facetDistribution"] = {
                facet: _distribution(index.documents[key].get(facet) for key, _ in ranked) for facet in body["facets"]
            }
        return answer


def _distribution(values: Iterator[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                name = str(item).lower() if isinstance(item, bool) else str(item)
                counts[name] = counts.get(name, 0) + 1
    return counts


def _check_settings(body: dict[str, Any]) -> None:
    for name in body:
        if name not in SETTINGS:
            raise ApiError(400, "bad_request", f"Unknown field `{name}`")
    for rule in body.get("rankingRules") or []:
        if rule not in BUILTIN_RULES and not re.match(r"^[\w.]+:(asc|desc)$", rule):
            raise ApiError(400, "invalid_settings_ranking_rules", f"`{rule}` ranking rule is invalid.")


def _sort_criterion(criterion: str, sortable: list[str]) -> tuple[Any, ...]:
    geo = re.match(r"^_geoPoint\(\s*([-\d.eE]+)\s*,\s*([-\d.eE]+)\s*\):(asc|desc)$", criterion)
    if geo:
        if "_geo" not in sortable:
            raise ApiError(400, "invalid_search_sort", "Attribute `_geo` is not sortable.")
        return ("_geoPoint", geo.group(3), float(geo.group(1)), float(geo.group(2)))
    plain = re.match(r"^([\w.]+):(asc|desc)$", criterion)
    if plain is None:
        raise ApiError(400, "invalid_search_sort", f"Invalid syntax for the sort parameter: `{criterion}`.")
    if plain.group(1) not in sortable:
        raise ApiError(400, "invalid_search_sort", f"Attribute `{plain.group(1)}` is not sortable.")
    return ("attribute", plain.group(2), plain.group(1))


def _sort_key(document: dict[str, Any], sort: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Ascending keys: documents without a value come last either way, as in Meilisearch."""
    key: list[Any] = []
    for criterion in sort:
        if criterion[0] == "_geoPoint":
            value: Any = _distance_m(criterion[2], criterion[3], *_geo_of(document)) if _has_geo(document) else None
        else:
            value = document.get(criterion[2])
        if value is None:
            key.append((1, 0, ""))
            continue
        number = _number(value)
        descending = criterion[1] == "desc"
        if number is not None:
            key.append((0, -number if descending else number, ""))
        else:
            # Strings sort after numbers.
            key.append((0, math.inf, _Descending(str(value)) if descending else str(value)))
    return tuple(key)


@dataclass(frozen=True)
class _Descending:
    text: str

    def __lt__(self, other: "_Descending") -> bool:
        return self.text > other.text


def _browse(documents: dict[str, dict[str, Any]], sort: list[tuple[Any, ...]]) -> list[tuple[str, float]]:
    order = sorted(documents, key=lambda key: _sort_key(documents[key], sort)) if sort else list(documents)
    return [(key, 1.0) for key in order]


def _derivations(
    word: str, last: bool, vocabulary: list[str], typo_settings: dict[str, Any]
) -> dict[str, tuple[int, bool]]:
    """Index words that match a query word: token -> (typos, exact)."""
    allowed = _allowed_typos(word, typo_settings)
    found: dict[str, tuple[int, bool]] = {}
    if allowed:
        for token, typos, _ in process.extract(word, vocabulary, scorer=OSA.distance, score_cutoff=allowed, limit=None):
            typos = int(typos) + (1 if token[:1] != word[:1] else 0)  # a wrong first letter counts as two typos
            if typos <= allowed:
                found[token] = (typos, typos == 0)
    if last:
        for token in vocabulary:
            if token.startswith(word) and token not in found:
                found[token] = (0, token == word)
    found[word] = (0, True)
    return found


def _rank(
    index: FakeIndex,
    documents: dict[str, dict[str, Any]],
    words: list[str],
    strategy: str,
    sort: list[tuple[Any, ...]],
) -> list[tuple[str, float]]:
    postings, fields = index.postings()
    settings = index.settings
    vocabulary = list(postings)
    count = len(words)
    matches: list[dict[str, WordMatch]] = [{} for _ in words]
    for number, word in enumerate(words):
        derived = _derivations(word, number == count - 1, vocabulary, settings["typoTolerance"])
        for token, (typos, exact) in derived.items():
            for key, positions in postings.get(token, {}).items():
                if key not in documents:
                    continue
                known = matches[number].get(key)
                if known is None:
                    matches[number][key] = WordMatch(typos, exact, list(positions))
                else:
                    known.add(typos, exact, positions)
    _add_synonyms(index, documents, words, matches)
    allowed = [_allowed_typos(word, settings["typoTolerance"]) for word in words]
    rules = settings["rankingRules"]
    ranked = []
    for key in documents:
        matched = 0
        while matched < count and key in matches[matched]:
            matched += 1
        if matched == 0 or (strategy == "all" and matched < count):
            continue
        found = [matches[number][key] for number in range(matched)]
        buckets: list[Any] = []
        scored: list[Rank] = []
        for rule in rules:
            if rule == "sort":
                buckets.append(_sort_key(index.documents[key], sort))
                continue
            ranks = _rule(rule, found, matched, count, allowed, fields[key], words)
            scored += ranks
            buckets.append(tuple(-rank.rank / rank.max_rank for rank in ranks))
        ranked.append((tuple(buckets), key, Rank.global_score(scored)))
    ranked.sort(key=lambda item: item[0])
    return [(key, score) for _, key, score in ranked]


def _allowed_typos(word: str, typo_settings: dict[str, Any]) -> int:
    sizes = typo_settings.get("minWordSizeForTypos", {})
    if not typo_settings.get("enabled", True):
        return 0
    return 2 if len(word) >= sizes.get("twoTypos", 9) else 1 if len(word) >= sizes.get("oneTypo", 5) else 0


def _rule(
    rule: str,
    found: list[WordMatch],
    matched: int,
    count: int,
    allowed: list[int],
    fields: list[list[str]],
    words: list[str],
) -> list[Rank]:
    if rule == "words":
        return [Rank(matched, count)]
    if rule == "typo":
        most = sum(allowed[:matched])
        return [Rank(most + 1 - min(sum(m.typos for m in found), most), most + 1)]
    if rule == "proximity":
        if matched < 2:
            return [Rank(1, 1)]
        cost = sum(_pair_cost(found[n], found[n + 1]) for n in range(matched - 1))
        most = MAX_PROXIMITY * (matched - 1) + 1
        return [Rank(most - cost, most)]
    if rule == "attribute":
        attributes = max(len(fields), 1)
        best = max(min(fid for fid, _ in m.positions) for m in found)
        first = min(position for fid, position in found[0].positions if fid == min(f for f, _ in found[0].positions))
        return [Rank(attributes - best, attributes), Rank(11 - min(first, 10), 11)]
    if rule == "exactness":
        if any(words == field for field in fields):
            return [Rank(3, 3)]
        if any(field[: len(words)] == words for field in fields):
            return [Rank(2, 3)]
        exact = sum(1 for m in found if m.exact)
        return [Rank(1, 3), Rank(exact + 1, count + 1)]
    raise ApiError(400, "invalid_settings_ranking_rules", f"the fake does not rank by {rule}")


def _pair_cost(first: WordMatch, second: WordMatch) -> int:
    best = MAX_PROXIMITY
    for fid, position in first.positions:
        for other_fid, other_position in second.positions:
            if fid == other_fid:
                gap = other_position - position if other_position > position else position - other_position + 1
                best = min(best, min(gap, MAX_PROXIMITY + 1) - 1)
    return best


def _add_synonyms(
    index: FakeIndex, documents: dict[str, dict[str, Any]], words: list[str], matches: list[dict[str, WordMatch]]
) -> None:
    """A phrase of the query with synonyms also matches documents holding one of them, word for word."""
    synonyms = {" ".join(tokens(key)): values for key, values in index.settings["synonyms"].items()}
    _, fields = index.postings()
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            alternatives = synonyms.get(" ".join(words[start:end]))
            if not alternatives:
                continue
            for alternative in (tokens(a) for a in alternatives):
                if not alternative:
                    continue
                for key in documents:
                    for fid, field_words in enumerate(fields[key]):
                        for position in range(len(field_words) - len(alternative) + 1):
                            if field_words[position : position + len(alternative)] != alternative:
                                continue
                            for offset, number in enumerate(range(start, end)):
                                spot = (fid, position + min(offset, len(alternative) - 1))
                                known = matches[number].get(key)
                                if known is None:
                                    matches[number][key] = WordMatch(0, False, [spot])
                                else:
                                    known.add(0, False, [spot])


def _error(error: ApiError) -> Response:
    body = {
        "message": error.message,
        "code": error.code,
        "type": "invalid_request",
        "link": f"https://docs.meilisearch.com/errors#{error.code}",
    }
    return error.status, {"Content-Type": "application/json"}, json.dumps(body)
