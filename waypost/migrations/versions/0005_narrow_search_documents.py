"""Narrow search documents: the words move to search_text, categories get their own indexed table.

A search that weighs thousands of listings read every wide document row (its words, and on PostgreSQL its
tsvector) to filter, rank and count them; now it reads narrow rows and reaches the words only through the text
index. Documents are derived data: this revision recreates the tables empty, and ``waypost`` commands rebuild the
documents from the catalog when they find services without them (``directory.services.ensure_documents``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = ("name_text", "organization_name", "category_text", "description_text", "eligibility_text")
# The words of revision 0005: the Spanish description apart from the English one.
NEW_TEXT_COLUMNS = (*TEXT_COLUMNS, "description_es")
BOTH = ("en_unaccent", "es_unaccent")
# Field weights and text-search configurations of the PostgreSQL tsvector (SQLite weighs the same fields in bm25 at
# query time). Names, categories and eligibility mix both languages; each description is in one. Fields of one
# weight are parsed together: each to_tsvector call has a cost of its own, and an import makes ten per listing.
TEXT_WEIGHTS = ((("name_text",), "A", BOTH), (("category_text",), "B", BOTH), (("organization_name",), "B", BOTH),
                (("description_text",), "C", BOTH), (("eligibility_text",), "D", BOTH))  # fmt: skip
NEW_TEXT_WEIGHTS = ((("name_text",), "A", BOTH), (("category_text", "organization_name"), "B", BOTH),
                    (("description_text",), "C", ("en_unaccent",)), (("description_es",), "C", ("es_unaccent",)),
                    (("eligibility_text",), "D", BOTH))  # fmt: skip


def _key() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _common_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("service_at_location_id", sa.Uuid(), nullable=True),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
    ]


def _filter_columns() -> list[sa.Column[object]]:
    return [
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
    ]


def _indexes() -> None:
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index("ix_search_document_lat_lon", ["latitude", "longitude"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_status"), ["status"], unique=False)


def _service_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["service_id"], ["service.id"], name=op.f("fk_search_document_service_id_service"), ondelete="CASCADE"
    )


def _drop_search_document() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")  # its triggers belong to the table they watch
    op.drop_table("search_document")


def upgrade() -> None:
    _drop_search_document()
    op.create_table(
        "search_document",
        sa.Column("key", _key(), autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_common_columns(),
        sa.Column("category_codes", sa.Text(), nullable=False),
        sa.Column("top_category_codes", sa.Text(), nullable=False),
        *_filter_columns(),
        _service_fk(),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_document")),
        sa.UniqueConstraint("id", name=op.f("uq_search_document_id")),
    )
    _indexes()
    op.create_table(
        "search_text",
        sa.Column("key", _key(), autoincrement=False, nullable=False),
        sa.Column("name_text", sa.Text(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=True) for name in NEW_TEXT_COLUMNS[1:]),
        sa.ForeignKeyConstraint(
            ["key"], ["search_document.key"], name=op.f("fk_search_text_key_search_document"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_text")),
    )
    op.create_table(
        "search_category",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("key", _key(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key"], ["search_document.key"], name=op.f("fk_search_category_key_search_document"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code", "key", name=op.f("pk_search_category")),
    )
    op.create_index(op.f("ix_search_category_key"), "search_category", ["key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _point_column()
        _text_vector("search_text", NEW_TEXT_WEIGHTS)
    else:
        _fts("search_text", "key", NEW_TEXT_COLUMNS)


def _point_column() -> None:
    op.execute(
        "ALTER TABLE search_document ADD COLUMN geog geography(Point, 4326) GENERATED ALWAYS AS ("
        "CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL "
        "THEN ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography END) STORED"
    )
    op.execute("CREATE INDEX ix_search_document_geog ON search_document USING gist (geog)")


def _text_vector(table: str, weights: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]) -> None:
    # to_tsvector(regconfig, text) is immutable, so the unaccenting configurations of revision 0002 can be used in
    # a generated column.
    weighted = " || ".join(
        f"setweight(to_tsvector('{config}', {_text_of(columns)}), '{weight}')"
        for columns, weight, configs in weights
        for config in configs
    )
    op.execute(f"ALTER TABLE {table} ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({weighted}) STORED")
    op.execute(f"CREATE INDEX ix_{table}_tsv ON {table} USING gin (tsv)")


def _text_of(columns: tuple[str, ...]) -> str:
    return " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)


def _fts(table: str, rowid: str, text_columns: tuple[str, ...]) -> None:
    # An external-content FTS5 table kept in step by triggers. remove_diacritics lets "clinica" find "Clínica"; the
    # Porter stemmer lets "pantries" find "pantry", as PostgreSQL's stemmers do.
    columns = ", ".join(text_columns)
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='{table}', content_rowid='{rowid}', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    new = ", ".join(f"new.{c}" for c in text_columns)
    old = ", ".join(f"old.{c}" for c in text_columns)
    insert = f"INSERT INTO search_fts(rowid, {columns}) VALUES (new.{rowid}, {new});"
    remove = f"INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.{rowid}, {old});"
    op.execute(f"CREATE TRIGGER search_fts_insert AFTER INSERT ON {table} BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER search_fts_delete AFTER DELETE ON {table} BEGIN {remove} END")
    op.execute(f"CREATE TRIGGER search_fts_update AFTER UPDATE ON {table} BEGIN {remove} {insert} END")


def downgrade() -> None:
    """Back to one wide table (empty; the previous code's ``waypost reindex`` fills it)."""
    op.drop_index(op.f("ix_search_category_key"), table_name="search_category")
    op.drop_table("search_category")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_text")
    op.drop_table("search_document")
    op.create_table(
        "search_document",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_common_columns(),
        sa.Column("name_text", sa.Text(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=True) for name in TEXT_COLUMNS[1:]),
        sa.Column("category_codes", sa.Text(), nullable=False),
        *_filter_columns(),
        _service_fk(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
    )
    _indexes()
    if op.get_bind().dialect.name == "postgresql":
        _point_column()
        _text_vector("search_document", TEXT_WEIGHTS)
    else:
        _fts("search_document", "rowid", TEXT_COLUMNS)
