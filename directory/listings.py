"""What the public pages say about services, read from the catalog in the visitor's language.

Search finds listings; this module describes them for people: the Spanish texts where the catalog has them
(``name_es``, ``description_es``, ...), category and eligibility names from Waypost's vocabularies, languages, cost,
and opening hours now and for the week. Facts that search derives (free or not, the languages offered at a site) are
read from the search documents, so that a page says exactly what the filters decided.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from directory import exporter, hours, models
from directory.search.opening import Listing, opening_hours
from directory.search.query import Hit
from directory.vocabularies import Vocabularies
from waypost.db import among

UPCOMING_CLOSURES = timedelta(days=60)  # holiday closures announced this far ahead


@dataclass(frozen=True)
class Text:
    """Catalog text and the language it is written in (Spanish pages show English where there is no Spanish)."""

    value: str
    lang: str


@dataclass(frozen=True)
class Opening:
    """Whether a listing is open at a moment, and when it next opens (``None``: no hours known)."""

    open_now: bool | None
    next_opening: datetime | None


@dataclass(frozen=True)
class Card:
    """One search result, as the results page shows it."""

    service_id: UUID
    service_at_location_id: UUID | None
    name: Text
    organization: str | None
    categories: list[str]
    address: str | None
    distance_km: float | None
    opening: Opening
    languages: list[str]
    free: bool
    eligibility: list[str]
    minimum_age: float | None
    maximum_age: float | None


@dataclass(frozen=True)
class Site:
    """Where and when a service is offered: one of its locations, or the service itself when it has none."""

    service_at_location_id: UUID | None
    name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    phones: list[dict[str, Any]]
    accessibility: list[dict[str, Any]]
    transportation: str | None
    opening: Opening
    today: date
    week: list[hours.DayHours]
    open_24_7: bool
    closures: list[hours.Closure]


@dataclass(frozen=True)
class ServiceView:
    """Everything the service page says about one service."""

    id: UUID
    status: str
    name: Text
    organization: dict[str, Any]
    alert: str | None
    description: Text | None
    eligibility_description: Text | None
    application_process: Text | None
    categories: list[str]
    eligibility: list[str]
    minimum_age: float | None
    maximum_age: float | None
    documents: list[str]
    languages: list[str]
    interpretation_services: str | None
    free: bool
    fees_description: str | None
    cost_options: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    email: str | None
    url: str | None
    sites: list[Site]
    areas: list[dict[str, Any]]
    assured_date: date | None

    def phones_at(self, site: Site) -> list[dict[str, Any]]:
        """The numbers to call about this service at ``site``: the service's own, then the site's, each once."""
        return distinct_phones(self.phones + site.phones)


def localized(record: Any, field: str, language: str) -> Text | None:
    """``field`` of a record in ``language`` when the catalog has it (``<field>_es``), else in English."""
    get = record.get if isinstance(record, dict) else lambda name: getattr(record, name, None)
    if language != "en" and get(f"{field}_{language}"):
        return Text(str(get(f"{field}_{language}")), language)
    value = get(field)
    return Text(str(value), "en") if value else None


def term_names(codes: Iterable[str], taxonomy: str, vocabularies: Vocabularies, language: str) -> list[str]:
    """The names of Waypost terms in ``language``; for categories the most specific come first."""
    terms = [vocabularies.terms[(taxonomy, code)] for code in codes if (taxonomy, code) in vocabularies.terms]
    terms.sort(key=lambda term: term.parent is None)
    return [term.name[language] for term in terms]


def languages_first(codes: Iterable[str], language: str) -> list[str]:
    """Language codes with the visitor's own language first, then English, then the others."""
    return sorted(dict.fromkeys(codes), key=lambda code: (code != language, code != "en", code))


