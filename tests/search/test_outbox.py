"""The search outbox keeps an outside index in step: imports queue what they change in their own transaction, a
push clears what it sent, a failed push leaves everything queued; ``waypost reindex`` rebuilds from scratch."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import delete

from directory import models, vocabularies
from directory.search import outbox
from directory.search.meili import MeiliSearchEngine, SyncReport
from directory.search.query import SearchUnavailable
from tests.helpers import cli, make_service, new_id, query, write_json
from tests.search.conftest import meilisearch_environment
from tests.search.fake_meili import FakeMeilisearch
from waypost import migrate
from waypost.db import create_engine


@pytest.fixture
def fake() -> Iterator[FakeMeilisearch]:
    """A fake Meilisearch selected as the search engine for the commands a test runs."""
    server = FakeMeilisearch()
    with meilisearch_environment(server):
        yield server


@asynccontextmanager
async def meilisearch(database_url: str, fake: FakeMeilisearch) -> AsyncIterator[MeiliSearchEngine]:
    engine = create_engine(database_url)
    try:
        yield MeiliSearchEngine(engine, vocabularies.default(), "America/Los_Angeles", url=fake.url)
    finally:
        await engine.dispose()


def _queued(database_url: str) -> set[str]:
    return {str(UUID(str(row[0]))) for row in query(database_url, "SELECT service_id FROM search_outbox")}


async def _queued_soon(database_url: str) -> set[str]:
    """``_queued`` from a test that runs in the event loop (``query`` starts one of its own)."""
    return await asyncio.to_thread(_queued, database_url)


def _import(database_url: str, tmp_path: Path, records: list[dict[str, Any]]) -> str:
    """Import without an outside index configured (a database engine deployment); returns the CLI output."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("WAYPOST_SEARCH_ENGINE", "auto")
        result = cli(database_url, "import", str(write_json(tmp_path / f"{new_id()}.json", records)))
    assert result.exit_code == 0, result.output
    return result.output


def test_an_import_queues_the_services_it_changes_and_a_rejected_one_queues_nothing(
    database_url: str, tmp_path: Path
) -> None:
    records = [make_service() for _ in range(3)]
    _import(database_url, tmp_path, records)
    assert _queued(database_url) == {record["id"] for record in records}
    broken = make_service(status="no such status")
    result = cli(database_url, "import", str(write_json(tmp_path / "broken.json", [broken])))
    assert result.exit_code == 1
    assert broken["id"] not in _queued(database_url)  # the import was rolled back, its queueing with it


async def test_a_push_sends_the_queued_documents_removes_stale_ones_and_clears_the_queue(
    database_url: str, tmp_path: Path, fake: FakeMeilisearch
) -> None:
    records = [make_service() for _ in range(3)]
    await asyncio.to_thread(_import, database_url, tmp_path, records)
    async with meilisearch(database_url, fake) as index:
        pushed = await index.sync()
        assert (pushed.services, pushed.documents) == (3, 3)
        assert await _queued_soon(database_url) == set()
        documents = fake.index("waypost").documents
        moved = records[0]
        before = {key for key, d in documents.items() if d["service_id"] == moved["id"]}
        # The service moves to another site: its listing gets a new id, and the old one must leave the index.
        moved["service_at_locations"][0]["id"] = new_id()
        await asyncio.to_thread(_import, database_url, tmp_path, [moved])
        assert await _queued_soon(database_url) == {moved["id"]}
        assert (await index.sync()).services == 1
        assert await index.sync() == SyncReport()  # nothing left to send
    after = {key for key, d in fake.index("waypost").documents.items() if d["service_id"] == moved["id"]}
    assert after == {moved["service_at_locations"][0]["id"]} and not before & after
    assert len(fake.index("waypost").documents) == 3


