"""The states and ZIP codes each listing's service names as its area, on the listing, indexed on PostgreSQL.

``search_document.area_codes``: the codes ``search_coverage`` holds one row each, space-separated. PostgreSQL found
the listings whose area names a searcher's state or ZIP code by their keys, read first from ``search_coverage`` and
probed one by one in the primary key: for a search around a Seattle point at 100k services, 7.3k keys, 16 of 146
ms. A GIN index on the codes finds them in one index scan, an arm of the BitmapOr of the ways of serving a place.
(The polygons' ids written as codes too, the index scan took 59 ms for a metro's 700 polygons, and testing each
listing's codes against the 700 took most of a second.) SQLite has no such index and keeps ``search_coverage``; it
stores the codes too, one schema for both.

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AREA_INDEX = "ix_search_document_area"
# The documents' own tables, those that refer to search_document first.
DOCUMENT_TABLES = (
    "search_facts",
    "search_opening",
    "search_coverage",
    "search_category",
    "search_text",
    "search_document",
)


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    # SQLite adds a NOT NULL column only with a default; every document is written with its codes.
    op.add_column("search_document", sa.Column("area_codes", sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        # The expression search uses (PostgresText.covering), so that the planner matches the two.
        op.execute(f"CREATE INDEX {AREA_INDEX} ON search_document USING gin (string_to_array(area_codes, ' '))")


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {AREA_INDEX}")
    op.drop_column("search_document", "area_codes")
