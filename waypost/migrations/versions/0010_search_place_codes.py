"""Where each listing serves, beside its words and its categories, so that a search or a match near a place reads
the listings there through an index.

- ``search_text.place_codes`` (``directory.search.places``), and on PostgreSQL a GIN index on them. A search with
  words near a place made PostgreSQL choose between two slow ways in a metro at 100k services: read every listing
  with the words and look each one up to check its place, or read every listing near the place and probe its text
  row for the words (41k probes for "peer support" near a Seattle ZIP). With the codes indexed in the same table as
  the words, the two indexes are intersected as bitmaps before any row is read (words near a ZIP: p50 183 -> 146
  ms). SQLite keeps the codes too, one schema for both, but finds a place's listings through
  ``ix_search_document_place``: its bm25 would count the listings of every place code a search named.
- ``search_category.cell``, the listing's site as a cell of about 2 km, indexed with the category code. A match
  keeps, for each need, the services nearest the client in the need's categories; SQLite read every listing of
  those categories in the country (24-30k at 100k services) to find them, since its index on latitude, then
  longitude, reads a whole band of latitude. ``ix_search_category_cell`` finds the listings of the needs'
  categories in the cells around the client, and those without a site, directly.

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE_INDEX = "ix_search_text_place"
CELL_INDEX = "ix_search_category_cell"
# The documents' own tables, those that refer to search_document first.
DOCUMENT_TABLES = ("search_opening", "search_coverage", "search_category", "search_text", "search_document")


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    # SQLite adds a NOT NULL column only with a default; every document is written with its codes.
    op.add_column("search_text", sa.Column("place_codes", sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        # The expression search uses (PostgresText.text_match), so that the planner matches the two.
        op.execute(f"CREATE INDEX {PLACE_INDEX} ON search_text USING gin (string_to_array(place_codes, ' '))")
    op.add_column("search_category", sa.Column("cell", sa.Integer(), nullable=True))
    op.create_index(CELL_INDEX, "search_category", ["code", "cell", "key"])


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    op.drop_index(CELL_INDEX, "search_category")
    op.drop_column("search_category", "cell")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {PLACE_INDEX}")
    op.drop_column("search_text", "place_codes")
