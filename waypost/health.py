"""``GET /healthz``: is the database reachable, and the search engine."""

from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from directory.search.meili import MeiliSearchEngine


async def _database(state: State) -> dict[str, Any]:
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        return {"status": "error", "dialect": state.engine.dialect.name, "error": type(error).__name__}
    return {"status": "ok", "dialect": state.engine.dialect.name}


async def _search(state: State, database: dict[str, Any]) -> dict[str, Any]:
    search = state.search
    if isinstance(search, MeiliSearchEngine):
        # Meilisearch's own /health; searches also read hits from the database, checked above.
        return {"engine": search.name, "status": "ok" if await search.healthy() else "error"}
    # The database's own text search: it is up exactly when the database is.
    return {"engine": search.name, "status": database["status"]}


@get("/healthz", summary="Database and search engine status")
async def healthz(state: State) -> Response[dict[str, Any]]:
    database = await _database(state)
    search = await _search(state, database)
    healthy = database["status"] == "ok" and search["status"] == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "search": search}
    return Response(body, status_code=200 if healthy else 503)
