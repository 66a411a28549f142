"""Which listings a match keeps for each group of categories, from the listings that serve the client, nearest
first (``directory.candidates._nearest_in_groups``; the vignettes run the whole match on both databases), and that
reading the nearest few kilometres first keeps the same ones as reading every listing (``FIRST_KM``)."""

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest

from directory import candidates, vocabularies
from directory.candidates import PER_GROUP, _nearest_in_groups
from directory.search.database import DatabaseSearchEngine
from tests.search.conftest import DATABASES, seeded_database
from waypost.db import create_engine


async def _nearest_first(*listings: tuple[int, UUID, str]) -> AsyncIterator[SimpleNamespace]:
    for key, service_id, codes in listings:
        yield SimpleNamespace(key=key, service_id=service_id, category_codes=f" {codes} ")


async def _kept(listings: Sequence[tuple[int, UUID, str]], groups: Sequence[Sequence[str]]) -> set[int]:
    kept, _full = await _nearest_in_groups(_nearest_first(*listings), groups)
    return kept


async def test_it_says_whether_every_group_is_full() -> None:
    listings = [(key, uuid4(), "food") for key in range(1, PER_GROUP + 1)]
    assert (await _nearest_in_groups(_nearest_first(*listings), [["food"]]))[1]
    assert not (await _nearest_in_groups(_nearest_first(*listings[:-1]), [["food"]]))[1]
    assert not (await _nearest_in_groups(_nearest_first(*listings), [["food"], ["housing"]]))[1]


async def test_a_service_is_kept_by_its_nearest_listing_only() -> None:
    pantry = uuid4()
    kept = await _kept([(1, pantry, "food food.pantry"), (2, pantry, "food food.pantry")], [["food"]])
    assert kept == {1}


async def test_a_listing_counts_for_a_whole_category_code_only() -> None:
    kept = await _kept([(1, uuid4(), "food.meals"), (2, uuid4(), "food food.pantry")], [["food.pantry"]])
    assert kept == {2}


async def test_each_group_keeps_its_own_nearest_services_and_never_crowds_out_another() -> None:
    near_food = [(key, uuid4(), "food") for key in range(1, PER_GROUP + 11)]
    far_housing = (100, uuid4(), "housing")
    kept = await _kept([*near_food, far_housing], [["food"], ["housing"]])
    assert kept == {key for key, *_ in near_food[:PER_GROUP]} | {100}


async def test_a_service_in_two_groups_is_kept_once_for_both() -> None:
    both = (1, uuid4(), "food housing")
    kept = await _kept([both, (2, uuid4(), "housing")], [["food"], ["housing"]])
    assert kept == {1, 2}


@pytest.fixture(scope="module", params=DATABASES)
def seeded_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seeded_database(request.param, request, tmp_path_factory) as url:
        yield url


def _found(url: str, postal_code: str, groups: list[list[str]]) -> set[UUID]:
    async def run() -> set[UUID]:
        engine = create_engine(url)
        search = DatabaseSearchEngine(engine, vocabularies.default(), "America/Los_Angeles")
        place = candidates.locate(postal_code, None, None, "client")
        try:
            found = await candidates.find(
                engine, search, search.vocabularies, place, groups, datetime.now(UTC), "America/Los_Angeles"
            )
        finally:
            await engine.dispose()
        return {candidate.service_id for candidate in found}

    return asyncio.run(run())


@pytest.mark.parametrize("postal_code", ["97233", "98660", "97049"])  # east Portland, Vancouver WA, Mount Hood
def test_reading_the_nearest_kilometres_first_keeps_what_reading_every_listing_keeps(
    seeded_url: str, postal_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = [["food"], ["housing.shelter", "housing.rental-assistance"], ["mental-health"]]
    monkeypatch.setattr(candidates, "PER_GROUP", 3)  # few enough that the seed region fills them within a ring
    kept = {}
    for first_km in [(), (0.5,), (1.0, 4.0), (15.0,)]:
        monkeypatch.setattr(candidates, "FIRST_KM", first_km)
        kept[first_km] = _found(seeded_url, postal_code, groups)
    assert kept[()], "the seed region has services for these needs"
    assert all(found == kept[()] for found in kept.values()), kept
