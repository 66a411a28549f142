"""The HSDS 3.0 read API under ``/hsds``: HTTP in and out. ``queries`` picks the records, ``exporter`` assembles
them.

Bad parameters are refused by Litestar's own validation of the annotated types (400, naming the parameter); an id
that names nothing, or is no UUID at all, is a 404 naming it.
"""

import math
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncEngine

from directory import exporter, geo, models, queries
from directory.search.query import SearchQuery
from waypost.db import among

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferral.org/specification/3.0/"
JSON = "application/json"
NDJSON = "application/x-ndjson"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
# Far beyond any catalog, and low enough that page * per_page stays a 64-bit row offset.
MAX_PAGE = 1_000_000_000

PageNumber = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
PerPage = Annotated[
    int | None,
    QueryParameter(ge=1, le=MAX_PER_PAGE, description=f"Results per page (default {DEFAULT_PER_PAGE})."),
]
Format = Annotated[
    Literal["json", "ndjson"],
    QueryParameter(description="`ndjson` streams every result, one per line, without pagination."),
]
TaxonomyTermId = Annotated[UUID | None, QueryParameter(description="Services with an attribute for this term.")]
TaxonomyId = Annotated[UUID | None, QueryParameter(description="Services with a term of this taxonomy.")]
OrganizationId = Annotated[UUID | None, QueryParameter(description="Services this organization provides.")]
ModifiedAfter = Annotated[
    datetime | None,
    QueryParameter(description="Services whose last_modified is on or after this RFC 3339 date-time (UTC if no zone)."),
]
Full = Annotated[bool, QueryParameter(description="Fully nested records.")]


Search = Annotated[str | None, QueryParameter(description="Words to search for, as GET /api/v1/search reads them.")]
Postcode = Annotated[
    str | None, QueryParameter(description="A US ZIP code: services whose service area covers it, or near it.")
]
Proximity = Annotated[
    float | None, QueryParameter(gt=0, description="With postcode: metres from its centre for services with no area.")
]
DEFAULT_PROXIMITY_KM = 40.0


async def _service_filter(
    state: State,
    taxonomy_term_id: TaxonomyTermId = None,
    taxonomy_id: TaxonomyId = None,
    organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None,
    search: Search = None,
    postcode: Postcode = None,
    proximity: Proximity = None,
) -> queries.ServiceFilter:
    """The filters shared by /services and /service_at_locations. ``search`` and ``postcode`` are answered by the
    search engine (the same matching and service-area rules as the directory's own search), as service ids."""
    matching = None
    if proximity is not None and postcode is None:
        raise ValidationException("proximity needs postcode", extra=[{"key": "proximity", "message": "needs postcode"}])
    if search or postcode:
        place = geo.postal_code(postcode) if postcode else None
        if postcode and place is None:
            message = f"{postcode!r} is not a known US ZIP code"
            raise ValidationException(f"postcode: {message}", extra=[{"key": "postcode", "message": message}])
        query = SearchQuery(
            text=search or "",
            latitude=place.latitude if place else None,
            longitude=place.longitude if place else None,
            postal_code=place.code if place else None,
            state=place.state if place else None,
            radius_km=proximity / 1000 if proximity else DEFAULT_PROXIMITY_KM,
            include_inactive=True,  # HSDS lists every status; the directory's search shows only open services
        )
        matching = among(state.engine, models.service.c.id, await state.search.service_ids(query))
    return queries.ServiceFilter(
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        matching=matching,
    )


def _json(value: Any) -> Response[bytes]:
    return Response(exporter.ENCODER.encode(value), media_type=JSON)


async def _lines(engine: AsyncEngine, selection: queries.Selection, shape: exporter.Shape) -> AsyncIterator[bytes]:
    async with engine.connect() as connection:
        async for record in exporter.each(connection, selection, shape):
            yield exporter.ENCODER.encode(record) + b"\n"


async def _listing(
    state: State,
    selection: queries.Selection,
    shape: exporter.Shape,
    output: Literal["json", "ndjson"],
    page: int,
    per_page: int | None,
) -> Response[Any]:
    """One HSDS Page of ``per_page`` records (all of them when None), or every record as NDJSON."""
    if output == "ndjson":
        return Stream(_lines(state.engine, selection, shape), media_type=NDJSON)
    async with state.engine.connect() as connection:
        total = await selection.count(connection)
        size = per_page or max(total, 1)
        contents = await shape.records(connection, await selection.page(connection, page, size))
    total_pages = max(1, math.ceil(total / size))
    return _json(
        {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": page,
            "size": len(contents),
            "first_page": page == 1,
            "last_page": page >= total_pages,
            "empty": not contents,
            "contents": contents,
        }
    )


async def _one(state: State, shape: exporter.Shape, record_id: str) -> Response[bytes]:
    """The record ``record_id`` names, or a 404 that repeats the id (the path takes any text, so that an id that
    is not a UUID gets the same answer as one that names nothing)."""
    try:
        ids = [UUID(record_id)]
    except ValueError:
        ids = []
    async with state.engine.connect() as connection:
        found = await shape.records(connection, ids)
    if not found:
        raise NotFoundException(f"No {shape.kind} with id {record_id}", extra={"id": record_id})
    return _json(found[0])


