"""Which listings a match keeps for each group of categories, from the listings that serve the client, nearest
first (``directory.candidates._nearest_in_groups``; the vignettes run the whole match on both databases), that
reading the nearest few kilometres first keeps the same ones as reading every listing (``FIRST_KM``), and that the
candidates are described as the catalog says, after every import (``search_facts``)."""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from directory import candidates, geo, models, vocabularies
from directory.candidates import PER_GROUP, _nearest_in_groups
from directory.search import opening
from directory.search.database import DatabaseSearchEngine
from matching.eligibility import Candidate
from tests.helpers import cli, make_service, new_id, write_json
from tests.search.conftest import DATABASES, seeded_database
from waypost.db import create_engine

ZONE = "America/Los_Angeles"


async def _nearest_first(*listings: tuple[int, UUID, str]) -> AsyncIterator[list[SimpleNamespace]]:
    """The listings in batches of two, as the stream hands them over in batches."""
    rows = [
        SimpleNamespace(key=key, service_id=service_id, category_codes=f" {codes} ")
        for key, service_id, codes in listings
    ]
    for start in range(0, len(rows), 2):
        yield rows[start : start + 2]


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


def _candidates(url: str, postal_code: str, groups: list[list[str]], at: datetime | None = None) -> list[Candidate]:
    async def run() -> list[Candidate]:
        engine = create_engine(url)
        search = DatabaseSearchEngine(engine, vocabularies.default(), ZONE)
        place = candidates.locate(postal_code, None, None, "client")
        try:
            return await candidates.find(
                engine, search, search.vocabularies, place, groups, at or datetime.now(UTC), ZONE
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _found(url: str, postal_code: str, groups: list[list[str]]) -> set[UUID]:
    return {candidate.service_id for candidate in _candidates(url, postal_code, groups)}


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


async def _as_the_catalog_says(url: str, service_ids: list[UUID], at: datetime) -> dict[UUID, dict[str, Any]]:
    """What the catalog's own tables say of these services, read the long way: a reference for the facts a match
    reads with the listings."""
    engine = create_engine(url)
    service, organization, area = models.service, models.organization, models.service_area
    sal, language, address = models.service_at_location, models.language, models.address
    try:
        async with engine.connect() as connection:

            async def grouped(column: Any, value: Any, ids: list[UUID]) -> dict[UUID, list[Any]]:
                found: dict[UUID, list[Any]] = defaultdict(list)
                for owner, item in await connection.execute(select(column, value).where(column.in_(ids))):
                    found[owner].append(item)
                return found

            rows = await connection.execute(
                select(service, organization.c.name.label("organization"))
                .outerjoin(organization, organization.c.id == service.c.organization_id)
                .where(service.c.id.in_(service_ids))
            )
            services = {row.id: row for row in rows}
            sites = (await connection.execute(select(sal).where(sal.c.service_id.in_(service_ids)))).all()
            location_ids = [site.location_id for site in sites]
            documents = await grouped(
                models.required_document.c.service_id, models.required_document.c.document, service_ids
            )
            areas = await grouped(area.c.service_id, func.coalesce(area.c.name, area.c.extent), service_ids)
            spoken = await grouped(language.c.service_id, language.c.code, service_ids)
            spoken_at = await grouped(language.c.location_id, language.c.code, location_ids)
            streets = await grouped(address.c.location_id, address.c.address_1, location_ids)
            listings = [opening.Listing(site.id, site.service_id, site.id, site.location_id) for site in sites]
            listings += [
                opening.Listing(i, i, None, None) for i in service_ids if i not in {s.service_id for s in sites}
            ]
            hours = await opening.opening_hours(connection, listings, ZONE)
    finally:
        await engine.dispose()
    described = {}
    for service_id, row in services.items():
        own_sites = [site for site in sites if site.service_id == service_id]
        described[service_id] = {
            "name": row.name,
            "name_es": row.name_es,
            "organization": row.organization,
            "required_documents": sorted(documents[service_id]),
            "service_areas": sorted(areas[service_id]),
            "languages": {frozenset(spoken[service_id] + spoken_at[site.location_id]) or {"en"} for site in own_sites}
            or {frozenset(spoken[service_id]) or {"en"}},
            "streets": {street for site in own_sites for street in streets[site.location_id]},
            "open": {hours[listing.id].is_open(at) for listing in listings if listing.service_id == service_id},
        }
    return described


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo(ZONE)),  # a Tuesday morning
        datetime(2026, 12, 6, 3, 0, tzinfo=ZoneInfo(ZONE)),  # a Sunday night
    ],
)
def test_candidates_are_described_as_the_catalog_says(seeded_url: str, at: datetime) -> None:
    groups = [["food"], ["housing"], ["mental-health"], ["substance-use"], ["legal"], ["health"]]
    found = _candidates(seeded_url, "97233", groups, at)
    assert len(found) > 20, "the seed region has many services near east Portland"
    catalog = asyncio.run(_as_the_catalog_says(seeded_url, [c.service_id for c in found], at))
    for candidate in found:
        said = catalog[candidate.service_id]
        assert (candidate.name, candidate.name_es, candidate.organization) == (
            said["name"],
            said["name_es"],
            said["organization"],
        )
        assert sorted(candidate.required_documents) == said["required_documents"]
        assert sorted(candidate.service_areas) == said["service_areas"]
        assert frozenset(candidate.languages) in said["languages"]
        assert candidate.open_now in said["open"]
        if candidate.address is not None:
            assert candidate.address.split(", ")[0] in said["streets"]
    assert {candidate.open_now for candidate in found} >= {True, False}, "some open and some closed at this time"


