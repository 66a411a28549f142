"""The catalog's tables: one per HSDS object, with the columns of its row Struct, plus what Waypost derives.

The columns come from ``directory.schemas`` so that the HSDS field list is written down once. Geography columns
and text-search columns exist only on PostgreSQL: the migration adds them as generated columns, so the same table
definitions serve SQLite and PostgreSQL.
"""

import types
import typing
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import msgspec
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
)

from directory import graph, schemas
from waypost.db import Base


def _column_type(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if typing.get_origin(annotation) in (types.UnionType, typing.Union) else annotation
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if base is UUID:
        return Uuid()
    if base is float:
        return Float()
    if base is Decimal:
        return Numeric(14, 2)
    if typing.get_origin(base) is Literal:
        return String(32)
    return Text()


def _column(kind: str, name: str, annotation: Any, required: bool) -> Column[Any]:
    if name == "id":
        return Column("id", Uuid(), primary_key=True)
    target = graph.REFERENCE_TARGETS.get(name)
    if target is None or (kind, name) == ("attribute", "link_id"):
        return Column(name, _column_type(annotation), nullable=not required)
    on_delete = "RESTRICT" if (kind, name) in graph.SHARED_REFERENCES else "CASCADE"
    return Column(name, Uuid(), ForeignKey(f"{target}.id", ondelete=on_delete), nullable=True, index=True)


def _table(kind: str, *extra: Any, struct: type[msgspec.Struct] | None = None) -> Table:
    struct = struct or graph.ROW_STRUCTS[kind]
    hints = typing.get_type_hints(struct, include_extras=True)
    columns = [_column(kind, f.name, hints[f.name], f.required) for f in msgspec.structs.fields(struct)]
    return Table(kind, Base.metadata, *columns, *extra)


taxonomy = _table("taxonomy")
taxonomy_term = _table("taxonomy_term", Index("ix_taxonomy_term_code", "code"))
organization = _table("organization")
program = _table("program")
location = _table("location")
service = _table("service", Index("ix_service_status", "status"))
service_at_location = _table("service_at_location")
contact = _table("contact")
phone = _table("phone")
schedule = _table("schedule")
address = _table("address", Index("ix_address_postal_code", "postal_code"))
accessibility = _table("accessibility")
language = _table("language")
funding = _table("funding")
organization_identifier = _table("organization_identifier")
service_area = _table(
    "service_area",
    # Derived at import from extent/extent_type: the area as GeoJSON, or the US state it names. ZIP lists go to
    # service_area_postal_code.
    Column("geojson", Text()),
    Column("state", String(2), index=True),
)
required_document = _table("required_document")
cost_option = _table("cost_option")
attribute = _table(
    "attribute",
    Index("ix_attribute_link", "link_id", "link_entity"),
)

service_area_postal_code = Table(
    "service_area_postal_code",
    Base.metadata,
    Column("service_area_id", Uuid(), ForeignKey("service_area.id", ondelete="CASCADE"), primary_key=True),
    Column("postal_code", String(10), primary_key=True, index=True),
)

# HSDS's change history: Waypost records here what each import created, changed or removed.
metadata = _table("metadata", Index("ix_metadata_resource", "resource_id"), struct=schemas.MetadataRow)

TABLES: dict[str, Table] = {kind: Base.metadata.tables[kind] for kind in graph.ROW_STRUCTS}


def _document_key(**options: Any) -> Column[int]:
    """The key of a search document, as the tables beside it refer to it (and lead their primary key with it)."""
    return Column(
        "key",
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("search_document.key", ondelete="CASCADE"),
        primary_key=True,
        **options,
    )


# What search reads: one row per service at a location (or per service, when it has no location), derived from the
# catalog by directory.search.documents whenever an import touches the service. The table holds only what search
# filters, ranks and counts on, so a search that weighs thousands of listings reads narrow rows; the words live in
# search_text. Codes are stored space-delimited (" food food.pantry ") so a LIKE on " code " matches a whole code.
# ``key`` is an integer alias of the row (SQLite's rowid), which the full-text index and search_category refer to.
search_document = Table(
    "search_document",
    Base.metadata,
    Column("key", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("id", Uuid(), nullable=False, unique=True),
    Column("service_id", Uuid(), ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("service_at_location_id", Uuid()),
    Column("location_id", Uuid(), index=True),
    Column("organization_id", Uuid(), index=True),
    Column("category_codes", Text(), nullable=False),
    # What the facets count: the top categories, then the languages ("food housing|en es"; documents.facet_codes).
    Column("facet_codes", Text(), nullable=False),
    Column("eligibility_codes", Text(), nullable=False),
    Column("language_codes", Text(), nullable=False),
    # Not indexed: nearly every listing is active, and an index on it would look selective to SQLite's planner,
    # which would then read every listing to join them to the words instead of the other way round.
    Column("status", String(32), nullable=False),
    Column("minimum_age", Float()),
    Column("maximum_age", Float()),
    Column("free", Boolean(), nullable=False),
    # Whether the service names where it serves (a polygon, a state or ZIP codes): then that, not distance, decides.
    Column("has_service_area", Boolean(), nullable=False),
    # The states and ZIP codes its area names, space-separated: PostgreSQL finds the listings whose service's area
    # names a searcher's state or ZIP code through a GIN index on them (migration 0014); SQLite through
    # search_coverage, which holds the same codes one row each.
    Column("area_codes", Text(), nullable=False),
    # Indexed per database: PostgreSQL by ix_search_document_lat_lon (migration 0002) beside geog's GiST index,
    # SQLite by ix_search_document_place (migrations 0009 and 0017), which covers what a search near a point reads.
    Column("latitude", Float()),
    Column("longitude", Float()),
    Column("assured_date", Text()),
    # How "open at" is tested (directory.search.opening): "weekly" hours are spans in search_opening, "dated" ones
    # are evaluated from the schedules; NULL when no schedule gives hours.
    Column("hours", String(8), index=True),  # indexed: finding the few "dated" listings must not read them all
)

# The weekly opening hours of documents whose hours are one weekly pattern: spans in wall-clock seconds from Monday
# midnight in ``zone`` (a tzid; "" for the configured default timezone), one row per span. The primary key leads with
# the document's key, so testing one document's spans reads only them.
search_opening = Table(
    "search_opening",
    Base.metadata,
    _document_key(),
    Column("zone", String(64), primary_key=True),
    Column("opens", Integer(), primary_key=True),
    Column("closes", Integer(), primary_key=True),
)

# What a match reads of each listing besides the document's columns (directory.search.facts), as JSON.
search_facts = Table("search_facts", Base.metadata, _document_key(), Column("facts", Text(), nullable=False))

# Every named timezone of search_opening: the zones whose clocks "open at" a moment is read on.
search_zone = Table("search_zone", Base.metadata, Column("zone", String(64), primary_key=True))

# The words of each search document, which SQLite's FTS5 table and PostgreSQL's weighted tsvector (both added by the
# migration) index.
search_text = Table(
    "search_text",
    Base.metadata,
    _document_key(autoincrement=False),
    Column("name_text", Text(), nullable=False),
    Column("organization_name", Text()),
    Column("category_text", Text()),
    Column("description_text", Text()),
    Column("eligibility_text", Text()),
    # Descriptions are most of the text: the Spanish one apart, so that PostgreSQL stems each with its own
    # language's configuration instead of parsing both with both.
    Column("description_es", Text()),
    # Where the listing serves, as place codes (directory.search.places), space-separated: PostgreSQL indexes them
    # beside the words (migration 0010).
    Column("place_codes", Text(), nullable=False),
    # What ranking, the facets, the filters and the place read of the listing, as in search_document: PostgreSQL
    # answers a search with words from this table alone (migrations 0013 and 0015,
    # ``PostgresText.ranks_texts_alone``), and finds the listings of the categories the words name through an index
    # on their codes beside those of the words and the place (migration 0015).
    Column("category_codes", Text(), nullable=False),
    Column("id", Uuid(), nullable=False),
    Column("status", String(32), nullable=False),
    Column("facet_codes", Text(), nullable=False),
    Column("language_codes", Text(), nullable=False),
    Column("assured_date", Text()),
    Column("service_id", Uuid(), nullable=False),
    Column("has_service_area", Boolean(), nullable=False),
    Column("area_codes", Text(), nullable=False),
    Column("latitude", Float()),
    Column("longitude", Float()),
    Column("eligibility_codes", Text(), nullable=False),
    Column("minimum_age", Float()),
    Column("maximum_age", Float()),
    Column("free", Boolean(), nullable=False),
)

# Each search document's category codes (with their parents), one row each: how a search for a category finds its
# listings through an index instead of reading every document.
search_category = Table(
    "search_category",
    Base.metadata,
    Column("code", String(64), primary_key=True),
    _document_key(index=True),
    # The listing's site as a cell of about 2 km (directory.search.places.near_cell), null without a site: a match
    # reads the listings of its categories near the client through the index below (directory.candidates).
    Column("cell", Integer()),
    Index("ix_search_category_cell", "code", "cell", "key"),
)

# The states and ZIP codes each search document's service names as its area, one row each: how a search from a
# place finds, through an index, the services that serve it wherever their sites are.
search_coverage = Table(
    "search_coverage",
    Base.metadata,
    Column("code", String(10), primary_key=True),  # a state ("OR") or a ZIP code ("97218")
    _document_key(index=True),
)

# Every word the search documents contain (lower case, without accents): the vocabulary that misspelled query words
# are corrected against. Words are only added; one that no document uses any more corrects to nothing harmful.
search_term = Table("search_term", Base.metadata, Column("term", String(64), primary_key=True))

# Services whose search documents changed since an index outside the database (Meilisearch) last took them in.
# documents.rebuild queues them in the transaction that changes the documents, so a committed change is never lost;
# the engine's sync pushes them and clears the rows it pushed. Every rebuild queues, whichever engine is configured:
# the table holds at most one row per service, and an index switched on later starts from everything not yet sent.
# No foreign key: a service that leaves the catalog must stay queued until the index has forgotten it too.
search_outbox = Table(
    "search_outbox",
    Base.metadata,
    Column("service_id", Uuid(), primary_key=True),
    Column("queued_at", DateTime(timezone=True), nullable=False, index=True),
)
