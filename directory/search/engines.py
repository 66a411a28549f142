"""Which engine answers searches: the database's own, or Meilisearch (``WAYPOST_SEARCH_ENGINE``)."""

from sqlalchemy.ext.asyncio import AsyncEngine

from directory.search.database import DatabaseSearchEngine
from directory.search.meili import MeiliSearchEngine
from directory.search.query import SearchEngine
from directory.vocabularies import Vocabularies
from waypost.settings import Settings


def meilisearch(settings: Settings, engine: AsyncEngine, vocabularies: Vocabularies) -> MeiliSearchEngine | None:
    """The Meilisearch engine when it is the configured one (imports and reindexing keep it in step), else None."""
    settings.check_search()
    if settings.search_engine != "meilisearch":
        return None
    return MeiliSearchEngine(
        engine,
        vocabularies,
        settings.default_timezone,
        url=settings.meili_url,
        api_key=settings.meili_key,
        index=settings.meili_index,
    )


def configured(settings: Settings, engine: AsyncEngine, vocabularies: Vocabularies) -> SearchEngine:
    return meilisearch(settings, engine, vocabularies) or DatabaseSearchEngine(
        engine, vocabularies, settings.default_timezone
    )
