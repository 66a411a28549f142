"""Reading the catalog back out as HSDS: records assembled from their rows by walking graph.py's edges, a batch at
a time.

The same assembly serves ``waypost export`` and the HSDS API, so both give out exactly what import takes in. Which
edges are walked from each kind of record (a ``Walk``) is what differs between a full service, a list item and the
other shapes the API gives out.
"""

from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from directory import graph, models, queries
from waypost.db import among

BATCH_SIZE = 500
ENCODER = msgspec.json.Encoder(decimal_format="number")

# The edges to follow out of each kind of record; a kind not listed nests nothing.
Walk = Mapping[str, Sequence[graph.Edge]]

# Everything HSDS nests, as export writes it and import reads it.
FULL: Walk = {kind: tuple(edge for edge in edges if edge.exported) for kind, edges in graph.EDGES.items()}
# What the API's *_list.json items carry: a record's own fields plus the records its row points at, themselves as
# list items (a service's organization and program, a term's taxonomy), and none of its lists.
LIST: Walk = {kind: tuple(edge for edge in edges if not edge.many) for kind, edges in graph.EDGES.items()}

# graph.py reaches service_at_locations from their service, and services name their organization. The API also
# goes the other way: a service_at_location carries its service, an organization lists its services.
_SERVICE_OF_SERVICE_AT_LOCATION = graph.Edge("service", "service", "service_id", many=False)
_SERVICES_OF_ORGANIZATION = graph.Edge("services", "service", "organization_id")


def _without(edges: Sequence[graph.Edge], key: str) -> tuple[graph.Edge, ...]:
    """``edges`` less the one back to the record a nested record sits in, which would only repeat it."""
    return tuple(edge for edge in edges if edge.key != key)


_SERVICE_AT_LOCATION_LIST: Walk = {
    **LIST,
    "service_at_location": (*LIST["service_at_location"], _SERVICE_OF_SERVICE_AT_LOCATION),
}
_SERVICE_AT_LOCATION_FULL: Walk = {
    **FULL,
    "service_at_location": (*FULL["service_at_location"], _SERVICE_OF_SERVICE_AT_LOCATION),
    "service": _without(FULL["service"], "service_at_locations"),
}
# The organization fully nested, its services as list items ("simple information", says the HSDS API) ...
_ORGANIZATION_FULL: Walk = {
    **FULL,
    "organization": (*FULL["organization"], _SERVICES_OF_ORGANIZATION),
    "service": _without(LIST["service"], "organization"),
}
# ... or as full services (``full_service=true``).
_ORGANIZATION_WITH_FULL_SERVICES: Walk = {**_ORGANIZATION_FULL, "service": _without(FULL["service"], "organization")}


@dataclass(frozen=True)
class Shape:
    """How records of one kind are given out: the edges walked from them and, if not all, which of their fields."""

    kind: str
    walk: Walk
    fields: tuple[str, ...] | None = None

    async def records(self, connection: AsyncConnection, ids: list[UUID]) -> list[dict[str, Any]]:
        """The records for ``ids``, in that order (unknown ids are left out)."""
        rows = await load_rows(connection, self.kind, "id", ids, fields=self.fields)
        await _attach(connection, self.kind, rows, self.walk)
        by_id = {row["id"]: row for row in rows}
        return [by_id[i] for i in ids if i in by_id]


FULL_SERVICE = Shape("service", FULL)
SERVICE_LIST_ITEM = Shape("service", LIST)
# ``minimal=true``: enough for a client to tell which services changed since it last looked.
MINIMAL_SERVICE = Shape("service", {}, ("id", "last_modified"))
FULL_SERVICE_AT_LOCATION = Shape("service_at_location", _SERVICE_AT_LOCATION_FULL)
SERVICE_AT_LOCATION_LIST_ITEM = Shape("service_at_location", _SERVICE_AT_LOCATION_LIST)
FULL_ORGANIZATION = Shape("organization", _ORGANIZATION_FULL)
ORGANIZATION_WITH_FULL_SERVICES = Shape("organization", _ORGANIZATION_WITH_FULL_SERVICES)
ORGANIZATION_LIST_ITEM = Shape("organization", LIST)
TAXONOMY = Shape("taxonomy", LIST)
TAXONOMY_TERM = Shape("taxonomy_term", LIST)


async def load_rows(
    connection: AsyncConnection,
    kind: str,
    column: str,
    ids: list[Any],
    *extra: ColumnElement[bool],
    fields: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    if not ids:
        return []
    table = models.TABLES[kind]
    query = select(*(table.c[name] for name in fields or graph.ROW_FIELDS[kind]))
    query = query.where(among(connection, table.c[column], ids), *extra).order_by(table.c.id)
    return [
        {name: value for name, value in row._mapping.items() if value is not None}
        for row in await connection.execute(query)
    ]


async def _attach(connection: AsyncConnection, kind: str, rows: list[dict[str, Any]], walk: Walk) -> None:
    """Nest into ``rows`` what ``walk`` says a ``kind`` carries, one query per edge for the whole batch."""
    if not rows:
        return
    ids = list({row["id"] for row in rows})
    for edge in walk.get(kind, ()):
        if edge.many:
            table = models.TABLES[edge.kind]
            extra = (table.c.link_entity == kind,) if edge.kind == "attribute" else ()
            children = await load_rows(connection, edge.kind, edge.column, ids, *extra)
            await _attach(connection, edge.kind, children, walk)
            groups: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
            for child in children:
                groups[child[edge.column]].append(child)
            for row in rows:
                row[edge.key] = groups.get(row["id"], [])
        else:
            wanted = list({row[edge.column] for row in rows if edge.column in row})
            targets = await load_rows(connection, edge.kind, "id", wanted)
            await _attach(connection, edge.kind, targets, walk)
            by_id = {target["id"]: target for target in targets}
            for row in rows:
                if row.get(edge.column) in by_id:
                    row[edge.key] = by_id[row[edge.column]]


async def full_services(connection: AsyncConnection, ids: list[UUID]) -> list[dict[str, Any]]:
    """Full HSDS services for ``ids``, in that order (unknown ids are left out)."""
    return await FULL_SERVICE.records(connection, ids)


async def each(
    connection: AsyncConnection, selection: queries.Selection, shape: Shape
) -> AsyncIterator[dict[str, Any]]:
    """Every record ``selection`` picks, as ``shape`` gives it out, assembled a batch at a time."""
    async for ids in selection.batches(connection, BATCH_SIZE):
        for record in await shape.records(connection, ids):
            yield record


def all_services(connection: AsyncConnection) -> AsyncIterator[dict[str, Any]]:
    return each(connection, queries.services(queries.ServiceFilter()), FULL_SERVICE)


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
