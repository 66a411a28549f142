"""The database: one SQLAlchemy metadata for every domain, and async engines for SQLite and PostgreSQL + PostGIS."""

import json
import operator
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.adapt import Dumper
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    MetaData,
    Select,
    Table,
    Uuid,
    any_,
    bindparam,
    event,
    func,
    select,
    type_coerce,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import NullType, TypeEngine

from directory import geo

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def prepare_sqlite(dbapi_connection: Any, _record: Any = None) -> None:
    """Settings and functions every SQLite connection of the application has (a ``connect`` event handler)."""
    cursor = dbapi_connection.cursor()
    # WAL lets the site read while an import writes; foreign keys are off in SQLite unless asked for.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # 64 MiB of page cache (the default is 2 MiB): the catalog's indexes outgrow that long before 100k services.
    cursor.execute("PRAGMA cache_size=-65536")
    # Reads through a memory map of up to 1 GiB instead of a read() call per page: a search that weighs thousands
    # of listings looks each up by key, and at 100k services the lookups cost half as much (search p95 190 -> 145
    # ms in bench/search.py). The map only covers the database file; WAL frames are still read as before.
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.close()
    # SQLite has no great-circle distance: the search's radius test asks Python's, for the few sites near its edge
    # (``SqliteText.within``); written out in SQL, its dozen operations cost a millisecond of each search to build.
    dbapi_connection.create_function("haversine_km", 4, _haversine_km, deterministic=True)


def _haversine_km(lat1: float | None, lon1: float | None, lat2: float | None, lon2: float | None) -> float | None:
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return None
    return geo.haversine_km(lat1, lon1, lat2, lon2)


# Settings for the application's own PostgreSQL sessions. Searches are short queries over a few thousand rows:
# JIT compilation costs more than it saves on them; sorting and hashing a few thousand rows should stay in memory
# (the default 4 MB spills to disk); and the catalog lives in memory or on SSD, where an index read costs little
# more than a sequential one (the default random_page_cost of 4 makes the planner read whole tables instead). No
# parallel workers: the application answers many small requests at once on a few cores, where a worker serves one
# query at the others' cost, and the planner chose parallel scans of a whole table over the indexes that find the
# few rows wanted (searches at 100k services: p95 130 -> 88 ms). Every statement planned for its own values: psycopg
# prepares a statement run five times on a connection, and PostgreSQL may then keep one generic plan for it, blind
# to how many listings a word, a category or a place holds, which decide a search's best plan (the bench mix at
# 100k services, two runs each alternated: database and Python time together 17.9 / 19.1 -> 16.8 / 17.3 s).
POSTGRES_SESSION = (
    "-c jit=off -c work_mem=32MB -c random_page_cost=1.1 -c max_parallel_workers_per_gather=0"
    " -c plan_cache_mode=force_custom_plan"
)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite://`` or ``postgresql+psycopg://`` URLs."""
    if is_sqlite(url):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", prepare_sqlite)
        return engine
    return create_async_engine(url, connect_args={"options": POSTGRES_SESSION}, **kwargs)


async def bulk_insert(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows through the driver's own bulk path, inside the connection's open transaction.

    Plain ``executemany`` costs tens of microseconds of Python per row, which a 100k-service import (two million
    rows) cannot afford. PostgreSQL gets ``COPY``; SQLite gets the sqlite3 module's C ``executemany``. Values go
    through the same bind processors SQLAlchemy would apply (UUIDs as SQLite stores them, for instance).
    """
    if not rows:
        return
    names = list(rows[0])
    dialect = connection.dialect
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if (process := table.c[name].type._cached_bind_processor(dialect)) is not None
    ]
    row_values = operator.itemgetter(*names)
    values: list[Any] = [row_values(row) for row in rows] if len(names) > 1 else [(row[names[0]],) for row in rows]
    if processors:
        values = [_processed(value, processors) for value in values]
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    columns = ", ".join(f'"{name}"' for name in names)
    if dialect.name == "postgresql":
        async with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy,
        ):
            for value in values:
                await copy.write_row(value)
    else:
        markers = ", ".join("?" for _ in names)
        await driver.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({markers})', values)


def _processed(value: tuple[Any, ...], processors: list[tuple[int, Any]]) -> list[Any]:
    items = list(value)
    for index, process in processors:
        if items[index] is not None:
            items[index] = process(items[index])
    return items


def among(
    connection: AsyncConnection | AsyncEngine, column: ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column IN values`` with the values sent as one parameter, however many there are.

    A plain IN list puts one parameter marker per value in the SQL text, so every batch size is a new statement to
    parse; an array (PostgreSQL) or a JSON list (SQLite) keeps the statement the same and small.
    """
    values = list(values)
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    process = column.type._cached_bind_processor(connection.dialect)
    return column.in_(stored_values([process(v) for v in values] if process else values, column.type))


def stored_values(values: list[Any], type_: TypeEngine[Any]) -> Select[Any]:
    """The values, already in the form SQLite stores, as a subquery of one column of ``type_``, sent as one
    parameter: for values kept across statements, such as the services whose service-area polygons cover a point
    (``directory.search.database.Polygons``), which ``among`` would convert again for every search."""
    return select(type_coerce(func.json_each(json.dumps(values)).table_valued("value").c.value, type_))


class KeyArray(str):
    """An array of keys in PostgreSQL's text form (``{1,2,3}``), which psycopg sends as it is, typed ``int8[]``."""


class UuidArray(str):
    """An array of UUIDs in PostgreSQL's text form, sent as it is, typed ``uuid[]``."""


class KeyArrayDumper(Dumper):
    oid = psycopg.postgres.types["int8"].array_oid

    def dump(self, obj: str) -> bytes:
        return obj.encode()


class UuidArrayDumper(KeyArrayDumper):
    oid = psycopg.postgres.types["uuid"].array_oid


psycopg.adapters.register_dumper(KeyArray, KeyArrayDumper)
psycopg.adapters.register_dumper(UuidArray, UuidArrayDumper)


def among_text(column: ColumnElement[Any], array: str) -> ColumnElement[bool]:
    """``column`` is one of the values of ``array``, an array of keys or UUIDs in PostgreSQL's text form as
    PostgreSQL gave it (``array_agg(...)::text``), sent back as one parameter typed as the array: psycopg passes it
    through, where a list of thousands of values is converted and written out value by value. (Sent as text and cast
    to an array in SQL, the array is no constant to the planner, ``array_in`` being stable: a search around a point
    then ran for 40 s.)"""
    typed = UuidArray(array) if isinstance(column.type, Uuid) else KeyArray(array)
    return column == any_(bindparam(None, typed, type_=NullType()))
