"""Alembic environment: one history that migrates SQLite and PostgreSQL + PostGIS alike."""

import asyncio

import geoalchemy2  # noqa: F401  (lets reflection recognise PostGIS types)
from alembic import context
from sqlalchemy.engine import Connection

import directory.feedback  # registers the feedback table
import directory.models  # noqa: F401  (registers the catalog tables)
from waypost.db import Base, create_engine
from waypost.migrate import include_object

config = context.config


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as async_connection:
        await async_connection.run_sync(_migrate)
        await async_connection.commit()
    await engine.dispose()


asyncio.run(_run())
