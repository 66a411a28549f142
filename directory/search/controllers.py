"""``GET /api/v1/search``: turn query parameters into a checked ``SearchQuery`` and run it on the configured engine."""

import re
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import get
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, QueryParameter

from directory import geo
from directory.search.documents import language_code
from directory.search.query import SearchEngine, SearchQuery, SearchResult
from directory.vocabularies import Vocabularies
from waypost.settings import Settings

GENDER_WORDS = {
    "women": "women", "woman": "women", "female": "women", "f": "women",
    "men": "men", "man": "men", "male": "men", "m": "men",
    "transgender-nonbinary": "transgender-nonbinary", "nonbinary": "transgender-nonbinary",
    "non-binary": "transgender-nonbinary", "transgender": "transgender-nonbinary", "trans": "transgender-nonbinary",
}  # fmt: skip
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}$")


def _invalid(field: str, message: str) -> ValidationException:
    return ValidationException(
        detail=f"{field}: {message}", extra=[{"key": field, "source": "query", "message": message}]
    )


def _taxonomy(values: list[str], vocabularies: Vocabularies) -> tuple[tuple[str, ...], tuple[UUID, ...]]:
    """Each value is a Waypost category code, an Open Eligibility code or an HSDS taxonomy_term id."""
    categories: list[str] = []
    term_ids: list[UUID] = []
    by_id = {term.id: term.code for term in vocabularies.terms.values() if term.taxonomy == "waypost-categories"}
    for value in values:
        value = value.strip()
        if ("waypost-categories", value) in vocabularies.terms:
            categories.append(value)
        elif value.isdigit() and value in vocabularies.open_eligibility:
            kind, code = vocabularies.open_eligibility[value]
            if kind != "category":
                raise _invalid("taxonomy", f"Open Eligibility {value} is a situation, not a kind of service")
            categories.append(code)
        else:
            try:
                identifier = UUID(value)
            except ValueError:
                raise _invalid(
                    "taxonomy", f"{value!r} is not a category code, an Open Eligibility code or a term id"
                ) from None
            if identifier in by_id:
                categories.append(by_id[identifier])
            else:
                term_ids.append(identifier)
    return tuple(dict.fromkeys(categories)), tuple(dict.fromkeys(term_ids))


def search_query(
    settings: Settings,
    vocabularies: Vocabularies,
    *,
    q: str = "",
    lat: float | None = None,
    lon: float | None = None,
    postal_code: str | None = None,
    radius_km: float = 40.0,
    taxonomy: list[str] | None = None,
    language: str | None = None,
    age: int | None = None,
    gender: str | None = None,
    open_now: bool = False,
    open_at: datetime | None = None,
    free: bool = False,
    include_inactive: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> SearchQuery:
    """A checked ``SearchQuery`` from search parameters (their ranges already checked), or a ``ValidationException``
    naming the parameter. The API and the public pages both build their queries here."""
    if (lat is None) != (lon is None):
        raise _invalid("lon" if lon is None else "lat", "lat and lon go together: give both or neither")
    place = None
    if postal_code is not None:
        place = geo.postal_code(postal_code)
        if place is None:
            raise _invalid("postal_code", f"{postal_code!r} is not a known US ZIP code")
        lat, lon = place.latitude, place.longitude
    elif lat is not None and lon is not None:
        place = geo.nearest_postal_code(lat, lon)
    if language is not None and not LANGUAGE_CODE.match(language):
        raise _invalid("language", f"{language!r} is not an ISO 639-1 or 639-3 language code")
    if gender is not None and gender.strip().lower() not in GENDER_WORDS:
        raise _invalid("gender", f"{gender!r} is not one of women, men, transgender-nonbinary")
    if open_at is not None and open_at.tzinfo is None:
        open_at = open_at.replace(tzinfo=ZoneInfo(settings.default_timezone))
    categories, term_ids = _taxonomy(taxonomy or [], vocabularies)
    return SearchQuery(
        text=q.strip(),
        latitude=lat,
        longitude=lon,
        postal_code=place.code if place else None,
        state=place.state if place else None,
        radius_km=radius_km,
        categories=categories,
        term_ids=term_ids,
        language=language_code(language) if language else None,
        age=age,
        gender=GENDER_WORDS[gender.strip().lower()] if gender else None,
        open_at=open_at or (datetime.now(UTC) if open_now else None),
        free=free,
        include_inactive=include_inactive,
        page=page,
        per_page=per_page,
    )


@get("/api/v1/search", summary="Search the directory", tags=["search"])
async def search(
    state: State,
    q: FromQuery[str] = "",
    lat: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
    lon: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
    postal_code: FromQuery[str | None] = None,
    radius_km: Annotated[float, QueryParameter(gt=0, le=500)] = 40.0,
    taxonomy: FromQuery[list[str] | None] = None,
    language: FromQuery[str | None] = None,
    age: Annotated[int | None, QueryParameter(ge=0, le=130)] = None,
    gender: FromQuery[str | None] = None,
    open_now: FromQuery[bool] = False,
    open_at: FromQuery[datetime | None] = None,
    free: FromQuery[bool] = False,
    include_inactive: FromQuery[bool] = False,
    page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> SearchResult:
    query = search_query(
        state.settings,
        state.vocabularies,
        q=q,
        lat=lat,
        lon=lon,
        postal_code=postal_code,
        radius_km=radius_km,
        taxonomy=taxonomy,
        language=language,
        age=age,
        gender=gender,
        open_now=open_now,
        open_at=open_at,
        free=free,
        include_inactive=include_inactive,
        page=page,
        per_page=per_page,
    )
    engine: SearchEngine = state.search
    return await engine.search(query)
