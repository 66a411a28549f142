"""Each listing's category codes in its text row, indexed on PostgreSQL beside its words and place codes.

A search whose words name categories ("a bed tonight": shelters) finds the listings of those categories as well as
those with the words. PostgreSQL read the categories' listings near the place first, each checked against its cell
and the services whose area covers the place (the polygons' services looked up one by one), and then found their
texts again by key: 7-10 ms of a search near a metro ZIP at 100k services. With the codes in the text row and a GIN
index on them, the categories are one more arm of the bitmap scan that finds the words, intersected with the place
codes' as the words are: the categories' listings near "domestic violence" at a Boise ZIP in 1.3 ms. SQLite finds
them through search_category and stores the codes too, one schema for both.

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORY_INDEX = "ix_search_text_category"
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
    # SQLite adds a NOT NULL column only with a default; every text row is written with its codes.
    postgres = op.get_bind().dialect.name == "postgresql"
    default = None if postgres else sa.text("''")
    op.add_column("search_text", sa.Column("category_codes", sa.Text(), nullable=False, server_default=default))
    if postgres:
        # The expression search uses (``directory.search.database._overlaps``), so that the planner matches the two.
        op.execute(f"CREATE INDEX {CATEGORY_INDEX} ON search_text USING gin (string_to_array(category_codes, ' '))")


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {CATEGORY_INDEX}")
    op.drop_column("search_text", "category_codes")
