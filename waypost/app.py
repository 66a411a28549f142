"""The application factory: one Litestar app over the configured database."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from directory import vocabularies
from directory.controllers import HSDSController
from directory.search.controllers import search
from directory.search.database import DatabaseSearchEngine
from waypost.db import create_engine
from waypost.health import healthz
from waypost.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings.database_url)
        app.state.vocabularies = vocabularies.default()
        app.state.search = DatabaseSearchEngine(app.state.engine, app.state.vocabularies, settings.default_timezone)
        try:
            yield
        finally:
            await app.state.engine.dispose()

    return Litestar(
        route_handlers=[healthz, HSDSController, search],
        lifespan=[lifespan],
        state=State({"settings": settings}),
        openapi_config=OpenAPIConfig(title="Waypost", version="0.1.0", path="/schema"),
    )
