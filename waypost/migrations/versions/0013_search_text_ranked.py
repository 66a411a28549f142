"""The columns ranking and the facets read of each listing, repeated in its text row.

A search with words and no other question (no place, no filter but the status) matching thousands of listings made
PostgreSQL hash every document, 133k at 100k services, to join the texts it had ranked to their status, top
categories, languages and verification date: about 130 of 340 ms for "safe house" (25k listings). With those
columns beside the words, such a search reads the texts alone (``PostgresText.ranks_texts_alone``). SQLite joins a
text to its document by rowid for about a microsecond and keeps reading the documents; it stores the columns too,
one schema for both.

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0013"
down_revision: str | None = "0012"
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


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    # SQLite adds a NOT NULL column only with a default; every text row is written with its values.
    default = sa.text("''") if op.get_bind().dialect.name == "sqlite" else None
    op.add_column("search_text", sa.Column("id", sa.Uuid(), nullable=False, server_default=default))
    op.add_column("search_text", sa.Column("status", sa.String(32), nullable=False, server_default=default))
    op.add_column("search_text", sa.Column("top_category_codes", sa.Text(), nullable=False, server_default=default))
    op.add_column("search_text", sa.Column("language_codes", sa.Text(), nullable=False, server_default=default))
    op.add_column("search_text", sa.Column("assured_date", sa.Text(), nullable=True))


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    for name in ("id", "status", "top_category_codes", "language_codes", "assured_date"):
        op.drop_column("search_text", name)
