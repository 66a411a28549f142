"""Which records a list request asks for: its filters as SQL over the catalog tables, read as one page of ids or as
every id a batch at a time. Turning ids into HSDS records is ``exporter``'s job.

Ids come in id order everywhere, so that pages never overlap or skip a record and NDJSON can walk the ids by
keyset (``id > last``) instead of ever larger offsets.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from directory import models


@dataclass(frozen=True)
class Selection:
    """The rows of ``table`` that meet every one of ``conditions``."""

    table: Table
    conditions: tuple[ColumnElement[bool], ...] = ()

    async def count(self, connection: AsyncConnection) -> int:
        query = select(func.count()).select_from(self.table).where(*self.conditions)
        return int((await connection.execute(query)).scalar_one())

    async def page(self, connection: AsyncConnection, number: int, size: int) -> list[UUID]:
        """The ids on page ``number`` (from 1) of pages of ``size``."""
        query = self._ids().limit(size).offset((number - 1) * size)
        return list((await connection.execute(query)).scalars())

    async def batches(self, connection: AsyncConnection, size: int) -> AsyncIterator[list[UUID]]:
        last: UUID | None = None
        while True:
            query = self._ids().limit(size)
            if last is not None:
                query = query.where(self.table.c.id > last)
            ids = list((await connection.execute(query)).scalars())
            if not ids:
                return
            yield ids
            last = ids[-1]

    def _ids(self) -> Select[UUID]:
        return select(self.table.c.id).where(*self.conditions).order_by(self.table.c.id)


@dataclass(frozen=True)
class ServiceFilter:
    """The service filters of ``/services`` and ``/service_at_locations``. HSDS filters are cumulative: a service
    must pass every one that is set."""

    taxonomy_term_id: UUID | None = None
    taxonomy_id: UUID | None = None
    organization_id: UUID | None = None
    modified_after: datetime | None = None
    # A condition on models.service from elsewhere: where the search engine's answer to ``search``, ``postcode``
    # and ``proximity`` plugs in (the ids it matched, as ``waypost.db.among(connection, service.c.id, ids)``).
    matching: ColumnElement[bool] | None = None

    def conditions(self) -> tuple[ColumnElement[bool], ...]:
        service, attribute, term = models.service, models.attribute, models.taxonomy_term
        # A service's terms are its attributes; attributes of its locations or phones say nothing about it.
        tagged = select(attribute.c.link_id).where(attribute.c.link_entity == "service")
        conditions: list[ColumnElement[bool]] = []
        if self.taxonomy_term_id is not None:
            conditions.append(service.c.id.in_(tagged.where(attribute.c.taxonomy_term_id == self.taxonomy_term_id)))
        if self.taxonomy_id is not None:
            in_taxonomy = tagged.join(term, term.c.id == attribute.c.taxonomy_term_id).where(
                term.c.taxonomy_id == self.taxonomy_id
            )
            conditions.append(service.c.id.in_(in_taxonomy))
        if self.organization_id is not None:
            conditions.append(service.c.organization_id == self.organization_id)
        if self.modified_after is not None:
            conditions.append(service.c.last_modified >= _timestamp_text(self.modified_after))
        if self.matching is not None:
            conditions.append(self.matching)
        return tuple(conditions)


def _timestamp_text(moment: datetime) -> str:
    """``moment`` as text that compares, character by character, like the time it names against last_modified.

    HSDS keeps last_modified as an ISO 8601 string, and Waypost's data writes it in UTC ("...T18:01:11Z"). Without
    the zone suffix, a stored value at the same second sorts after this one (it is longer), as ">=" needs. A moment
    without a zone is taken as UTC.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def services(service_filter: ServiceFilter) -> Selection:
    return Selection(models.service, service_filter.conditions())


def service_at_locations(service_filter: ServiceFilter) -> Selection:
    """A service_at_location is picked by its service: HSDS's filters are all about the service offered there."""
    conditions = service_filter.conditions()
    if not conditions:
        return Selection(models.service_at_location)
    table = models.service_at_location
    return Selection(table, (table.c.service_id.in_(select(models.service.c.id).where(*conditions)),))


def organizations() -> Selection:
    return Selection(models.organization)


def taxonomies() -> Selection:
    return Selection(models.taxonomy)


def taxonomy_terms(taxonomy_id: UUID | None, parent_id: UUID | None, top_only: bool) -> Selection:
    table = models.taxonomy_term
    conditions: list[ColumnElement[bool]] = []
    if taxonomy_id is not None:
        conditions.append(table.c.taxonomy_id == taxonomy_id)
    if parent_id is not None:
        conditions.append(table.c.parent_id == parent_id)
    if top_only:
        conditions.append(table.c.parent_id.is_(None))
    return Selection(table, tuple(conditions))
