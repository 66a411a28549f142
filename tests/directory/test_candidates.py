"""Which listings a match keeps for each group of categories, from the listings that serve the client, nearest
first (``directory.candidates._nearest_in_groups``; the vignettes run the whole match on both databases)."""

from collections.abc import AsyncIterator, Sequence
from types import SimpleNamespace
from uuid import UUID, uuid4

from directory.candidates import PER_GROUP, _nearest_in_groups


async def _nearest_first(*listings: tuple[int, UUID, str]) -> AsyncIterator[SimpleNamespace]:
    for key, service_id, codes in listings:
        yield SimpleNamespace(key=key, service_id=service_id, category_codes=f" {codes} ")


async def _kept(listings: Sequence[tuple[int, UUID, str]], groups: Sequence[Sequence[str]]) -> set[int]:
    return await _nearest_in_groups(_nearest_first(*listings), groups)


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
