"""Catalog operations as the CLI and the web call them: import, export, seed, reindex. Each owns its transaction."""

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from directory import exporter, models, sources, tabular, vocabularies
from directory.importer import BATCH_SIZE, ImportReport, import_records, import_rows
from directory.search import documents
from directory.search.meili import MeiliSearchEngine
from directory.search.query import SearchUnavailable

SEED_CATALOG = Path(__file__).resolve().parent.parent / "seed_data" / "catalog" / "services.json"
ExportFormat = Literal["json", "ndjson", "csv"]
EXPORT_FILES = {"json": "services.json", "ndjson": "services.ndjson", "csv": "datapackage.json"}


async def import_source(
    engine: AsyncEngine,
    source: str,
    fmt: sources.Format | None = None,
    *,
    dry_run: bool = False,
    source_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    search_index: MeiliSearchEngine | None = None,
) -> ImportReport:
    """Import HSDS from a file, folder, zip or API URL; the format is detected when not given. A committed import
    is then pushed to ``search_index`` (when search runs on Meilisearch)."""
    fmt = fmt or sources.detect_format(source)
    updated_by = source_name or f"import of {source}"
    vocabulary = vocabularies.default()
    if fmt == "csv":
        tables = tabular.read_package(Path(source))
        report = await import_rows(engine, tables, vocabularies=vocabulary, updated_by=updated_by, dry_run=dry_run)
    else:
        if fmt != "api" and not Path(source).is_file():
            raise sources.SourceError(f"{source}: no such file")
        report = await import_records(
            engine,
            sources.read_records(source, fmt),
            vocabularies=vocabulary,
            updated_by=updated_by,
            dry_run=dry_run,
            progress=progress,
        )
    if search_index is not None and report.ok and not dry_run:
        try:
            report.search_synced = (await search_index.sync()).services
        except SearchUnavailable as error:
            report.search_error = str(error)
    return report


async def export_catalog(engine: AsyncEngine, destination: Path, fmt: ExportFormat) -> tuple[Path, int]:
    """Write the catalog into the folder ``destination``; returns the main file written and the service count."""
    destination.mkdir(parents=True, exist_ok=True)
    path = destination / EXPORT_FILES[fmt]
    async with engine.connect() as connection:
        if fmt == "csv":
            count = await tabular.write_package(connection, destination)
        elif fmt == "ndjson":
            count = await exporter.write_ndjson(connection, path)
        else:
            count = await exporter.write_json(connection, path)
    return path, count


async def service_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(models.service))).scalar_one())


async def seed(engine: AsyncEngine, search_index: MeiliSearchEngine | None = None) -> ImportReport:
    """Load the demo region (and Waypost's vocabularies) from seed_data/."""
    return await import_source(engine, str(SEED_CATALOG), "json", source_name="seed_data", search_index=search_index)


async def rebuild_documents(engine: AsyncEngine) -> tuple[int, int]:
    """Rebuild every search document from the catalog, in batches, in one transaction (searches see the old
    documents until it commits). Returns how many services and documents there are."""
    async with engine.begin() as connection:
        writer = documents.DocumentWriter(connection, vocabularies.default())
        service = models.service
        ids = list((await connection.execute(select(service.c.id).order_by(service.c.id))).scalars())
        for start in range(0, len(ids), BATCH_SIZE):
            await writer.rebuild(ids[start : start + BATCH_SIZE])
        count = (await connection.execute(select(func.count()).select_from(models.search_document))).scalar_one()
    async with engine.connect() as connection:
        await documents.refresh_statistics(connection)
    return len(ids), int(count)


async def ensure_documents(engine: AsyncEngine) -> int:
    """Rebuild the search documents if the catalog has services but no documents: a migration that changes the
    documents' shape recreates them empty. Returns how many services were reindexed (0 when nothing was needed)."""
    async with engine.connect() as connection:
        has_services = (await connection.execute(select(models.service.c.id).limit(1))).first() is not None
        document = (await connection.execute(select(models.search_document.c.key).limit(1))).first()
    if not has_services or document is not None:
        return 0
    count, _ = await rebuild_documents(engine)
    return count