class HSDSController(Controller):
    path = "/hsds"
    # The service filters of /services and /service_at_locations, read from the query string once, for both.
    dependencies = {"service_filter": Provide(_service_filter)}  # noqa: RUF012 (Litestar reads it as declared)
    tags = ("HSDS 3.0",)

    @get("/", summary="HSDS API root")
    async def root(self, state: State) -> dict[str, str]:
        return {
            "version": HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": f"{state.settings.base_url.rstrip('/')}/schema/openapi.json",
        }

    @get("/services", summary="Services (list items, minimal=true: id and last_modified, full=true: fully nested)")
    async def services(
        self,
        state: State,
        service_filter: NamedDependency[queries.ServiceFilter],
        page: PageNumber = 1,
        per_page: PerPage = None,
        format: Format = "json",
        minimal: Annotated[
            bool, QueryParameter(description="Only id and last_modified, every service on one page by default.")
        ] = False,
        full: Full = False,
    ) -> Response[Any]:
        if minimal and full:
            raise ValidationException(
                "minimal and full ask for opposite things", extra=[{"key": "minimal", "message": "not with full"}]
            )
        shape = exporter.MINIMAL_SERVICE if minimal else exporter.FULL_SERVICE if full else exporter.SERVICE_LIST_ITEM
        selection = queries.services(service_filter)
        # HSDS asks that minimal results come in one call where possible; an explicit per_page still pages them.
        size = per_page if per_page is not None else None if minimal else DEFAULT_PER_PAGE
        return await _listing(state, selection, shape, format, page, size)

    @get("/services/{service_id:str}", summary="One fully nested service")
    async def service(self, state: State, service_id: FromPath[str]) -> Response[bytes]:
        return await _one(state, exporter.FULL_SERVICE, service_id)

    @get("/organizations", summary="Organizations (full=true: nested, full_service=true: with full services)")
    async def organizations(
        self,
        state: State,
        page: PageNumber = 1,
        per_page: PerPage = None,
        format: Format = "json",
        full: Full = False,
        full_service: Annotated[bool, QueryParameter(description="Nested, with each service in full.")] = False,
    ) -> Response[Any]:
        shape = (
            exporter.ORGANIZATION_WITH_FULL_SERVICES
            if full_service
            else exporter.FULL_ORGANIZATION
            if full
            else exporter.ORGANIZATION_LIST_ITEM
        )
        return await _listing(state, queries.organizations(), shape, format, page, per_page or DEFAULT_PER_PAGE)

    @get("/organizations/{organization_id:str}", summary="One fully nested organization with its services")
    async def organization(
        self,
        state: State,
        organization_id: FromPath[str],
        full_service: Annotated[bool, QueryParameter(description="Each service in full.")] = False,
    ) -> Response[bytes]:
        shape = exporter.ORGANIZATION_WITH_FULL_SERVICES if full_service else exporter.FULL_ORGANIZATION
        return await _one(state, shape, organization_id)

    @get("/service_at_locations", summary="Services at locations (full=true: nested, with the service in full)")
    async def service_at_locations(
        self,
        state: State,
        service_filter: NamedDependency[queries.ServiceFilter],
        page: PageNumber = 1,
        per_page: PerPage = None,
        format: Format = "json",
        full: Full = False,
    ) -> Response[Any]:
        shape = exporter.FULL_SERVICE_AT_LOCATION if full else exporter.SERVICE_AT_LOCATION_LIST_ITEM
        selection = queries.service_at_locations(service_filter)
        return await _listing(state, selection, shape, format, page, per_page or DEFAULT_PER_PAGE)

    @get("/service_at_locations/{service_at_location_id:str}", summary="One service at a location, fully nested")
    async def service_at_location(self, state: State, service_at_location_id: FromPath[str]) -> Response[bytes]:
        return await _one(state, exporter.FULL_SERVICE_AT_LOCATION, service_at_location_id)

    @get("/taxonomies", summary="Taxonomies")
    async def taxonomies(
        self, state: State, page: PageNumber = 1, per_page: PerPage = None, format: Format = "json"
    ) -> Response[Any]:
        return await _listing(
            state, queries.taxonomies(), exporter.TAXONOMY, format, page, per_page or DEFAULT_PER_PAGE
        )

    @get("/taxonomies/{taxonomy_id:str}", summary="One taxonomy")
    async def taxonomy(self, state: State, taxonomy_id: FromPath[str]) -> Response[bytes]:
        return await _one(state, exporter.TAXONOMY, taxonomy_id)

    @get("/taxonomy_terms", summary="Taxonomy terms, each with its taxonomy_detail")
    async def taxonomy_terms(
        self,
        state: State,
        page: PageNumber = 1,
        per_page: PerPage = None,
        format: Format = "json",
        taxonomy_id: Annotated[UUID | None, QueryParameter(description="Terms of this taxonomy.")] = None,
        top_only: Annotated[bool, QueryParameter(description="Only terms without a parent.")] = False,
        parent_id: Annotated[UUID | None, QueryParameter(description="Terms whose parent is this term.")] = None,
    ) -> Response[Any]:
        selection = queries.taxonomy_terms(taxonomy_id, parent_id, top_only)
        return await _listing(state, selection, exporter.TAXONOMY_TERM, format, page, per_page or DEFAULT_PER_PAGE)

    @get("/taxonomy_terms/{taxonomy_term_id:str}", summary="One taxonomy term with its taxonomy_detail")
    async def taxonomy_term(self, state: State, taxonomy_term_id: FromPath[str]) -> Response[bytes]:
        return await _one(state, exporter.TAXONOMY_TERM, taxonomy_term_id)
