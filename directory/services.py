"""Catalog operations as the CLI and the web call them: import, export, seed. Each owns its transaction."""

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from directory import exporter, models, sources, tabular, vocabularies
from directory.importer import ImportReport, import_records, import_rows

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
) -> ImportReport:
    """Import HSDS from a file, folder, zip or API URL; the format is detected when not given."""
    fmt = fmt or sources.detect_format(source)
    updated_by = source_name or f"import of {source}"
    vocabulary = vocabularies.default()
    if fmt == "csv":
        tables = tabular.read_package(Path(source))
        return await import_rows(engine, tables, vocabularies=vocabulary, updated_by=updated_by, dry_run=dry_run)
    if fmt != "api" and not Path(source).is_file():
        raise sources.SourceError(f"{source}: no such file")
    return await import_records(
        engine,
        sources.read_records(source, fmt),
        vocabularies=vocabulary,
        updated_by=updated_by,
        dry_run=dry_run,
        progress=progress,
    )


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


async def seed(engine: AsyncEngine) -> ImportReport:
    """Load the demo region (and Waypost's vocabularies) from seed_data/."""
    return await import_source(engine, str(SEED_CATALOG), "json", source_name="seed_data")
