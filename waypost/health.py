"""``GET /healthz``: is the database reachable, and the search engine."""

from typing import Any

import httpx
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from waypost.settings import Settings


async def _database(state: State) -> dict[str, Any]:
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        return {"status": "error", "dialect": state.engine.dialect.name, "error": type(error).__name__}
    return {"status": "ok", "dialect": state.engine.dialect.name}


async def _search(settings: Settings, database: dict[str, Any]) -> dict[str, Any]:
    if settings.search_engine != "meilisearch":
        # The database's own text search: it is up exactly when the database is.
        return {"engine": database["dialect"], "status": database["status"]}
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            response = await client.get(f"{settings.meili_url.rstrip('/')}/health")
        status = "ok" if response.status_code == 200 else "error"
    except httpx.HTTPError:
        status = "error"
    return {"engine": "meilisearch", "status": status}


@get("/healthz", summary="Database and search engine status")
async def healthz(state: State) -> Response[dict[str, Any]]:
    database = await _database(state)
    search = await _search(state.settings, database)
    healthy = database["status"] == "ok" and search["status"] == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "search": search}
    return Response(body, status_code=200 if healthy else 503)
