"""The seed region, loaded once per database kind and search engine, for the search tests (which only read).

Every test that takes ``seeded_url`` runs on the database engines (SQLite, PostgreSQL) and on the Meilisearch
engine over each database, the index being an in-memory fake of Meilisearch's HTTP API (``fake_meili``). For the
Meilisearch runs the environment selects the engine (``WAYPOST_SEARCH_ENGINE``, ``WAYPOST_MEILI_URL``), so the seed
import fills the index through the search outbox exactly as a deployment's imports do, and the app under test
searches it.
"""

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, _admin
from tests.helpers import cli
from tests.search.fake_meili import FakeMeilisearch

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]
ENGINES = [
    pytest.param(("sqlite", "database"), id="sqlite"),
    pytest.param(("postgresql", "database"), id="postgresql", marks=pytest.mark.pg),
    pytest.param(("sqlite", "meilisearch"), id="sqlite+meilisearch"),
    pytest.param(("postgresql", "meilisearch"), id="postgresql+meilisearch", marks=pytest.mark.pg),
]


@dataclass(frozen=True)
class MeiliCatalog:
    url: str  # the seeded database
    meili_url: str  # the Meilisearch server whose index the seed import filled
    fake: FakeMeilisearch | None  # that server, when it is the fake


@contextmanager
def meilisearch_environment(fake: FakeMeilisearch) -> Iterator[None]:
    """Select the Meilisearch engine, served by ``fake``, for every command and app started in the block."""
    with fake.serving(), pytest.MonkeyPatch.context() as environment:
        environment.setenv("WAYPOST_SEARCH_ENGINE", "meilisearch")
        environment.setenv("WAYPOST_MEILI_URL", fake.url)
        yield


@contextmanager
def seeded_database(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database of ``kind`` with the seed region imported by ``waypost seed``, as a SQLAlchemy URL."""
    if kind == "sqlite":
        path: Path = tmp_path_factory.mktemp("seeded") / "seeded.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        template = request.getfixturevalue("postgres_template")
        name = f"waypost_seeded_{os.getpid()}"
        with _admin(POSTGRES_URL) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    result = cli(url, "seed")
    assert result.exit_code == 0, result.output
    yield url
    if kind == "postgresql":
        with _admin(POSTGRES_URL) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module", params=ENGINES)
def seeded_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    kind, engine = request.param
    with ExitStack() as stack:
        if engine == "meilisearch":
            stack.enter_context(meilisearch_environment(FakeMeilisearch()))
        yield stack.enter_context(seeded_database(kind, request, tmp_path_factory))


@pytest.fixture(scope="module", params=DATABASES)
def meili_catalog(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeiliCatalog]:
    """The seed region in a database of each kind, and the fake Meilisearch its import filled."""
    fake = FakeMeilisearch()
    with meilisearch_environment(fake), seeded_database(request.param, request, tmp_path_factory) as url:
        yield MeiliCatalog(url, fake.url, fake)


@pytest.fixture(scope="module", params=DATABASES)
def seeded_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seed region in a database of each kind, searched by the database's own engine."""
    with seeded_database(request.param, request, tmp_path_factory) as url:
        yield url
