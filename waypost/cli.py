"""The ``waypost`` command."""

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import click
import msgspec
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from directory import services, sources, synthetic, vocabularies
from directory.importer import ImportReport
from directory.search import engines
from directory.search.meili import MeiliSearchEngine
from directory.search.query import SearchUnavailable
from waypost import migrate
from waypost.db import create_engine
from waypost.settings import Settings, load_settings


def _run(settings: Settings, work: Any) -> Any:
    """Run ``work(engine)`` on a fresh engine and dispose of it afterwards."""

    async def main() -> Any:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _settings(migrated: bool = True) -> Settings:
    """The settings, with the database brought to the newest revision (Alembic does nothing if it already is).
    Every command but the migrations also needs search settings that work."""
    settings = load_settings()
    settings.ensure_data_dir()
    if migrated:
        try:
            settings.check_search()
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        _upgrade(settings)
    return settings


def _upgrade(settings: Settings, revision: str = "head") -> None:
    migrate.upgrade(settings.database_url, revision)
    if revision == "head":
        rebuilt = _run(settings, services.ensure_documents)
        if rebuilt:
            click.echo(f"Rebuilt the search documents of {rebuilt} services for the new database revision.")


def _search_index(settings: Settings, engine: AsyncEngine) -> MeiliSearchEngine | None:
    """The Meilisearch index that imports keep in step, when Meilisearch is the search engine."""
    return engines.meilisearch(settings, engine, vocabularies.default())


@click.group()
def main() -> None:
    """Waypost: a community resource directory and referral service."""


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the configured database up to REVISION (default: the newest)."""
    _upgrade(_settings(migrated=False), revision)
    click.echo(f"Database is at revision {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the configured database down to REVISION ("base" removes every table)."""
    migrate.downgrade(_settings(migrated=False).database_url, revision)
    click.echo(f"Database is at revision {revision}.")


def _print_report(report: ImportReport, started: float) -> None:
    for problem in report.problems:
        click.echo(str(problem), err=True)
    counts = report.counts["service"]
    summary = ", ".join(f"{counts[k]} {k}" for k in ("created", "updated", "unchanged"))
    seconds = time.perf_counter() - started
    if report.problems:
        problems = f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}"
        click.echo(f"Import rejected: {problems} in {report.records} records. Nothing was changed.", err=True)
    elif report.dry_run:
        click.echo(f"Dry run: {report.records} services would be imported ({summary}). Nothing was changed.")
    else:
        click.echo(f"Imported {report.records} services in {seconds:.1f} s ({summary}).")
    if report.search_synced is not None:
        click.echo(f"Search index: {report.search_synced} changed services sent to Meilisearch.")
    if report.search_error is not None:
        click.echo(
            f"Search index not updated ({report.search_error}). The changes stay queued: the next import or "
            "`waypost reindex` sends them.",
            err=True,
        )


@main.command("import")
@click.argument("source")
@click.option("--format", "fmt", type=click.Choice(sources.FORMATS), help="Detected from SOURCE when not given.")
@click.option("--dry-run", is_flag=True, help="Check and count everything, then change nothing.")
@click.option("--source-name", help="Who or what the change history names as the source (default: SOURCE).")
def import_command(source: str, fmt: sources.Format | None, dry_run: bool, source_name: str | None) -> None:
    """Import HSDS 3.0 from a JSON or NDJSON file, a CSV package (folder or zip) or an HSDS API URL."""
    started = time.perf_counter()

    def progress(records: int) -> None:
        rate = records / max(time.perf_counter() - started, 1e-9)
        click.echo(f"... {records} services read ({rate:,.0f}/s)", err=True)

    settings = _settings()
    try:
        report = _run(
            settings,
            lambda engine: services.import_source(
                engine,
                source,
                fmt,
                dry_run=dry_run,
                source_name=source_name,
                progress=progress,
                search_index=_search_index(settings, engine),
            ),
        )
    except sources.SourceError as error:
        raise click.ClickException(str(error)) from None
    _print_report(report, started)
    if report.problems:
        sys.exit(1)


@main.command("export")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "ndjson", "csv"]), default="json", show_default=True)
def export_command(destination: Path, fmt: services.ExportFormat) -> None:
    """Export the catalog as HSDS 3.0 into the folder DESTINATION."""
    path, count = _run(_settings(), lambda engine: services.export_catalog(engine, destination, fmt))
    click.echo(f"Exported {count} services to {path}.")


@main.command("seed")
def seed_command() -> None:
    """Load the demo region from seed_data/ into the configured database."""
    started = time.perf_counter()
    settings = _settings()
    report = _run(settings, lambda engine: services.seed(engine, _search_index(settings, engine)))
    _print_report(report, started)
    if report.problems:
        sys.exit(1)


@main.command("reindex")
def reindex_command() -> None:
    """Rebuild every search document from the catalog, and the Meilisearch index when it is the search engine."""
    settings = _settings()

    async def work(engine: AsyncEngine) -> None:
        started = time.perf_counter()
        count, documents = await services.rebuild_documents(engine)
        seconds = time.perf_counter() - started
        click.echo(f"Rebuilt {documents} search documents for {count} services in {seconds:.1f} s.")
        index = _search_index(settings, engine)
        if index is None:
            return
        started = time.perf_counter()
        built = await index.reindex()
        swapped = "swapped it in and deleted the old index" if built.replaced else "swapped it in (no index before)"
        click.echo(
            f"Meilisearch: built {built.index}_tmp with {built.documents} documents of {built.services} services, "
            f"{swapped}: {built.index} is current ({time.perf_counter() - started:.1f} s)."
        )
        caught_up = await index.sync()
        if caught_up.services:
            click.echo(f"Meilisearch: sent {caught_up.services} services changed during the rebuild.")

    try:
        _run(settings, work)
    except SearchUnavailable as error:
        raise click.ClickException(f"{error}. The search documents are rebuilt; run `waypost reindex` again.") from None


@main.command("generate")
@click.option("--services", "count", type=click.IntRange(min=1), required=True, help="How many services.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write to.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same catalog.")
def generate_command(count: int, out: Path, seed: int) -> None:
    """Write a deterministic synthetic HSDS catalog (services.ndjson) for scale tests."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "services.ndjson"
    encoder = msgspec.json.Encoder()
    with path.open("wb") as file:
        for service in synthetic.generate_services(count, seed):
            file.write(encoder.encode(service) + b"\n")
    click.echo(f"Wrote {count} services to {path}.")


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    from waypost.app import create_app

    if workers > 1:
        uvicorn.run("waypost.app:create_app", factory=True, host=host, port=port, workers=workers)
    else:
        uvicorn.run(create_app(settings), host=host, port=port)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True)
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve Waypost with the configured database."""
    _serve(_settings(), host, port, workers)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def demo_command(host: str, port: int) -> None:
    """Migrate the embedded database, load the demo region if it is empty, and serve."""
    settings = _settings()
    if _run(settings, services.service_count) == 0:
        click.echo("Loading the demo region...")
        report = _run(settings, lambda engine: services.seed(engine, _search_index(settings, engine)))
        if report.problems:
            _print_report(report, time.perf_counter())
            sys.exit(1)
    click.echo(f"Waypost is running at http://{host}:{port}/ (HSDS API at /hsds/, health at /healthz)")
    _serve(settings, host, port)
