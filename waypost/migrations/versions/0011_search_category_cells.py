"""The cell of each listing's site beside its categories (``search_category.cell``), indexed with them.

A match keeps, for each need, the services nearest the client in the need's categories. SQLite read every listing
of those categories in the country (24-30k at 100k services), kept those serving the client and sorted them, about
50 ms; it could not read the listings near a point instead, because its index on latitude, then longitude, reads a
whole band of latitude across the country. With the site's cell of about 2 km (``directory.search.places``) beside
each category code, ``ix_search_category_cell`` finds the listings of the needs' categories in the cells around
the client, and those without a site, directly. Documents are derived data: this revision empties them, and
``waypost`` commands rebuild them from the catalog (``directory.services.ensure_documents``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The documents' own tables, those that refer to search_document first.
DOCUMENT_TABLES = ("search_opening", "search_coverage", "search_category", "search_text", "search_document")


def _empty_documents() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"TRUNCATE {', '.join(DOCUMENT_TABLES)}")
    else:
        # Row by row, so that the full-text index's triggers take each document's words out with it.
        for table in DOCUMENT_TABLES:
            op.execute(f"DELETE FROM {table}")


def upgrade() -> None:
    _empty_documents()
    op.add_column("search_category", sa.Column("cell", sa.Integer(), nullable=True))
    op.create_index("ix_search_category_cell", "search_category", ["code", "cell", "key"])


def downgrade() -> None:
    _empty_documents()  # the previous code's ``waypost`` commands rebuild them
    op.drop_index("ix_search_category_cell", "search_category")
    op.drop_column("search_category", "cell")
