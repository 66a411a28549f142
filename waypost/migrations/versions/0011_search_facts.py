"""What a match reads of each listing, kept beside the search documents: ``search_facts`` (``directory.search.facts``).

A match described the services it kept from the catalog in eight statements (services, attributes, languages,
required documents, areas, addresses, three for schedules) and spent more time turning their rows into Python than
the database spent finding them. The document writer reads all of it already; it now stores it as one JSON value per
document, and a match reads it in the statement that measures the listings' distance.

Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0011"
down_revision: str | None = "0010"
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
    op.create_table(
        "search_facts",
        sa.Column("key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key"], ["search_document.key"], name=op.f("fk_search_facts_key_search_document"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_facts")),
    )
    empty_documents(DOCUMENT_TABLES)


def downgrade() -> None:
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    op.drop_table("search_facts")
