"""Search filters are strict: no hit ever violates one. Checked against the seed catalog itself, not the index."""

import asyncio
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import geo, hours
from directory.ids import term_id
from directory.validation import area_geometry
from tests.helpers import app_client

CATALOG = Path(__file__).resolve().parents[2] / "seed_data" / "catalog" / "services.json"
PACIFIC = ZoneInfo("America/Los_Angeles")
ZIPS = ["97233", "97266", "97005", "97030", "97123", "97213", "98660", "98682", "97055", "97013"]
CATEGORIES = ["food", "food.pantry", "housing.shelter", "mental-health", "substance-use.moud", "health.dental", "legal"]


@cache
def catalog() -> dict[str, dict[str, Any]]:
    return {service["id"]: service for service in json.loads(CATALOG.read_text(encoding="utf-8"))}


def _attribute_codes(service: dict[str, Any], link_type: str) -> set[str]:
    return {a["taxonomy_term"]["code"] for a in service.get("attributes", []) if a.get("link_type") == link_type}


def _languages(service: dict[str, Any]) -> set[str]:
    codes = {language["code"] for language in service.get("languages", [])}
    for at_location in service.get("service_at_locations", []):
        codes |= {language["code"] for language in at_location.get("location", {}).get("languages", [])}
    return codes or {"en"}


def _is_free(service: dict[str, Any]) -> bool:
    options = service.get("cost_options", [])
    spoken = [o.get("option") or "" for o in options] + [service.get("fees_description") or ""]
    return any(o.get("amount") == 0 for o in options) or any(
        text.lower().startswith(("free", "no cost", "no charge", "gratis", "sin costo")) for text in spoken
    )


def _serves(service: dict[str, Any], hit: dict[str, Any], postal_code: str, radius_km: float) -> bool:
    place = geo.postal_code(postal_code)
    assert place is not None
    areas = service.get("service_areas", [])
    understood = []
    for area in areas:
        extent, kind = area.get("extent") or "", (area.get("extent_type") or "").lower()
        if kind == "geojson":
            understood.append(area_geometry(extent).covers(shapely.Point(place.longitude, place.latitude)))
        elif kind == "text" and extent.strip() == place.state:
            understood.append(True)
        elif kind == "text" and extent.strip()[:5].isdigit():
            understood.append(postal_code in [code.strip() for code in extent.split(",")])
    if understood:
        return any(understood)
    location = hit["location"]
    return (
        location is None
        or geo.haversine_km(place.latitude, place.longitude, location["lat"], location["lon"]) <= radius_km
    )


def _open(service: dict[str, Any], hit: dict[str, Any], at: datetime) -> bool | None:
    at_location = next(
        (s for s in service.get("service_at_locations", []) if s["id"] == hit["service_at_location_id"]), {}
    )
    schedules = (
        at_location.get("schedules")
        or service.get("schedules")
        or at_location.get("location", {}).get("schedules")
        or []
    )
    return hours.hours_from_schedules(schedules, "America/Los_Angeles").is_open(at)


def assert_hit_obeys(hit: dict[str, Any], params: dict[str, Any]) -> None:
    service = catalog()[hit["service_id"]]
    name = f"{service['name']} ({service['id']})"
    assert service["status"] == "active", name
    if "language" in params:
        assert params["language"] in _languages(service), name
    if "age" in params:
        assert service.get("minimum_age", 0) <= params["age"] <= service.get("maximum_age", 200), name
    if "gender" in params:
        restricted = _attribute_codes(service, "eligibility") & {"women", "men", "transgender-nonbinary"}
        assert not restricted or params["gender"] in restricted, name
    if params.get("free"):
        assert _is_free(service), name
    if "taxonomy" in params:
        codes = _attribute_codes(service, "category")
        assert codes & {params["taxonomy"]} or {c.split(".")[0] for c in codes} & {params["taxonomy"]}, name
    if "postal_code" in params:
        assert _serves(service, hit, params["postal_code"], params.get("radius_km", 40)), name
    if "open_at" in params:
        assert _open(service, hit, datetime.fromisoformat(params["open_at"])) is True, name


async def _all_hits(client: httpx.AsyncClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/search", params={**params, "per_page": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["contents"])


filters = st.fixed_dictionaries(
    {},
    optional={
        "q": st.sampled_from(["food", "shelter", "counseling", "clinic", "help paying rent", "comida", "detox"]),
        "postal_code": st.sampled_from(ZIPS),
        "radius_km": st.sampled_from([5, 15, 40]),
        "language": st.sampled_from(["es", "vi", "ru", "en"]),
        "age": st.integers(min_value=0, max_value=90),
        "gender": st.sampled_from(["women", "men"]),
        "free": st.just(True),
        "taxonomy": st.sampled_from(CATEGORIES),
        "open_at": st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2026, 12, 31)).map(
            lambda moment: moment.replace(tzinfo=PACIFIC, second=0, microsecond=0).isoformat()
        ),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=filters)