async def test_a_failed_push_leaves_the_services_queued_until_one_succeeds(
    database_url: str, tmp_path: Path, fake: FakeMeilisearch
) -> None:
    records = [make_service() for _ in range(2)]
    await asyncio.to_thread(_import, database_url, tmp_path, records)
    async with meilisearch(database_url, fake) as index:
        fake.failing_tasks.add("documentAdditionOrUpdate")
        with pytest.raises(SearchUnavailable, match="documentAdditionOrUpdate"):
            await index.sync()
        assert await _queued_soon(database_url) == {record["id"] for record in records}
        fake.failing_tasks.clear()
        fake.unreachable = True
        with pytest.raises(SearchUnavailable):
            await index.sync()
        assert len(await _queued_soon(database_url)) == 2
        fake.unreachable = False
        assert (await index.sync()).services == 2
    assert await _queued_soon(database_url) == set()


def test_the_import_command_pushes_after_committing_and_says_so_or_why_not(
    database_url: str, tmp_path: Path, fake: FakeMeilisearch
) -> None:
    first, second = make_service(), make_service()
    result = cli(database_url, "import", str(write_json(tmp_path / "first.json", [first])))
    assert result.exit_code == 0 and "1 changed services sent to Meilisearch" in result.output
    assert _queued(database_url) == set() and len(fake.index("waypost").documents) == 1
    fake.unreachable = True
    result = cli(database_url, "import", str(write_json(tmp_path / "second.json", [second])))
    # The catalog took the import: the command succeeds, and says the index will catch up.
    assert result.exit_code == 0 and "Search index not updated" in result.output
    assert _queued(database_url) == {second["id"]}


async def test_a_service_queued_again_while_it_is_pushed_stays_queued(database_url: str, tmp_path: Path) -> None:
    record = make_service()
    await asyncio.to_thread(_import, database_url, tmp_path, [record])
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            read = await outbox.pending(connection)
        async with engine.begin() as connection:
            await outbox.queue(connection, [UUID(record["id"])])  # an import commits while the push is under way
        async with engine.begin() as connection:
            await outbox.clear(connection, read)
    finally:
        await engine.dispose()
    assert await _queued_soon(database_url) == {record["id"]}


def test_an_upgrade_that_recreates_the_documents_rebuilds_them_and_queues_their_services(
    database_url: str, tmp_path: Path
) -> None:
    _import(database_url, tmp_path, [make_service(), make_service()])
    migrate.downgrade(database_url, "0002")  # before the outbox, and with the documents in their older shape
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("WAYPOST_SEARCH_ENGINE", "auto")
        result = cli(database_url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "Rebuilt the search documents of 2 services" in result.output
    assert query(database_url, "SELECT count(*) FROM search_document") == [(2,)]
    assert len(_queued(database_url)) == 2


async def _delete_documents(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(delete(models.search_document))
    finally:
        await engine.dispose()


def test_reindex_rebuilds_every_search_document_on_a_database_engine(database_url: str, tmp_path: Path) -> None:
    _import(database_url, tmp_path, [make_service() for _ in range(3)])
    asyncio.run(_delete_documents(database_url))
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("WAYPOST_SEARCH_ENGINE", "auto")
        result = cli(database_url, "reindex")
    assert result.exit_code == 0, result.output
    assert "Rebuilt 3 search documents for 3 services" in result.output and "Meilisearch" not in result.output
    assert query(database_url, "SELECT count(*) FROM search_document") == [(3,)]


def test_reindex_builds_a_fresh_meilisearch_index_and_swaps_it_in(
    database_url: str, tmp_path: Path, fake: FakeMeilisearch
) -> None:
    _import(database_url, tmp_path, [make_service() for _ in range(3)])  # queued, never pushed
    first = cli(database_url, "reindex")
    assert first.exit_code == 0, first.output
    assert "built waypost_tmp with 3 documents of 3 services, swapped it in (no index before)" in first.output
    assert _queued(database_url) == set()
    fake.index("waypost").documents["stray"] = {"id": "stray", "service_id": new_id()}  # what a rebuild must drop
    second = cli(database_url, "reindex")
    assert second.exit_code == 0, second.output
    assert "swapped it in and deleted the old index" in second.output
    assert set(fake.indexes) == {"waypost"} and len(fake.index("waypost").documents) == 3
    assert fake.index("waypost").settings["rankingRules"][0] == "words"
    swaps = [body for _, path, body in fake.requests if path == "/swap-indexes"]
    assert swaps[-1] == [{"indexes": ["waypost", "waypost_tmp"]}]
