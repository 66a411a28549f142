"""Reading the catalog back out as HSDS: full services assembled from their rows, a batch at a time.

The same assembly serves ``waypost export`` and the HSDS API, so both give out exactly what import takes in.
"""

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from directory import graph, models
from waypost.db import among

BATCH_SIZE = 500
ENCODER = msgspec.json.Encoder(decimal_format="number")


async def load_rows(
    connection: AsyncConnection, kind: str, column: str, ids: list[Any], *extra: ColumnElement[bool]
) -> list[dict[str, Any]]:
    if not ids:
        return []
    table = models.TABLES[kind]
    query = select(*(table.c[name] for name in graph.ROW_FIELDS[kind]))
    query = query.where(among(connection, table.c[column], ids), *extra).order_by(table.c.id)
    return [
        {name: value for name, value in row._mapping.items() if value is not None}
        for row in await connection.execute(query)
    ]


async def _attach(connection: AsyncConnection, kind: str, rows: list[dict[str, Any]]) -> None:
    """Nest into ``rows`` everything HSDS nests inside a ``kind``, one query per edge for the whole batch."""
    if not rows:
        return
    ids = list({row["id"] for row in rows})
    for edge in graph.EDGES[kind]:
        if not edge.exported:
            continue
        if edge.many:
            table = models.TABLES[edge.kind]
            extra = (table.c.link_entity == kind,) if edge.kind == "attribute" else ()
            children = await load_rows(connection, edge.kind, edge.column, ids, *extra)
            await _attach(connection, edge.kind, children)
            groups: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
            for child in children:
                groups[child[edge.column]].append(child)
            for row in rows:
                row[edge.key] = groups.get(row["id"], [])
        else:
            wanted = list({row[edge.column] for row in rows if edge.column in row})
            targets = await load_rows(connection, edge.kind, "id", wanted)
            await _attach(connection, edge.kind, targets)
            by_id = {target["id"]: target for target in targets}
            for row in rows:
                if row.get(edge.column) in by_id:
                    row[edge.key] = by_id[row[edge.column]]


async def full_services(connection: AsyncConnection, ids: list[UUID]) -> list[dict[str, Any]]:
    """Full HSDS services for ``ids``, in that order (unknown ids are left out)."""
    rows = await load_rows(connection, "service", "id", ids)
    await _attach(connection, "service", rows)
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


async def all_services(connection: AsyncConnection) -> AsyncIterator[dict[str, Any]]:
    table = models.service
    last: UUID | None = None
    while True:
        query = select(table.c.id).order_by(table.c.id).limit(BATCH_SIZE)
        if last is not None:
            query = query.where(table.c.id > last)
        ids = list((await connection.execute(query)).scalars())
        if not ids:
            return
        for service in await full_services(connection, ids):
            yield service
        last = ids[-1]


async def write_json(connection: AsyncConnection, path: Path) -> int:
    count = 0
    with path.open("wb") as file:
        file.write(b"[")
        async for service in all_services(connection):
            file.write(b"\n" if count == 0 else b",\n")
            file.write(ENCODER.encode(service))
            count += 1
        file.write(b"\n]\n")
    return count


async def write_ndjson(connection: AsyncConnection, path: Path) -> int:
    count = 0
    with path.open("wb") as file:
        async for service in all_services(connection):
            file.write(ENCODER.encode(service) + b"\n")
            count += 1
    return count