def distinct_phones(phones: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Phones without repeats: the same number listed for the service and for its site is one number to call."""
    seen: set[str] = set()
    distinct = []
    for phone in phones:
        digits = "".join(ch for ch in str(phone.get("number", "")) if ch.isdigit())
        if digits not in seen:
            seen.add(digits)
            distinct.append(phone)
    return distinct


def one_line(address: dict[str, Any]) -> str:
    parts = (address.get(key) for key in ("address_1", "address_2", "city", "state_province", "postal_code"))
    return ", ".join(str(part) for part in parts if part)


def opening(listing_hours: hours.Hours, now: datetime) -> Opening:
    return Opening(listing_hours.is_open(now), listing_hours.next_opening(now))


async def cards(
    engine: AsyncEngine, hits: Sequence[Hit], language: str, vocabularies: Vocabularies, timezone: str, now: datetime
) -> list[Card]:
    """The results page's descriptions of ``hits``, in their order."""
    if not hits:
        return []
    document, service = models.search_document, models.service
    listing_ids = [hit.service_at_location_id or hit.service_id for hit in hits]
    async with engine.connect() as connection:
        found = await connection.execute(select(document).where(among(connection, document.c.id, listing_ids)))
        documents = {row.id: row for row in found}
        named = await connection.execute(
            select(service.c.id, service.c.name, service.c.name_es).where(
                among(connection, service.c.id, [hit.service_id for hit in hits])
            )
        )
        names = {row.id: row for row in named}
        week_hours = await opening_hours(connection, list(documents.values()), timezone)
    described = []
    for hit, listing_id in zip(hits, listing_ids, strict=True):
        row = documents[listing_id]
        described.append(
            Card(
                service_id=hit.service_id,
                service_at_location_id=hit.service_at_location_id,
                name=localized(names[hit.service_id], "name", language) or Text(hit.name, "en"),
                organization=hit.organization.get("name"),
                categories=term_names(row.category_codes.split(), "waypost-categories", vocabularies, language),
                address=(hit.location or {}).get("address"),
                distance_km=hit.distance_km,
                opening=opening(week_hours[listing_id], now),
                languages=languages_first(row.language_codes.split(), language),
                free=bool(row.free),
                eligibility=term_names(row.eligibility_codes.split(), "waypost-eligibility", vocabularies, language),
                minimum_age=row.minimum_age,
                maximum_age=row.maximum_age,
            )
        )
    return described


async def services(
    engine: AsyncEngine, ids: Sequence[UUID], language: str, vocabularies: Vocabularies, timezone: str, now: datetime
) -> list[ServiceView]:
    """Full descriptions of the services ``ids`` names, in that order; unknown ids are left out."""
    document = models.search_document
    async with engine.connect() as connection:
        records = await exporter.FULL_SERVICE.records(connection, list(ids))
        if not records:
            return []
        found = await connection.execute(
            select(document.c.service_id, document.c.free).where(
                among(connection, document.c.service_id, [record["id"] for record in records])
            )
        )
        free = {row.service_id for row in found if row.free}
        listings = [listing for record in records for listing in _listings(record)]
        site_hours = await opening_hours(connection, listings, timezone)
    return [
        _view(record, record["id"] in free, site_hours, language, vocabularies, timezone, now) for record in records
    ]


def _listings(record: dict[str, Any]) -> list[Listing]:
    at_locations = record.get("service_at_locations") or []
    if not at_locations:
        return [Listing(record["id"], record["id"], None, None)]
    return [Listing(sal["id"], record["id"], sal["id"], sal.get("location_id")) for sal in at_locations]


def _view(
    record: dict[str, Any],
    free: bool,
    site_hours: dict[UUID, hours.Hours],
    language: str,
    vocabularies: Vocabularies,
    timezone: str,
    now: datetime,
) -> ServiceView:
    terms: dict[str, list[str]] = {"category": [], "eligibility": []}
    for attribute in record.get("attributes") or []:
        term = vocabularies.by_id.get(attribute.get("taxonomy_term_id"))
        if term is not None and attribute.get("link_type") in terms:
            terms[attribute["link_type"]].append(term.code)
    name = localized(record, "name", language)
    assert name is not None  # HSDS requires a service name
    return ServiceView(
        id=record["id"],
        status=record["status"],
        name=name,
        organization=record.get("organization") or {},
        alert=record.get("alert"),
        description=localized(record, "description", language),
        eligibility_description=localized(record, "eligibility_description", language),
        application_process=localized(record, "application_process", language),
        categories=term_names(terms["category"], "waypost-categories", vocabularies, language),
        eligibility=term_names(terms["eligibility"], "waypost-eligibility", vocabularies, language),
        minimum_age=record.get("minimum_age"),
        maximum_age=record.get("maximum_age"),
        documents=[doc["document"] for doc in record.get("required_documents") or [] if doc.get("document")],
        languages=languages_first(
            (lang["code"] for lang in record.get("languages") or [] if lang.get("code")), language
        ),
        interpretation_services=record.get("interpretation_services"),
        free=free,
        fees_description=record.get("fees_description"),
        cost_options=record.get("cost_options") or [],
        phones=distinct_phones(record.get("phones") or []),
        email=record.get("email"),
        url=record.get("url"),
        sites=[_site(record, listing, site_hours[listing.id], timezone, now) for listing in _listings(record)],
        areas=record.get("service_areas") or [],
        assured_date=_date(record.get("assured_date")),
    )


def _site(record: dict[str, Any], listing: Listing, site_hours: hours.Hours, timezone: str, now: datetime) -> Site:
    at_location: dict[str, Any] = next(
        (sal for sal in record.get("service_at_locations") or [] if sal["id"] == listing.service_at_location_id), {}
    )
    location = at_location.get("location") or {}
    addresses = location.get("addresses") or []
    physical = next((a for a in addresses if a.get("address_type") == "physical"), addresses[0] if addresses else None)
    today = now.astimezone(ZoneInfo(timezone)).date()
    return Site(
        service_at_location_id=listing.service_at_location_id,
        name=location.get("name"),
        address=one_line(physical) if physical else None,
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        # The site's own phones first, then the location's.
        phones=distinct_phones((at_location.get("phones") or []) + (location.get("phones") or [])),
        accessibility=location.get("accessibility") or [],
        transportation=location.get("transportation"),
        opening=opening(site_hours, now),
        today=today,
        week=site_hours.week(today),
        open_24_7=site_hours.open_24_7,
        closures=[
            closure
            for closure in site_hours.closures
            if closure.last >= today and closure.first <= today + UPCOMING_CLOSURES
        ],
    )


def week_summary(week: Sequence[hours.DayHours]) -> list[tuple[date, date, hours.DayHours]]:
    """Days in a row with the same hours, as (first day, last day, their hours): "Mon-Fri 8 am to 5 pm"."""
    groups: list[tuple[date, date, hours.DayHours]] = []
    for day in week:
        if groups and (groups[-1][2].hours, groups[-1][2].closed_note) == (day.hours, day.closed_note):
            groups[-1] = (groups[-1][0], day.day, groups[-1][2])
        else:
            groups.append((day.day, day.day, day))
    return groups


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
