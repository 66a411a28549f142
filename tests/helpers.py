"""Test helpers: HSDS records to import, the CLI as a user runs it, and reading the database back."""

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from directory.ids import term_id
from waypost.app import create_app
from waypost.cli import main
from waypost.db import create_engine
from waypost.settings import Settings


def new_id() -> str:
    return str(uuid.uuid4())


def category_attribute(code: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "link_type": "category",
        "taxonomy_term_id": str(term_id("waypost-categories", code)),
    }


def make_service(**overrides: Any) -> dict[str, Any]:
    """A full HSDS service in the demo region, valid as it is; ``overrides`` replace top-level fields."""
    organization_id, location_id = new_id(), new_id()
    service = {
        "id": new_id(),
        "name": "Eastside Community Pantry",
        "description": "Free groceries once a week for anyone who needs them.",
        "status": "active",
        "assured_date": "2026-10-01",
        "organization": {
            "id": organization_id,
            "name": "Eastside Neighbors",
            "description": "A neighborhood mutual aid group.",
        },
        "service_at_locations": [
            {
                "id": new_id(),
                "location": {
                    "id": location_id,
                    "location_type": "physical",
                    "name": "Eastside Neighbors hall",
                    "latitude": 45.5122,
                    "longitude": -122.5791,
                    "addresses": [
                        {
                            "id": new_id(),
                            "address_1": "10 SE 122nd Ave",
                            "city": "Portland",
                            "state_province": "OR",
                            "postal_code": "97233",
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "phones": [{"id": new_id(), "number": "503-555-0142", "type": "voice"}],
        "schedules": [
            {
                "id": new_id(),
                "freq": "WEEKLY",
                "byday": "TU,TH",
                "opens_at": "10:00:00",
                "closes_at": "14:00:00",
                "tzid": "America/Los_Angeles",
            }
        ],
        "service_areas": [{"id": new_id(), "name": "East Portland", "extent_type": "text", "extent": "97233,97236"}],
        "languages": [{"id": new_id(), "name": "Spanish", "code": "es"}],
        "attributes": [category_attribute("food.pantry")],
    }
    service.update(overrides)
    return service


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def write_ndjson(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def cli(database_url: str, *args: str) -> Result:
    """Run ``waypost ARGS`` against ``database_url``, as a user would from a shell."""
    return CliRunner().invoke(main, list(args), env={"WAYPOST_DATABASE_URL": database_url}, catch_exceptions=False)


def query(database_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return [tuple(row) for row in await connection.execute(text(sql), params)]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def count(database_url: str, table: str) -> int:
    return int(query(database_url, f"SELECT count(*) FROM {table}")[0][0])


@asynccontextmanager
async def app_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The real ASGI app, started as a server starts it, with an HTTP client talking to it."""
    app = create_app(Settings(database_url=database_url))
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


def unavailable(message: str) -> None:
    """Something these tests need and this machine can have (PostgreSQL, Chromium) is missing: a visible skip
    locally, a failure under ``CI=true`` so that a missing component can never pass for green."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{message}: CI must run these tests")
    pytest.skip(message)
