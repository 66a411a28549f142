"""SQLite: the covering index of the listings near a place also holds each listing's service, and is the only index
of their positions.

A search that its place alone narrows ranks the listings within a couple of kilometres of the searcher first
(``directory.search.database.DatabaseSearchEngine._page_and_facets``) and checks that each serves the searcher:
one whose service names an area, by the service, among those whose polygons cover the point. Without the service
in ``ix_search_document_place`` (migration 0009), SQLite found those listings through ``ix_search_document_lat_lon``,
which holds the position alone and is the smaller of the two, and looked every one up in ``search_document``. This
revision adds the service at the end of ``ix_search_document_place``, whose columns ``ix_search_document_lat_lon``'s
begin, and drops the latter on SQLite, leaving its planner one index of position to choose. PostgreSQL keeps it: it
finds the listings without a site through it (``latitude IS NULL``, one arm of the bitmap scan of the ways a listing
serves a place); ``waypost.migrate.include_object`` leaves it out of the comparison with the models.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 01:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE = "ix_search_document_place"
POSITION = "ix_search_document_lat_lon"
COLUMNS = [
    "latitude",
    "longitude",
    "has_service_area",
    "status",
    "free",
    "minimum_age",
    "maximum_age",
    "eligibility_codes",
    "language_codes",
    "facet_codes",
    "assured_date",
    "id",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(PLACE, "search_document")
        op.create_index(PLACE, "search_document", [*COLUMNS, "service_id"])
        op.drop_index(POSITION, "search_document")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(POSITION, "search_document", ["latitude", "longitude"])
        op.drop_index(PLACE, "search_document")
        op.create_index(PLACE, "search_document", COLUMNS)
