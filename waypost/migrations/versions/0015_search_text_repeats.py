"""Everything search reads of a listing, repeated in its text row; its category codes indexed on PostgreSQL.

Migration 0013 gave the text rows what ranking and the facets read, so that a search with words alone is answered
from them. A search with words near a place, or with a filter, still made PostgreSQL look up each text it had found
in the documents' primary key, about 3 us a listing: 26 of 52 ms for "home care" near a Seattle ZIP (7k listings)
at 100k services. This revision adds what the place conditions read (the service, whether it names an area, the
area's codes, the site) and what the filters read (eligibility codes, ages, free), so that every search with words,
or for chosen categories, reads the texts alone (``PostgresText.ranks_texts_alone``).

It also adds the listing's category codes, GIN-indexed on PostgreSQL like its words and place codes: the listings of
the categories a search's words name are then one more arm of the bitmap scan that finds the words, intersected with
the place codes' as the words are, where they were read first by a statement of their own and found again by key
(7-10 ms of a search near a metro ZIP); a search for chosen categories without words intersects the two indexes the
same way. SQLite joins a text to its document by rowid for about a microsecond and finds categories through
search_category; it stores the columns too, one schema for both.

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


def _added(empty: sa.TextClause | None, false: sa.TextClause | None) -> list[sa.Column[object]]:
    """The columns this revision adds to search_text, with the defaults SQLite needs to add a NOT NULL column (every
    text row is written with its values)."""
    return [
        sa.Column("service_id", sa.Uuid(), nullable=False, server_default=empty),
        sa.Column("has_service_area", sa.Boolean(), nullable=False, server_default=false),
        sa.Column("area_codes", sa.Text(), nullable=False, server_default=empty),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("category_codes", sa.Text(), nullable=False, server_default=empty),
        sa.Column("eligibility_codes", sa.Text(), nullable=False, server_default=empty),
        sa.Column("minimum_age", sa.Float(), nullable=True),
        sa.Column("maximum_age", sa.Float(), nullable=True),
        sa.Column("free", sa.Boolean(), nullable=False, server_default=false),
    ]


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    postgres = op.get_bind().dialect.name == "postgresql"
    for column in _added(*((None, None) if postgres else (sa.text("''"), sa.text("0")))):
        op.add_column("search_text", column)
    if postgres:
        # The expression search uses (``directory.search.database._overlaps``), so that the planner matches the two.
        op.execute(f"CREATE INDEX {CATEGORY_INDEX} ON search_text USING gin (string_to_array(category_codes, ' '))")


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {CATEGORY_INDEX}")
    for column in _added(None, None):
        op.drop_column("search_text", column.name)
