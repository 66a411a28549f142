"""The app over HTTP: health, the HSDS API, and importing from a live HSDS API on loopback."""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.helpers import app_client, cli, count, make_service, write_json
from waypost.app import create_app
from waypost.settings import Settings


async def test_healthz_reports_database_and_search_engine(database_url: str) -> None:
    async with app_client(database_url) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    dialect = "sqlite" if "sqlite" in database_url else "postgresql"
    assert response.json() == {
        "status": "ok",
        "database": {"status": "ok", "dialect": dialect},
        "search": {"engine": dialect, "status": "ok"},
    }


async def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    async with app_client(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/db.sqlite3") as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "error"


async def test_hsds_root_and_paginated_services(database_url: str, tmp_path: Path) -> None:
    services = [make_service() for _ in range(3)]
    path = write_json(tmp_path / "s.json", services)
    # The CLI runs its own event loop, so it runs beside this test's loop, in a thread.
    assert (await asyncio.to_thread(cli, database_url, "import", str(path))).exit_code == 0
    async with app_client(database_url) as client:
        root = (await client.get("/hsds/")).json()
        page = (await client.get("/hsds/services", params={"per_page": 2, "page": 2})).json()
        full = (await client.get("/hsds/services", params={"full": "true"})).json()
        one = await client.get(f"/hsds/services/{services[0]['id']}")
    assert root["version"] == "3.0" and root["openapi_url"].endswith("/schema/openapi.json")
    assert {
        k: page[k] for k in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty")
    } == {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 2,
        "size": 1,
        "first_page": False,
        "last_page": True,
        "empty": False,
    }
    assert "organization" in page["contents"][0] and "service_at_locations" not in page["contents"][0]
    assert all(s["service_at_locations"] for s in full["contents"])
    assert one.status_code == 200 and one.json()["name"] == services[0]["name"]


async def test_unknown_service_is_404_and_bad_paging_is_400(database_url: str) -> None:
    async with app_client(database_url) as client:
        missing = await client.get("/hsds/services/6f1d5c2e-8b7a-4f3e-9c1d-2a4b6c8d0e1f")
        response = await client.get("/hsds/services", params={"per_page": 0})
    assert missing.status_code == 404
    assert response.status_code == 400
    assert "per_page" in response.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, str]]:
    """A second Waypost serving its own catalog over real HTTP on loopback: (its database URL, its base URL)."""
    path = tmp_path / "remote.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(Settings(database_url=url)), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield url, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_import_from_a_remote_hsds_api_crawls_every_page(
    database_url: str, live_server: tuple[str, str], tmp_path: Path
) -> None:
    remote_url, base = live_server
    services = [make_service() for _ in range(120)]  # more than one page of 100
    assert cli(remote_url, "import", str(write_json(tmp_path / "s.json", services))).exit_code == 0
    result = cli(database_url, "import", f"{base}/hsds")
    assert result.exit_code == 0, result.output
    assert "Imported 120 services" in result.output
    assert count(database_url, "service") == 120 and count(database_url, "address") == 120
    single = cli(database_url, "import", f"{base}/hsds/services/{services[0]['id']}", "--format", "api")
    assert "(0 created, 0 updated, 1 unchanged)" in single.output


def test_unreachable_api_is_a_clear_error(database_url: str) -> None:
    port = _free_port()
    result = cli(database_url, "import", f"http://127.0.0.1:{port}/hsds")
    assert result.exit_code == 1
    assert f"Error: http://127.0.0.1:{port}/hsds: " in result.output
