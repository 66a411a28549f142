"""The application factory: one Litestar app over the configured database and search engine."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig

from directory import geo, pages, vocabularies
from directory.controllers import HSDSController
from directory.search import engines
from directory.search.controllers import search
from directory.search.query import SearchUnavailable
from referrals import pages as referral_pages
from referrals.controllers import InstrumentController, MatchController
from referrals.services import Matcher
from waypost.db import create_engine
from waypost.health import healthz
from waypost.settings import Settings, load_settings
from waypost.web import render

log = logging.getLogger(__name__)


def _search_unavailable(request: Request, error: SearchUnavailable) -> Response[dict[str, object]]:
    # The cause names the search server's address: it goes to the log, not to the public.
    log.warning("search unavailable for %s: %s", request.url.path, error)
    detail = "Search is unavailable right now; try again shortly."
    return Response({"status_code": 503, "detail": detail}, status_code=503)


@cache
def settle() -> None:
    """Load what the process keeps for its whole life, then hide everything alive from the garbage collector
    (``gc.freeze``): the ZIP table alone is 200k objects, which every full collection walked again, a pause of
    over 200 ms in whichever request it fell on. Once per process: it is the process that lives on."""
    geo.load()
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    settings.check_search()  # a misconfigured engine stops the server from starting, with the variable to fix

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings.database_url)
        app.state.vocabularies = vocabularies.default()
        app.state.search = engines.configured(settings, app.state.engine, app.state.vocabularies)
        app.state.matcher = Matcher(
            app.state.engine, app.state.search, app.state.vocabularies, settings.default_timezone
        )
        settle()
        try:
            yield
        finally:
            await app.state.engine.dispose()

    return Litestar(
        route_handlers=[
            healthz,
            HSDSController,
            search,
            InstrumentController,
            MatchController,
            pages.router(),
            referral_pages.router(),
            render.static_files(),
        ],
        lifespan=[lifespan],
        state=State({"settings": settings}),
        exception_handlers={SearchUnavailable: _search_unavailable, NotFoundException: render.not_found},
        template_config=render.template_config({"directory": pages.TEMPLATES, "referrals": referral_pages.TEMPLATES}),
        openapi_config=OpenAPIConfig(title="Waypost", version="0.1.0", path="/schema"),
    )
