"""Search documents: FTS5 on SQLite; unaccented English and Spanish tsvectors and PostGIS on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:45:55.423607
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_term",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_term")),
    )
    op.create_table(
        "search_document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("service_at_location_id", sa.Uuid(), nullable=True),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("name_text", sa.Text(), nullable=False),
        sa.Column("organization_name", sa.Text(), nullable=True),
        sa.Column("category_text", sa.Text(), nullable=True),
        sa.Column("description_text", sa.Text(), nullable=True),
        sa.Column("eligibility_text", sa.Text(), nullable=True),
        sa.Column("category_codes", sa.Text(), nullable=False),
        sa.Column("eligibility_codes", sa.Text(), nullable=False),
        sa.Column("language_codes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("minimum_age", sa.Float(), nullable=True),
        sa.Column("maximum_age", sa.Float(), nullable=True),
        sa.Column("free", sa.Boolean(), nullable=False),
        sa.Column("has_service_area", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("assured_date", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_search_document_service_id_service"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index("ix_search_document_lat_lon", ["latitude", "longitude"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_status"), ["status"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _add_postgres_search()
    else:
        _add_sqlite_search()


FTS_COLUMNS = "name_text, organization_name, category_text, description_text, eligibility_text"


def _add_sqlite_search() -> None:
    # An external-content FTS5 table over search_document, kept in step by triggers. remove_diacritics lets
    # "clinica" find "Clínica"; the Porter stemmer lets "pantries" find "pantry", as PostgreSQL's stemmers do.
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({FTS_COLUMNS}, content='search_document', "
        "content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')"
    )
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS.split(", "))
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS.split(", "))
    insert = f"INSERT INTO search_fts(rowid, {FTS_COLUMNS}) VALUES (new.rowid, {new});"
    remove = f"INSERT INTO search_fts(search_fts, rowid, {FTS_COLUMNS}) VALUES ('delete', old.rowid, {old});"
    op.execute(f"CREATE TRIGGER search_fts_insert AFTER INSERT ON search_document BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER search_fts_delete AFTER DELETE ON search_document BEGIN {remove} END")
    op.execute(f"CREATE TRIGGER search_fts_update AFTER UPDATE ON search_document BEGIN {remove} {insert} END")


def _add_postgres_search() -> None:
    # to_tsvector(regconfig, text) is immutable, so text-search configurations that unaccent before stemming can be
    # used in a generated column (unaccent() itself is only stable).
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, base in (("en_unaccent", "english"), ("es_unaccent", "spanish")):
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f"WITH unaccent, {base}_stem"
        )
    weighted = " || ".join(
        f"setweight(to_tsvector('{config}', coalesce({column}, '')), '{weight}')"
        for column, weight in (
            ("name_text", "A"),
            ("category_text", "B"),
            ("organization_name", "B"),
            ("description_text", "C"),
            ("eligibility_text", "D"),
        )
        for config in ("en_unaccent", "es_unaccent")
    )
    op.execute(f"ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({weighted}) STORED")
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
    op.execute(
        "ALTER TABLE search_document ADD COLUMN geog geography(Point, 4326) GENERATED ALWAYS AS ("
        "CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL "
        "THEN ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography END) STORED"
    )
    op.execute("CREATE INDEX ix_search_document_geog ON search_document USING gist (geog)")
    op.execute("CREATE INDEX ix_search_term_trgm ON search_term USING gin (term gin_trgm_ops)")


def downgrade() -> None:
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_document_status"))
        batch_op.drop_index(batch_op.f("ix_search_document_service_id"))
        batch_op.drop_index(batch_op.f("ix_search_document_organization_id"))
        batch_op.drop_index(batch_op.f("ix_search_document_location_id"))
        batch_op.drop_index("ix_search_document_lat_lon")

    op.drop_table("search_document")
    op.drop_table("search_term")
    # The tsvector column (gone with its table) used the configurations; the triggers went with the table too.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS en_unaccent")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS es_unaccent")
    else:
        op.execute("DROP TABLE IF EXISTS search_fts")
