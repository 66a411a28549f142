"""SQLite: an index that holds everything a search without words checks, ranks and counts of a listing near a point.

A search near a point reads the listings within its radius through ``ix_search_document_lat_lon``, then looked each
one up in ``search_document`` to check its filters, score it and count it in the facets: about 25k lookups in a
metro at 100k services, most of the statement's time. With every column those steps read in the index, after the
position, SQLite answers them from the index alone (filters around a point, SQLite, about 45% less); keeping it
costs a 100k import about 4% (153 -> 159 s). PostgreSQL finds the listings near a point through the GiST index on
``geog`` and reads its rows in bulk (bitmap heap scans), so it has no use for this index and is not given it;
``waypost.migrate.include_object`` leaves it out of the comparison with the models.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 20:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_search_document_place"
COLUMNS = (
    "latitude",
    "longitude",
    "has_service_area",
    "status",
    "free",
    "minimum_age",
    "maximum_age",
    "eligibility_codes",
    "language_codes",
    "top_category_codes",
    "assured_date",
    "id",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(NAME, "search_document", list(COLUMNS))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(NAME, "search_document")