def test_no_hit_ever_violates_a_filter(seeded_url: str, params: dict[str, Any]) -> None:
    async def run() -> None:
        async with app_client(seeded_url) as client:
            for hit in await _all_hits(client, params):
                assert_hit_obeys(hit, params)

    asyncio.run(run())


async def test_bad_parameters_are_400_naming_the_parameter(seeded_url: str) -> None:
    cases = {
        "lon": {"lat": "45.5"},
        "postal_code": {"postal_code": "00000"},
        "language": {"language": "spanish"},
        "gender": {"gender": "robot"},
        "per_page": {"per_page": "0"},
        "taxonomy": {"taxonomy": "not-a-category"},
        "open_at": {"open_at": "tomorrow"},
        "radius_km": {"radius_km": "-3"},
    }
    async with app_client(seeded_url) as client:
        for field, params in cases.items():
            response = await client.get("/api/v1/search", params=params)
            assert response.status_code == 400, (field, response.text)
            assert field in {item["key"] for item in response.json()["extra"]}, (field, response.text)


async def test_misspelled_words_are_corrected_and_said(seeded_url: str) -> None:
    async with app_client(seeded_url) as client:
        body = (await client.get("/api/v1/search", params={"q": "fod pantyr"})).json()
    assert body["did_you_mean"] == "food pantry"
    assert body["total_items"] > 0
    assert all("food.pantry" in hit["categories"] or "food" in hit["categories"] for hit in body["contents"])


async def test_facets_count_the_matches_by_category_and_language(seeded_url: str) -> None:
    async with app_client(seeded_url) as client:
        body = (
            await client.get("/api/v1/search", params={"taxonomy": "food", "language": "es", "per_page": 100})
        ).json()
    assert body["facets"]["category"]["food"] == body["total_items"] == len(body["contents"])
    assert body["facets"]["language"]["es"] == body["total_items"]


async def test_an_overnight_shelter_is_open_at_two_in_the_morning(seeded_url: str) -> None:
    at = datetime(2027, 1, 14, 2, 0, tzinfo=PACIFIC).isoformat()
    async with app_client(seeded_url) as client:
        body = (await client.get("/api/v1/search", params={"taxonomy": "housing.shelter", "open_at": at})).json()
    assert body["total_items"] > 0
    assert all(hit["open_now"] is True for hit in body["contents"])
    assert any("Overnight" in hit["name"] or "Night" in hit["name"] for hit in body["contents"])


async def test_closed_services_are_left_out_unless_asked_for(seeded_url: str) -> None:
    closed = [s for s in catalog().values() if s["status"] != "active"]
    async with app_client(seeded_url) as client:
        default = (await client.get("/api/v1/search", params={"per_page": 100, "page": 1})).json()
        everything = (await client.get("/api/v1/search", params={"include_inactive": "true", "per_page": 1})).json()
    assert default["total_items"] + len(closed) <= everything["total_items"]


async def test_a_vancouver_search_gets_washington_lines_not_oregon_only_ones(seeded_url: str) -> None:
    async with app_client(seeded_url) as client:
        hits = await _all_hits(client, {"q": "crisis line", "postal_code": "98660"})
    extents = [[area.get("extent") for area in catalog()[hit["service_id"]].get("service_areas", [])] for hit in hits]
    assert any("WA" in areas for areas in extents)  # Washington's statewide lines reach Vancouver
    assert ["OR"] not in extents  # Oregon-only lines do not, however near their office is


async def test_taxonomy_accepts_open_eligibility_codes_and_term_ids(seeded_url: str) -> None:
    async with app_client(seeded_url) as client:
        by_code = (await client.get("/api/v1/search", params={"taxonomy": "food.pantry"})).json()["total_items"]
        by_id = (
            await client.get("/api/v1/search", params={"taxonomy": str(term_id("waypost-categories", "food.pantry"))})
        ).json()["total_items"]
        # Open Eligibility 1103 is Housing.
        housing = (await client.get("/api/v1/search", params={"taxonomy": "1103"})).json()
    assert by_code == by_id > 0
    assert housing["total_items"] > 0 and all("housing" in hit["categories"] for hit in housing["contents"])
