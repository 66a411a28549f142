"""The synthetic catalog is what the scale benchmarks import, search and match: it must be repeatable, valid
HSDS 3.0, follow docs/vocabularies.md, and stream."""

import itertools
import json
import re
import time
import zoneinfo
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft202012Validator

from directory import vocabularies
from directory.ids import taxonomy_id, term_id
from directory.synthetic import CAPACITY, CATEGORIES, ELIGIBILITY, INSURANCE, generate_services

PROJECT = Path(__file__).resolve().parents[2]
SHARED = PROJECT.parent / "shared"
SERVICE_SCHEMA = SHARED / "hsds/schema/compiled/service_with_definitions.json"

TAXONOMY_OF_LINK_TYPE = {
    "category": "waypost-categories",
    "eligibility": "waypost-eligibility",
    "insurance": "waypost-insurance",
    "capacity": "waypost-capacity",
}


@pytest.fixture(scope="module")
def services() -> list[dict[str, Any]]:
    return list(generate_services(2000, seed=11))


def _ids_outside_shared_records(node: Any) -> list[str]:
    """Every `id` in a service except those of its organization and taxonomy terms, which repeat by design."""
    if isinstance(node, list):
        return [i for item in node for i in _ids_outside_shared_records(item)]
    if not isinstance(node, dict):
        return []
    ids = [node["id"]] if "id" in node else []
    for key, value in node.items():
        if key not in ("organization", "taxonomy_term"):
            ids += _ids_outside_shared_records(value)
    return ids


def test_same_seed_gives_the_same_catalog_and_another_seed_a_different_one() -> None:
    first = list(generate_services(300, seed=42))
    assert list(generate_services(300, seed=42)) == first
    assert list(generate_services(300, seed=43)) != first
    assert list(generate_services(50, seed=42)) == first[:50]


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ reference folder not present")
def test_services_validate_against_the_hsds_schema() -> None:
    schema = json.loads(SERVICE_SCHEMA.read_text())
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [
        f"service {n} at {'/'.join(map(str, error.absolute_path))}: {error.message}"
        for n, service in enumerate(generate_services(300, seed=5))
        for error in validator.iter_errors(service)
    ]
    assert errors == []


def test_ids_are_unique_across_services_locations_and_service_at_locations(
    services: list[dict[str, Any]],
) -> None:
    links = [link for service in services for link in service["service_at_locations"]]
    ids = [s["id"] for s in services] + [link["id"] for link in links] + [link["location"]["id"] for link in links]
    assert len(ids) == len(set(ids))


