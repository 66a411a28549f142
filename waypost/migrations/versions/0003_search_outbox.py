"""Search outbox: services whose search documents an outside index (Meilisearch) has yet to take in.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:13:27.841520
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_search_outbox")),
    )
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_outbox_queued_at"), ["queued_at"], unique=False)
    # Documents built before this revision were never sent anywhere: queue their services, as a rebuild would.
    op.execute(
        "INSERT INTO search_outbox (service_id, queued_at) "
        "SELECT DISTINCT service_id, CURRENT_TIMESTAMP FROM search_document"
    )


def downgrade() -> None:
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_outbox_queued_at"))
    op.drop_table("search_outbox")
