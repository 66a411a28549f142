"""The seed region, loaded once per database kind, for the search tests (which only read)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, _admin
from tests.helpers import cli


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def seeded_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
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
    if request.param == "postgresql":
        with _admin(POSTGRES_URL) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