def test_no_id_repeats_except_organizations_and_taxonomy_terms(services: list[dict[str, Any]]) -> None:
    ids = [i for service in services for i in _ids_outside_shared_records(service)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert {service["organization"]["id"] for service in services}.isdisjoint(ids)


def test_an_organization_shared_by_services_has_identical_content(services: list[dict[str, Any]]) -> None:
    by_id: dict[str, list[dict[str, Any]]] = {}
    for service in services:
        assert service["organization_id"] == service["organization"]["id"]
        by_id.setdefault(service["organization"]["id"], []).append(service["organization"])
    assert max(len(copies) for copies in by_id.values()) >= 3
    assert all(copy == copies[0] for copies in by_id.values() for copy in copies)


def test_services_of_an_organization_do_not_share_mutable_records(services: list[dict[str, Any]]) -> None:
    first, second = services[0]["organization"], services[1]["organization"]
    assert first["id"] == second["id"]
    assert first is not second and first["phones"][0] is not second["phones"][0]


def test_the_generator_is_lazy() -> None:
    # A modest count first, so that an eager implementation fails here instead of hanging on 10**9.
    for count in (10**5, 10**9):
        started = time.perf_counter()
        assert len(list(itertools.islice(generate_services(count), 10))) == 10
        assert time.perf_counter() - started < 1


def test_attributes_link_vocabulary_terms_by_their_stable_ids(services: list[dict[str, Any]]) -> None:
    for service in services:
        categories = [a for a in service["attributes"] if a["link_type"] == "category"]
        assert 1 <= len(categories) <= 3
        for attribute in service["attributes"]:
            taxonomy = TAXONOMY_OF_LINK_TYPE[attribute["link_type"]]
            term = attribute["taxonomy_term"]
            assert attribute["link_entity"] == "service"
            assert attribute["link_id"] == service["id"]
            assert attribute["taxonomy_term_id"] == term["id"] == str(term_id(taxonomy, term["code"]))
            assert term["taxonomy_id"] == str(taxonomy_id(taxonomy))
            if term["code"] == "income-limit":
                assert attribute["value"].isdigit()


def test_nested_terms_repeat_the_seed_vocabulary_so_an_import_leaves_it_unchanged(
    services: list[dict[str, Any]],
) -> None:
    seed_rows = vocabularies.default().batch().rows["taxonomy_term"]
    for attribute in (attribute for service in services for attribute in service["attributes"]):
        term = attribute["taxonomy_term"]
        seed = {name: str(value) for name, value in seed_rows[UUID(term["id"])].items() if value is not None}
        assert term == seed


def test_vocabulary_codes_are_exactly_those_of_the_contract() -> None:
    contract = (PROJECT / "docs/vocabularies.md").read_text()

    def part(start: str, end: str) -> str:
        return contract.split(start)[1].split(end)[0]

    category_list = "\n".join(line for line in part("Category codes", "Eligibility").splitlines() if line[:2] == "- ")
    assert set(CATEGORIES) == set(re.findall(r"[a-z-]+\.[a-z-]+", category_list))
    assert set(ELIGIBILITY) == set(re.findall(r"`([a-z-]+)`", part("Eligibility codes", "(with `value`)")))
    assert set(INSURANCE) == set(re.findall(r"`([a-z-]+)`", part("Insurance codes", "Capacity codes")))
    assert set(CAPACITY) == set(re.findall(r"`([a-z-]+)`", part("Capacity codes", "\n")))


def test_schedules_follow_the_contract(services: list[dict[str, Any]]) -> None:
    schedules = [schedule for service in services for schedule in service["schedules"]]
    clock = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
    for schedule in schedules:
        assert schedule["freq"] == "WEEKLY"
        assert set(schedule["byday"].split(",")) <= {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
        assert clock.match(schedule["opens_at"]) and clock.match(schedule["closes_at"])
        zoneinfo.ZoneInfo(schedule["tzid"])
    assert any(s["closes_at"] < s["opens_at"] for s in schedules)  # overnight
    assert any(s["opens_at"] == "00:00:00" and s["closes_at"] == "23:59:59" for s in schedules)  # 24 hours
    assert any("SA" in s["byday"] or "SU" in s["byday"] for s in schedules)


def test_service_areas_follow_the_contract(services: list[dict[str, Any]]) -> None:
    areas = [area for service in services for area in service["service_areas"]]
    for area in areas:
        if area["extent_type"] == "geojson":
            geometry = json.loads(area["extent"])
            ring = geometry["coordinates"][0]
            assert geometry["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) >= 4
            assert all(-125 < lon < -110 and 35 < lat < 50 for lon, lat in ring)
        else:
            assert area["extent_type"] == "text"
            assert re.fullmatch(r"[A-Z]{2}|\d{5}(,\d{5})*", area["extent"])
    assert {area["extent_type"] for area in areas} == {"text", "geojson"}


def test_physical_locations_have_an_address_and_coordinates_and_virtual_ones_neither(
    services: list[dict[str, Any]],
) -> None:
    locations = [sal["location"] for service in services for sal in service["service_at_locations"]]
    for location in locations:
        if location["location_type"] == "physical":
            assert re.fullmatch(r"\d{5}", location["addresses"][0]["postal_code"])
            assert 35 < location["latitude"] < 50 and -125 < location["longitude"] < -110
        else:
            assert location["location_type"] == "virtual"
            assert "addresses" not in location and "latitude" not in location
    assert {location["location_type"] for location in locations} == {"physical", "virtual"}


def test_spanish_text_comes_with_spanish_among_the_languages(services: list[dict[str, Any]]) -> None:
    for service in services:
        codes = [language["code"] for language in service["languages"]]
        assert codes[0] == "en"
        assert ("name_es" in service) == ("description_es" in service) == ("es" in codes)
    assert 0.2 < sum("name_es" in service for service in services) / len(services) < 0.4


def test_dates_are_an_assured_day_and_a_utc_modification_time(services: list[dict[str, Any]]) -> None:
    for service in services:
        modified = datetime.fromisoformat(service["last_modified"])
        assured = date.fromisoformat(service["assured_date"])
        assert modified.tzinfo == UTC
        assert 0 <= (modified.date() - assured).days <= 3 * 366
