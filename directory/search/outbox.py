"""The search outbox: which services' documents an index outside the database has yet to take in.

Rows are written in the transaction that rebuilds the documents, so a committed change is always queued, and a
change rolled back never is. Whoever pushes reads a batch, sends it, and then clears exactly what it read: a
service queued again meanwhile carries a later ``queued_at`` and stays for the next push.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from directory import models
from waypost.db import among, bulk_insert

outbox = models.search_outbox


@dataclass(frozen=True)
class Queued:
    service_id: UUID
    queued_at: datetime


async def queue(connection: AsyncConnection, service_ids: Collection[UUID]) -> None:
    """Queue these services (again, if they already are) inside the caller's transaction."""
    if not service_ids:
        return
    await connection.execute(delete(outbox).where(among(connection, outbox.c.service_id, service_ids)))
    now = datetime.now(UTC)
    await bulk_insert(connection, outbox, [{"service_id": i, "queued_at": now} for i in sorted(service_ids)])


async def pending(connection: AsyncConnection, limit: int | None = None) -> list[Queued]:
    """The oldest queued services first."""
    query = select(outbox.c.service_id, outbox.c.queued_at).order_by(outbox.c.queued_at, outbox.c.service_id)
    rows = await connection.execute(query.limit(limit) if limit else query)
    return [Queued(row.service_id, row.queued_at) for row in rows]


async def clear(connection: AsyncConnection, pushed: Sequence[Queued]) -> None:
    """Remove what was pushed, unless it was queued again after it was read."""
    if not pushed:
        return
    statement = delete(outbox).where(
        outbox.c.service_id == bindparam("pushed_id"), outbox.c.queued_at <= bindparam("pushed_at")
    )
    await connection.execute(statement, [{"pushed_id": q.service_id, "pushed_at": q.queued_at} for q in pushed])
