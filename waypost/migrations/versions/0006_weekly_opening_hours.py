"""Weekly opening hours and service-area coverage in the search tables, so the database tests both by itself.

Search evaluated every matching listing's schedules in Python to answer "open now" (over a second for a common word
in a city at 100k services). Documents now say how their hours are tested (``search_document.hours``) and keep
weekly hours as spans of the week (``search_opening``), with the timezones those spans use (``search_zone``).
The states and ZIP codes a service names as its area are indexed per document (``search_coverage``), so that a
search from a place finds the services serving it inside the statement, instead of reading thousands of their ids
first and sending them back as a list.
Documents are derived data: this revision empties them, and ``waypost`` commands rebuild them from the catalog
(``directory.services.ensure_documents``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from waypost.migrations.derived import empty_documents

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DOCUMENT_TABLES = ("search_category", "search_text", "search_document")


def upgrade() -> None:
    empty_documents(DOCUMENT_TABLES)
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hours", sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f("ix_search_document_hours"), ["hours"], unique=False)
        # Nearly every listing is active: SQLite's planner took this index for a selective one and read every
        # listing to join it to the words, instead of joining the words' few matches to their listings.
        batch_op.drop_index(batch_op.f("ix_search_document_status"))
    op.create_table(
        "search_opening",
        sa.Column("key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("closes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key"], ["search_document.key"], name=op.f("fk_search_opening_key_search_document"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", "zone", "opens", "closes", name=op.f("pk_search_opening")),
    )
    op.create_table(
        "search_coverage",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["key"], ["search_document.key"], name=op.f("fk_search_coverage_key_search_document"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code", "key", name=op.f("pk_search_coverage")),
    )
    op.create_index(op.f("ix_search_coverage_key"), "search_coverage", ["key"], unique=False)
    op.create_table(
        "search_zone",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("zone", name=op.f("pk_search_zone")),
    )


def downgrade() -> None:
    op.drop_table("search_zone")
    op.drop_index(op.f("ix_search_coverage_key"), table_name="search_coverage")
    op.drop_table("search_coverage")
    op.drop_table("search_opening")
    empty_documents(DOCUMENT_TABLES)  # the previous code's ``waypost`` commands rebuild them
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_document_hours"))
        batch_op.create_index(batch_op.f("ix_search_document_status"), ["status"], unique=False)
        batch_op.drop_column("hours")
