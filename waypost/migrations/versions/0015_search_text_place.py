"""What the place conditions read of each listing, repeated in its text row.

A search with words near a place made PostgreSQL look up each text it had found in the documents' primary key, to
test the listing's site and area and to measure its distance: about 3 us a listing, 26 of 52 ms for "home care"
near a Seattle ZIP (7k listings) at 100k services. With the service, whether it names an area, the area's codes
and the site beside the words, such a search reads the texts alone (``PostgresText.ranks_texts_alone``). SQLite joins
a text to its document by rowid for about a microsecond and keeps reading the documents; it stores the columns too,
one schema for both.

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The documents' own tables, those that refer to search_document first.
DOCUMENT_TABLES = (
    "search_facts",
    "search_opening",
    "search_coverage",
    "search_category",
    "search_text",
    "search_document",
)
ADDED = ("service_id", "has_service_area", "area_codes", "latitude", "longitude")


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    # SQLite adds a NOT NULL column only with a default; every text row is written with its values.
    empty, false = (sa.text("''"), sa.text("0")) if op.get_bind().dialect.name == "sqlite" else (None, None)
    op.add_column("search_text", sa.Column("service_id", sa.Uuid(), nullable=False, server_default=empty))
    op.add_column("search_text", sa.Column("has_service_area", sa.Boolean(), nullable=False, server_default=false))
    op.add_column("search_text", sa.Column("area_codes", sa.Text(), nullable=False, server_default=empty))
    op.add_column("search_text", sa.Column("latitude", sa.Float(), nullable=True))
    op.add_column("search_text", sa.Column("longitude", sa.Float(), nullable=True))


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    for name in ADDED:
        op.drop_column("search_text", name)
