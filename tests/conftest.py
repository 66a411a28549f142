"""Test fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL + PostGIS.

Each test that takes ``database_url`` runs once per database. The PostgreSQL run needs
``WAYPOST_TEST_POSTGRES_URL`` (a superuser connection, e.g. ``postgresql+psycopg://postgres@/postgres``); without it
those runs are skipped locally, and fail under ``CI=true`` so that a missing database can never pass for green.
Databases are cloned from a template migrated once per session: every test starts from the real migrations, and
tests may commit freely.
"""

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.helpers import unavailable
from waypost import migrate

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_URL = os.environ.get("WAYPOST_TEST_POSTGRES_URL", "")
TEMPLATE = f"waypost_test_template_{os.getpid()}"  # per run: test sessions may share a server
_counter = itertools.count()


def shared_path(*parts: str) -> Path:
    """A file of the read-only reference folder beside the checkout; tests that need it skip where it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip("the shared/ reference folder is not beside this checkout")
    return path


def _admin(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        dbname=parsed.database or "postgres",
        user=parsed.username,
        password=parsed.password,
        host=parsed.host or "",
        port=parsed.port,
        autocommit=True,
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        unavailable("WAYPOST_TEST_POSTGRES_URL is not set: PostgreSQL + PostGIS tests skipped")
    with _admin(POSTGRES_URL) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {TEMPLATE}")
    migrate.upgrade(make_url(POSTGRES_URL).set(database=TEMPLATE).render_as_string(hide_password=False))
    yield TEMPLATE
    with _admin(POSTGRES_URL) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")


def _fresh_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        path = tmp_path / "waypost.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"waypost_test_{os.getpid()}_{next(_counter)}"
    with _admin(POSTGRES_URL) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with _admin(POSTGRES_URL) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database of each kind, as a SQLAlchemy URL."""
    yield from _fresh_database(request.param, request, tmp_path)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty PostgreSQL + PostGIS database, for what exists only there."""
    yield from _fresh_database("postgresql", request, tmp_path)
