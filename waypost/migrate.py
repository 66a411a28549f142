"""Alembic, driven from code: the CLI, the demo and the tests migrate the same way."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """What autogenerate compares: not PostGIS's table, nor SQLite's full-text index, service-area change count and
    covering place index, nor PostgreSQL's indexes of position, place, area and category codes and ranking columns,
    nor the dialect-only columns the migrations add."""
    dialect_only = (
        "spatial_ref_sys",
        "service_area_version",
        "ix_search_document_place",
        "ix_search_document_lat_lon",
        "ix_search_text_place",
        "ix_search_text_category",
        "ix_search_document_area",
        "ix_search_document_rank",
    )
    if name in dialect_only or (type_ == "table" and name is not None and name.startswith("search_fts")):
        return False
    return not (reflected and compare_to is None and name is not None and name.endswith(("geog", "tsv", "trgm")))
