"""Reports from the public that a listing is wrong ("the phone number does not work"), kept for administrators.

Anyone may send one, without an account, so sending is rate limited per client address. The limit is kept in the
server's memory, not in the database, so that no visitor's address is ever stored: a restart forgets it, and each
server process counts on its own (with ``--workers 2`` a visitor may send twice the limit).
"""

import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, Text, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from directory import models
from waypost.db import Base

# What visitors can say is wrong, in the order the form offers them.
PROBLEMS = ("closed", "phone", "address", "hours", "eligibility", "other")
MAX_DETAILS = 2000
MAX_CONTACT = 200

feedback = Table(
    "feedback",
    Base.metadata,
    Column("id", Uuid(), primary_key=True),
    Column("service_id", Uuid(), ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("problem", String(32), nullable=False),
    Column("details", Text()),
    # Only what the visitor chose to give, to be answered; never filled in by Waypost.
    Column("contact", Text()),
    Column("language", String(8), nullable=False),  # the page's language: the language to answer in
    Column("status", String(32), nullable=False),  # new, then whatever administrators make of it
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)


class UnknownService(LookupError):
    """The report names a service the catalog does not have."""


@dataclass(frozen=True)
class Report:
    service_id: UUID
    problem: str
    details: str | None
    contact: str | None
    language: str


def check(problem: str, details: str, contact: str) -> dict[str, str]:
    """What is wrong with a report as typed: form field -> ``missing`` or ``too_long`` (empty when nothing is)."""
    errors = {}
    if problem not in PROBLEMS:
        errors["problem"] = "missing"
    elif problem == "other" and not details.strip():
        errors["details"] = "missing"
    if len(details) > MAX_DETAILS:
        errors["details"] = "too_long"
    if len(contact) > MAX_CONTACT:
        errors["contact"] = "too_long"
    return errors


async def record(engine: AsyncEngine, report: Report) -> UUID:
    """Store ``report`` as a new feedback item; ``UnknownService`` if its service does not exist."""
    identifier = uuid.uuid4()
    async with engine.begin() as connection:
        found = await connection.scalar(select(models.service.c.id).where(models.service.c.id == report.service_id))
        if found is None:
            raise UnknownService(str(report.service_id))
        await connection.execute(
            insert(feedback).values(
                id=identifier,
                service_id=report.service_id,
                problem=report.problem,
                details=report.details or None,
                contact=report.contact or None,
                language=report.language,
                status="new",
                created_at=datetime.now(UTC),
            )
        )
    return identifier


class RateLimit:
    """At most ``limit`` events per key within a sliding window of ``seconds``."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._events: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Count an event for ``key`` and say whether it is within the limit (a refused event is not counted)."""
        now = time.monotonic()
        self._forget_before(now - self.seconds)
        events = self._events.setdefault(key, deque())
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def _forget_before(self, cutoff: float) -> None:
        # Dropping expired events on every call keeps memory bounded by the visitors of the last window.
        for key in list(self._events):
            events = self._events[key]
            while events and events[0] < cutoff:
                events.popleft()
            if not events:
                del self._events[key]
