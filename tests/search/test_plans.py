"""The database engine's statements are answered through the indexes meant for them, on SQLite and PostgreSQL.

Each search below runs through ``DatabaseSearchEngine``; its statements are captured and explained by the database
itself. SQLite plans without statistics, so its plans here are the plans it makes at 100k services. PostgreSQL
plans by statistics and reads a table as small as the seed region's whole, sequentially or along its whole primary
key, so it is asked with both of those turned off, leaving it the bitmap scans through which each condition is
answered by its own index: what is checked is that every condition can be answered through an index, as at scale.
"""

import asyncio
import sqlite3
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from directory import vocabularies
from directory.search.database import DatabaseSearchEngine
from directory.search.query import SearchQuery
from tests.conftest import _admin
from waypost.db import create_engine, prepare_sqlite

PORTLAND = {"latitude": 45.5122, "longitude": -122.5791, "postal_code": "97233", "state": "OR"}
SEARCHES = {
    "words near a ZIP": SearchQuery(text="food pantry", **PORTLAND),
    "words alone": SearchQuery(text="counseling"),
    "words alone naming no category": SearchQuery(text="legal"),
    "a category near a ZIP": SearchQuery(categories=("housing.shelter",), **PORTLAND),
    "filters around a point": SearchQuery(age=30, free=True, **PORTLAND),
}


def _statements(database_url: str, query: SearchQuery) -> list[tuple[str, Any]]:
    """The statements a search sends, with their parameters."""

    async def run() -> list[tuple[str, Any]]:
        engine = create_engine(database_url)
        sent: list[tuple[str, Any]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: sent.append((args[2], args[3])))
        try:
            await DatabaseSearchEngine(engine, vocabularies.default(), "America/Los_Angeles").search(query)
        finally:
            await engine.dispose()
        return sent

    return asyncio.run(run())


def _finding(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The statements that find the matches: the page and the facets, in one statement or apart
    (``DatabaseSearchEngine._page_and_facets``)."""
    found = [(sql, parameters) for sql, parameters in statements if " AS matched" in sql or " AS found" in sql]
    assert found, statements
    return found


def _plan(database_url: str, sql: str, parameters: Any) -> str:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(make_url(database_url).database or "") as connection:
            prepare_sqlite(connection)  # the functions a search calls
            return "\n".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters))
    with _admin(database_url) as connection:
        connection.execute("SET enable_seqscan = off")
        connection.execute("SET enable_indexscan = off")
        return "\n".join(row[0] for row in connection.execute(f"EXPLAIN {sql}", parameters))


@pytest.mark.parametrize("name", SEARCHES)
def test_a_search_reads_the_listings_through_indexes(seeded_database_url: str, name: str) -> None:
    for sql, parameters in _finding(_statements(seeded_database_url, SEARCHES[name])):
        plan = _plan(seeded_database_url, sql, parameters)
        if seeded_database_url.startswith("sqlite"):
            assert "SCAN search_document" not in plan, plan  # never every listing
            assert "ix_search_document_status" not in plan, plan
        else:
            assert "Seq Scan on search_document" not in plan, plan
            assert "Seq Scan on search_text" not in plan, plan


@pytest.mark.parametrize("name", ["words near a ZIP", "words alone"])
def test_words_are_found_through_the_text_index_and_joined_to_their_listings(
    seeded_database_url: str, name: str
) -> None:
    for sql, parameters in _finding(_statements(seeded_database_url, SEARCHES[name])):
        plan = _plan(seeded_database_url, sql, parameters)
        if seeded_database_url.startswith("sqlite"):
            assert "SCAN search_fts VIRTUAL TABLE" in plan, plan
            assert "SEARCH search_document USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
        elif name == "words alone":
            assert "ix_search_text_tsv" in plan, plan
        else:
            # The texts near the place are found through the place codes' index (migration 0010). At 100k services
            # PostgreSQL intersects it with the words' index (a BitmapAnd); on the seed region's few hundred texts it
            # may test the words on the rows that index finds.
            assert "Bitmap Index Scan on ix_search_text_place" in plan, plan
            assert "ix_search_text_tsv" in plan or "(tsv @@" in plan, plan
            # "food pantry" names a category: its listings' texts are found through their category codes' index in the
            # same scan (migration 0015), not read apart and checked against the texts with the words.
            assert "Bitmap Index Scan on ix_search_text_category" in plan, plan
            assert "Anti Join" not in plan, plan


def test_the_listings_near_a_point_are_found_through_a_spatial_index(seeded_database_url: str) -> None:
    # The listings within REACHABLE_KM, ranked first, then every match, counted or ranked
    # (``DatabaseSearchEngine._page_and_facets``).
    statements = _finding(_statements(seeded_database_url, SEARCHES["filters around a point"]))
    assert len(statements) == 2, statements
    for sql, parameters in statements:
        plan = _plan(seeded_database_url, sql, parameters)
        if seeded_database_url.startswith("sqlite"):
            # Checked, ranked and counted from the index alone, never looked up one by one (migration 0009).
            assert "USING COVERING INDEX ix_search_document_place" in plan, plan
        else:
            assert "ix_search_document_geog" in plan, plan
    if seeded_database_url.startswith("sqlite"):
        # Near the point, whether a listing's service covers it too (migration 0017): no index but that one, and
        # the page's rows by key.
        near = _plan(seeded_database_url, *statements[0])
        assert "USING INDEX" not in near, near
    else:
        # Every match: the listings whose service names the point's state or ZIP code, through their area codes'
        # index (migration 0014), not a list of keys read first and probed one by one.
        every_match = _plan(seeded_database_url, *statements[1])
        assert "Bitmap Index Scan on ix_search_document_area" in every_match, every_match


@pytest.mark.parametrize("name", ["words alone naming no category", "words near a ZIP"])
def test_postgresql_answers_words_from_the_texts_without_joining_the_documents(
    seeded_database_url: str, name: str
) -> None:
    # The texts repeat what ranking, the facets and the place read (migrations 0013 and 0015): the documents are read
    # only for the page.
    for sql, parameters in _finding(_statements(seeded_database_url, SEARCHES[name])):
        plan = _plan(seeded_database_url, sql, parameters)
        if seeded_database_url.startswith("sqlite"):
            assert "SEARCH search_document USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan  # joined by rowid
        else:
            assert plan.count(" on search_document") == 1, plan  # the page's twenty rows
