"""One Alembic history migrates SQLite and PostgreSQL + PostGIS from empty, back down, and matches the models."""

import asyncio

import geoalchemy2  # noqa: F401  (lets reflection recognise PostGIS types)
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from tests.helpers import query
from waypost import migrate
from waypost.db import Base, create_engine


def _differences(database_url: str) -> list:
    async def run() -> list:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"include_object": migrate.include_object}),
                        Base.metadata,
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrated_database_matches_the_models(database_url: str) -> None:
    assert _differences(database_url) == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    assert query(database_url, "SELECT count(*) FROM alembic_version") == [(0,)]
    migrate.upgrade(database_url)
    head = ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_current_head()
    assert query(database_url, "SELECT version_num FROM alembic_version") == [(head,)]


@pytest.mark.pg
def test_postgis_columns_are_generated_from_the_portable_ones(postgres_url: str) -> None:
    columns = query(
        postgres_url,
        "SELECT table_name, column_name, is_generated FROM information_schema.columns WHERE column_name = 'geog' "
        "ORDER BY table_name",
    )
    assert columns == [
        ("location", "geog", "ALWAYS"),
        ("search_document", "geog", "ALWAYS"),
        ("service_area", "geog", "ALWAYS"),
    ]