def test_a_match_sees_what_the_last_import_changed(database_url: str, tmp_path: Path) -> None:
    pantry = make_service(required_documents=[{"id": new_id(), "document": "Photo ID"}])
    site = pantry["service_at_locations"][0]["location"]
    moved = {**site, "addresses": [{**site["addresses"][0], "address_1": "400 SE 148th Ave"}]}
    renamed = {
        **pantry,
        "name": "Eastside Food Share",
        "required_documents": [{"id": new_id(), "document": "Proof of address"}],
        "service_at_locations": [{**pantry["service_at_locations"][0], "location": moved}],
    }
    described = []
    for number, version in enumerate([pantry, renamed]):
        imported = cli(database_url, "import", str(write_json(tmp_path / f"{number}.json", [version])))
        assert imported.exit_code == 0, imported.output
        (found,) = _candidates(database_url, "97233", [["food"]])
        described.append((found.name, found.required_documents, found.address))
    assert described == [
        ("Eastside Community Pantry", ["Photo ID"], "10 SE 122nd Ave, Portland, OR, 97233"),
        ("Eastside Food Share", ["Proof of address"], "400 SE 148th Ave, Portland, OR, 97233"),
    ]


@pytest.mark.parametrize(("per_group", "kept"), [(3, ["near", "remote 1", "remote 2"]), (5, None)])
def test_listings_without_a_site_count_as_a_couple_of_kilometres_away(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_group: int, kept: list[str] | None
) -> None:
    """Hotlines and online services serve the client where they are, but a country's worth of them must not fill a
    need's candidates before the pantry down the street is read."""
    centre = geo.postal_code("97233")
    assert centre is not None

    def pantry(name: str, north_km: float) -> dict[str, Any]:
        service = make_service(name=name)
        location = service["service_at_locations"][0]["location"]
        location["latitude"], location["longitude"] = centre.latitude + north_km / 111.2, centre.longitude
        return service

    remote = [make_service(name=f"remote {n}", service_at_locations=[], service_areas=[]) for n in (1, 2, 3)]
    remote.sort(key=lambda service: service["id"])  # ties between listings go by id
    for service, name in zip(remote, ["remote 1", "remote 2", "remote 3"], strict=True):
        service["name"] = name
    services = [pantry("near", 1.0), pantry("far", 15.0), *remote]
    imported = cli(database_url, "import", str(write_json(tmp_path / "pantries.json", services)))
    assert imported.exit_code == 0, imported.output
    monkeypatch.setattr(candidates, "PER_GROUP", per_group)
    names = sorted(candidate.name for candidate in _candidates(database_url, "97233", [["food"]]))
    assert names == (kept or sorted(["near", "far", "remote 1", "remote 2", "remote 3"]))
