"""What the facets count of a listing in one column: its top categories, then its languages.

A search groups its matches by what the facets count, to count each group once (hundreds of groups for thousands of
listings). Grouped by the top categories and the languages apart, SQLite compared two strings at every step of
sorting the matches: a search around a Seattle point at 100k services (30k listings) took 653M instructions on
SQLite (callgrind), 544M grouped by one value. This revision renames the documents' and text rows'
``top_category_codes`` to ``facet_codes``, which now holds both ("food housing|en es",
``directory.search.documents.facet_codes``); renamed rather than added and dropped, the column keeps its place in
SQLite's covering index of the documents near a place (``ix_search_document_place``, migration 0009).

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 20:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0016"
down_revision: str | None = "0015"
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
RENAMED = ("search_document", "search_text")


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    for table in RENAMED:
        op.alter_column(table, "top_category_codes", new_column_name="facet_codes")


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    for table in RENAMED:
        op.alter_column(table, "facet_codes", new_column_name="top_category_codes")
