"""An HTTP client on the real app over a given database."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from waypost.app import create_app
from waypost.settings import Settings


@asynccontextmanager
async def search_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url))
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c
