"""``waypost.db.among``: a column among many values, sent as one parameter, finds exactly those values."""

import asyncio

from sqlalchemy import insert, select

from directory import models
from waypost.db import among, create_engine

AWKWARD = ['a "quoted" word', "back\\slash", "comma, and {braces}", "NULL", "", "  spaced  ", "ñandú"]


def _found(database_url: str, stored: list[str], asked: list[str | None]) -> set[str]:
    """The terms among ``asked``, of a vocabulary holding ``stored``."""
    term = models.search_term.c.term

    async def run() -> set[str]:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(insert(models.search_term), [{"term": t} for t in stored])
                return set((await connection.execute(select(term).where(among(connection, term, asked)))).scalars())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_awkward_strings_and_nulls_are_found_as_written(database_url: str) -> None:
    assert _found(database_url, [*AWKWARD, "other"], [*AWKWARD, None]) == set(AWKWARD)


def test_an_empty_list_finds_nothing(database_url: str) -> None:
    assert _found(database_url, ["pantry"], []) == set()
