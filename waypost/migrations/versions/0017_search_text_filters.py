"""What the filters read of each listing, repeated in its text row.

A search with words and a filter (Spanish near a ZIP: ``language=es``) made PostgreSQL look up each text it had
found in the documents' primary key to test the filter, about 3 us a listing, where a search with words alone or
near a place reads the texts alone (migrations 0013 and 0015). With the listing's eligibility codes, ages and whether
it is free beside its languages, service and category codes, every search with words reads the texts alone
(``PostgresText.ranks_texts_alone``). SQLite joins a text to its document by rowid for about a microsecond and
keeps reading the documents; it stores the columns too, one schema for both.

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 17:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0017"
down_revision: str | None = "0016"
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
ADDED = ("eligibility_codes", "minimum_age", "maximum_age", "free")


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    # SQLite adds a NOT NULL column only with a default; every text row is written with its values.
    empty, false = (sa.text("''"), sa.text("0")) if op.get_bind().dialect.name == "sqlite" else (None, None)
    op.add_column("search_text", sa.Column("eligibility_codes", sa.Text(), nullable=False, server_default=empty))
    op.add_column("search_text", sa.Column("minimum_age", sa.Float(), nullable=True))
    op.add_column("search_text", sa.Column("maximum_age", sa.Float(), nullable=True))
    op.add_column("search_text", sa.Column("free", sa.Boolean(), nullable=False, server_default=false))


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    for name in ADDED:
        op.drop_column("search_text", name)
