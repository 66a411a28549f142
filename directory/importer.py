"""Importing HSDS into the catalog: validate, flatten to rows, upsert by id, record what changed.

The whole import is one transaction: if any record is invalid nothing is kept, and a dry run is rolled back too.
Records are read and written in batches, so memory stays flat however large the source is. Re-importing the same
data changes nothing; changed data is updated in place and each changed field is recorded in HSDS ``metadata``.
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import Table, delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import bindparam

from directory import graph, models, schemas
from directory.search import documents
from directory.validation import Invalid, Problem, area_geometry, convert, named_area
from directory.vocabularies import Vocabularies
from waypost.db import Base, among, bulk_insert

BATCH_SIZE = 500
PROGRESS_EVERY = 5_000


@dataclass
class Batch:
    """Rows of many tables, keyed by id, and which parents' nested lists arrived complete."""

    rows: dict[str, dict[UUID, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    owners: dict[tuple[str, graph.Edge], set[UUID]] = field(default_factory=lambda: defaultdict(set))
    origins: dict[UUID, tuple[str, str]] = field(default_factory=dict)  # row id -> (record label, record id)
    records: int = 0

    def add(self, kind: str, row: dict[str, Any], origin: tuple[str, str]) -> Problem | None:
        """Add a row; the same record met again (say a phone nested under a service and under its location) is
        merged, unless a field has two different values."""
        known = self.rows[kind].get(row["id"])
        if known is None:
            self.rows[kind][row["id"]] = row
            self.origins[row["id"]] = origin
            return None
        for name, value in row.items():
            if value is None or known.get(name) == value:
                continue
            if known.get(name) is not None:
                first = self.origins[row["id"]][0]
                return Problem(
                    origin[0],
                    origin[1],
                    f"{kind}.{name}",
                    f"{kind} {row['id']} has {name} {value!r} here but {known[name]!r} in {first}",
                )
            known[name] = value
        return None


def flatten(value: msgspec.Struct, kind: str, batch: Batch, origin: tuple[str, str]) -> list[Problem]:
    """Add a full HSDS object and everything nested in it to ``batch`` as table rows."""
    problems: list[Problem] = []
    _flatten(value, kind, None, batch, origin, problems)
    return problems


def _flatten(
    value: Any,
    kind: str,
    parent: tuple[str, graph.Edge, UUID] | None,
    batch: Batch,
    origin: tuple[str, str],
    problems: list[Problem],
) -> None:
    row = msgspec.structs.asdict(value)
    for edge in graph.EDGES[kind]:
        row.pop(edge.key, None)
    if parent is not None:
        parent_kind, edge, parent_id = parent
        row[edge.column] = parent_id
        if kind == "attribute":
            row["link_entity"] = parent_kind
    for edge in graph.EDGES[kind]:
        nested = getattr(value, edge.key, msgspec.UNSET)
        if nested is msgspec.UNSET:
            continue
        if edge.many:
            batch.owners[(kind, edge)].add(value.id)
            for child in nested:
                _flatten(child, edge.kind, (kind, edge, value.id), batch, origin, problems)
        else:
            row[edge.column] = nested.id
            _flatten(nested, edge.kind, None, batch, origin, problems)
    problem = batch.add(kind, row, origin)
    if problem:
        problems.append(problem)


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    records: int = 0
    dry_run: bool = False
    # After a committed import, when an outside search index is kept in step: how many services were sent to it,
    # or why they could not be (they stay queued in the search outbox).
    search_synced: int | None = None
    search_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class CatalogWriter:
    """Upserts batches of rows inside one open transaction."""

    def __init__(self, connection: AsyncConnection, vocabularies: Vocabularies, updated_by: str) -> None:
        self.connection = connection
        self.vocabularies = vocabularies
        self.updated_by = updated_by
        self.now = datetime.now(UTC).isoformat(timespec="seconds")
        self.report = ImportReport()
        self.documents = documents.DocumentWriter(connection, vocabularies)
        self._record_batches = 0  # batches of records written, the vocabularies' aside

    async def write_vocabularies(self) -> None:
        await self.write(self.vocabularies.batch(), own_vocabularies=True)

    async def write(self, batch: Batch, own_vocabularies: bool = False) -> None:
        if not own_vocabularies:
            if self._record_batches == 1:
                await self._analyse()
            self._record_batches += 1
            # Waypost's own taxonomies are defined by seed_data/taxonomy; a copy nested in imported data (it is
            # often slightly different) must not overwrite them.
            for kind in ("taxonomy", "taxonomy_term"):
                for record_id in self.vocabularies.record_ids & batch.rows.get(kind, {}).keys():
                    del batch.rows[kind][record_id]
        await self._add_crosswalked_attributes(batch)
        written: dict[str, set[UUID]] = {}  # ids this batch has written, which references may rely on
        stored_before: set[UUID] = set()  # ids the catalog already had: only these can have stale children
        for kind in graph.WRITE_ORDER:
            rows = batch.rows.get(kind)
            if rows:
                kept = await self._drop_dangling(kind, rows, batch, written)
                stored_before |= await self._upsert(kind, kept)
                written[kind] = {row["id"] for row in kept}
        await self._remove_stale_children(batch, stored_before)
        await self.documents.rebuild(await self._services_to_reindex(batch))

    async def _analyse(self) -> None:
        """PostgreSQL: statistics of every table an import writes, taken before its second batch, once the first is
        in (ANALYZE, inside the import's transaction, samples the rows the transaction wrote); an import of one
        batch has nothing to gain. A catalog imported into empty tables has none, and the planner, guessing that a
        batch's few hundred ids matched most of a table, read the whole of it for each batch: a 100k-service import
        read 240M rows that way (``attribute`` 271 times). SQLite's planner prefers the indexes without
        statistics."""
        if self.connection.dialect.name == "postgresql":
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            await self.connection.execute(text(f"ANALYZE {tables}"))

    async def _services_to_reindex(self, batch: Batch) -> set[UUID]:
        """The services in the batch, and those whose organization or locations the batch may have changed."""
        service, at_location = models.service, models.service_at_location
        ids = set(batch.rows.get("service", {}))
        if organizations := batch.rows.get("organization"):
            query = select(service.c.id).where(among(self.connection, service.c.organization_id, organizations))
            ids.update((await self.connection.execute(query)).scalars())
        if locations := batch.rows.get("location"):
            query = select(at_location.c.service_id).where(among(self.connection, at_location.c.location_id, locations))
            ids.update(i for i in (await self.connection.execute(query)).scalars() if i)
        return ids

    async def _existing(self, table: Table, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        result = await self.connection.execute(select(table).where(among(self.connection, table.c.id, ids)))
        return {row.id: dict(row._mapping) for row in result}

    async def _ids_present(self, table: Table, ids: set[UUID]) -> set[UUID]:
        result = await self.connection.execute(select(table.c.id).where(among(self.connection, table.c.id, ids)))
        return set(result.scalars())

    async def _drop_dangling(
        self, kind: str, rows: dict[UUID, dict[str, Any]], batch: Batch, written: dict[str, set[UUID]]
    ) -> list[dict[str, Any]]:
        """Rows whose references resolve (in this import or the catalog); the others become problems."""
        table = models.TABLES[kind]
        dangling: set[UUID] = set()
        for foreign_key in table.foreign_keys:
            column = foreign_key.parent.name
            target = foreign_key.column.table
            wanted = {row[column] for row in rows.values() if row.get(column) is not None}
            wanted -= written.get(target.name, set())
            missing = wanted - await self._ids_present(target, wanted) if wanted else set()
            for row in rows.values():
                if row.get(column) in missing:
                    record, record_id = batch.origins[row["id"]]
                    self.report.problems.append(
                        Problem(
                            record,
                            record_id,
                            f"{kind}.{column}",
                            f"refers to {target.name} {row[column]}, "
                            "which is neither in this import nor in the catalog",
                        )
                    )
                    dangling.add(row["id"])
        return [row for row in rows.values() if row["id"] not in dangling]

    async def _upsert(self, kind: str, rows: list[dict[str, Any]]) -> set[UUID]:
        """Insert new rows, update changed ones; returns the ids that were already stored."""
        table = models.TABLES[kind]
        if kind == "service_area":
            rows = [_with_area_columns(row) for row in rows]
        existing = await self._existing(table, (row["id"] for row in rows))
        created = [row for row in rows if row["id"] not in existing]
        changed = [row for row in rows if row["id"] in existing and _differs(row, existing[row["id"]])]
        counts = self.report.counts[kind]
        counts["created"] += len(created)
        counts["updated"] += len(changed)
        counts["unchanged"] += len(rows) - len(created) - len(changed)
        await bulk_insert(self.connection, table, created)
        if changed:
            statement = table.update().where(table.c.id == bindparam("b_id"))
            await self.connection.execute(statement, [{**row, "b_id": row["id"]} for row in changed])
        history = [self._history(kind, row["id"], "create", "", None, None) for row in created if kind == "service"]
        for row in changed:
            before = existing[row["id"]]
            history += [
                self._history(kind, row["id"], "update", name, before.get(name), value)
                for name, value in row.items()
                if before.get(name) != value
            ]
        if history:
            await bulk_insert(self.connection, models.metadata, history)
        if kind == "service_area":
            await self._replace_postal_codes(created + changed)
        return set(existing)

    async def _replace_postal_codes(self, areas: list[dict[str, Any]]) -> None:
        table = models.service_area_postal_code
        ids = [area["id"] for area in areas]
        await self.connection.execute(delete(table).where(among(self.connection, table.c.service_area_id, ids)))
        codes = [
            {"service_area_id": a["id"], "postal_code": code}
            for a in areas
            for code in named_area(a["extent"])[1]
            if (a.get("extent_type") or "").lower() == "text" and a.get("extent")
        ]
        await bulk_insert(self.connection, table, codes)

    async def _remove_stale_children(self, batch: Batch, stored_before: set[UUID]) -> None:
        """A nested list that arrived is the complete set: children the catalog has beyond it are removed."""
        for (parent_kind, edge), parent_ids in batch.owners.items():
            table = models.TABLES[edge.kind]
            column = table.c[edge.column]
            incoming = batch.rows.get(edge.kind, {})
            parents = parent_ids & stored_before
            if not parents:
                continue
            query = select(table.c.id).where(among(self.connection, column, parents))
            if edge.kind == "attribute":
                query = query.where(table.c.link_entity == parent_kind)
            stale = [i for i in (await self.connection.execute(query)).scalars() if i not in incoming]
            if stale:
                await self.connection.execute(delete(table).where(among(self.connection, table.c.id, stale)))
                self.report.counts[edge.kind]["deleted"] += len(stale)
                history = [self._history(edge.kind, i, "delete", "", None, None) for i in stale]
                await bulk_insert(self.connection, models.metadata, history)

    async def _add_crosswalked_attributes(self, batch: Batch) -> None:
        """Attributes that carry an Open Eligibility term gain a twin that carries the matching Waypost term."""
        attributes = batch.rows.get("attribute", {})
        term_ids = {row["taxonomy_term_id"] for row in attributes.values() if row.get("taxonomy_term_id")}
        terms = {i: row for i, row in batch.rows.get("taxonomy_term", {}).items() if i in term_ids}
        terms.update(await self._existing(models.taxonomy_term, term_ids - terms.keys()))
        taxonomy_ids = {t["taxonomy_id"] for t in terms.values() if t.get("taxonomy_id")}
        taxonomies = {i: row for i, row in batch.rows.get("taxonomy", {}).items() if i in taxonomy_ids}
        taxonomies.update(await self._existing(models.taxonomy, taxonomy_ids - taxonomies.keys()))
        for attribute in list(attributes.values()):
            term = terms.get(attribute["taxonomy_term_id"]) if attribute.get("taxonomy_term_id") else None
            if term is None:
                continue
            taxonomy = taxonomies.get(term["taxonomy_id"]) if term.get("taxonomy_id") else None
            twin = self.vocabularies.crosswalk(attribute, term, taxonomy)
            if twin is not None and twin["id"] not in attributes:
                batch.add("attribute", twin, batch.origins[attribute["id"]])

    def _history(
        self, kind: str, resource_id: UUID, action: str, field_name: str, before: Any, after: Any
    ) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "resource_id": resource_id,
            "resource_type": kind,
            "last_action_date": self.now,
            "last_action_type": action,
            "field_name": field_name,
            "previous_value": "" if before is None else str(before),
            "replacement_value": "" if after is None else str(after),
            "updated_by": self.updated_by,
        }


def _differs(row: dict[str, Any], stored: dict[str, Any]) -> bool:
    return any(stored.get(name) != value for name, value in row.items())


def _with_area_columns(row: dict[str, Any]) -> dict[str, Any]:
    """Service areas keep a machine-usable form of their extent beside the HSDS fields: the GeoJSON, validated, or
    the US state a text extent names. ZIP lists go to service_area_postal_code."""
    derived: dict[str, Any] = dict.fromkeys(("geojson", "state"))
    extent, extent_type = row.get("extent"), (row.get("extent_type") or "").lower()
    if extent and extent_type == "geojson":
        derived["geojson"] = msgspec.json.encode(area_geometry(extent).__geo_interface__).decode()
    elif extent and extent_type == "text":
        derived["state"] = named_area(extent)[0]
    return {**row, **derived}


@asynccontextmanager
async def _importing(
    engine: AsyncEngine, vocabularies: Vocabularies, updated_by: str, dry_run: bool
) -> AsyncIterator[CatalogWriter]:
    """One transaction for the whole import, kept only when no record had a problem and it is not a dry run."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        writer = CatalogWriter(connection, vocabularies, updated_by)
        await writer.write_vocabularies()
        yield writer
        writer.report.dry_run = dry_run
        if writer.report.problems or dry_run:
            await transaction.rollback()
        else:
            await transaction.commit()
            await documents.refresh_statistics(connection)


async def import_records(
    engine: AsyncEngine,
    records: AsyncIterator[tuple[str, Any]],
    *,
    vocabularies: Vocabularies,
    updated_by: str,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import full HSDS services, each given as ``(where it came from, its JSON)``."""
    async with _importing(engine, vocabularies, updated_by, dry_run) as writer:
        report = writer.report
        seen: dict[UUID, str] = {}
        batch = Batch()
        async for label, record in records:
            report.records += 1
            try:
                service = convert(schemas.Service, record)
            except Invalid as invalid:
                report.problems += [Problem(label, invalid.record_id, f, m) for f, m in invalid.problems]
                continue
            if service.id in seen:
                report.problems.append(
                    Problem(label, str(service.id), "id", f"the same service id is also {seen[service.id]}")
                )
                continue
            seen[service.id] = label
            report.problems += flatten(service, "service", batch, (label, str(service.id)))
            batch.records += 1
            if batch.records >= BATCH_SIZE:
                await writer.write(batch)
                batch = Batch()
                if progress and report.records % PROGRESS_EVERY == 0:
                    progress(report.records)
        await writer.write(batch)
    return report


async def import_rows(
    engine: AsyncEngine,
    tables: dict[str, list[tuple[str, dict[str, Any]]]],
    *,
    vocabularies: Vocabularies,
    updated_by: str,
    dry_run: bool = False,
) -> ImportReport:
    """Import a tabular package: rows per table, each ``(where it came from, the CSV row)``."""
    async with _importing(engine, vocabularies, updated_by, dry_run) as writer:
        report = writer.report
        batch = Batch()
        for kind, rows in tables.items():
            struct = graph.ROW_STRUCTS[kind]
            for label, raw in rows:
                report.records += kind == "service"
                record_id = raw.get("id") or None
                cleaned = {name: value for name, value in raw.items() if value not in ("", None)}
                try:
                    value = convert(struct, cleaned, strict=False)
                except Invalid as invalid:
                    report.problems += [Problem(label, record_id, f, m) for f, m in invalid.problems]
                    continue
                row = msgspec.structs.asdict(value)
                if row["id"] in batch.rows[kind]:
                    report.problems.append(
                        Problem(label, record_id, "id", f"the same id is also {batch.origins[row['id']][0]}")
                    )
                    continue
                batch.add(kind, row, (label, str(row["id"])))
        # A package holds every child of the records in it: what the catalog has beyond that is removed.
        for parent_kind, edges in graph.EDGES.items():
            for edge in edges:
                if edge.many and batch.rows.get(parent_kind):
                    batch.owners[(parent_kind, edge)] = set(batch.rows[parent_kind])
        await writer.write(batch)
    return report
