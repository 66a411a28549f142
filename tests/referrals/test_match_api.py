"""``POST /api/v1/match`` as a contract: its shape, bad input named by field (never a 500), nothing stored."""

import asyncio
from pathlib import Path
from typing import Any

import pytest

from directory import geo
from directory.ids import term_id
from directory.models import TABLES
from tests.helpers import app_client, category_attribute, cli, count, make_service, new_id, write_json
from tests.referrals.vignettes import AT, ahc, phq9

HUNGRY = {
    "client": {"age": 40, "sex": "male", "postal_code": "97233", "situations": []},
    "responses": [ahc(food_worry="LA28397-0")],
    "at": AT,
}


async def _seed(database_url: str, tmp_path: Path, *services: dict[str, Any]) -> None:
    path = write_json(tmp_path / "services.json", list(services))
    result = await asyncio.to_thread(cli, database_url, "import", str(path))
    assert result.exit_code == 0, result.output


async def _counts(database_url: str) -> dict[str, int]:
    return {table: await asyncio.to_thread(count, database_url, table) for table in TABLES}


async def test_a_match_answers_needs_alerts_proposals_and_exclusions(database_url: str, tmp_path: Path) -> None:
    pantry = make_service(name="Eastside Community Pantry")
    for_women = {
        "id": new_id(),
        "link_type": "eligibility",
        "taxonomy_term_id": str(term_id("waypost-eligibility", "women")),
    }
    women = make_service(name="Women's Pantry", attributes=[category_attribute("food.pantry"), for_women])
    await _seed(database_url, tmp_path, pantry, women)
    async with app_client(database_url) as client:
        response = await client.post("/api/v1/match", json=HUNGRY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"needs", "alerts", "proposals", "excluded"}
    assert [need["code"] for need in body["needs"]] == ["food"]
    need = body["needs"][0]
    assert set(need) >= {"code", "label", "severity", "urgency", "evidence"}
    assert body["alerts"] == [] and body["requires_review"] is False
    group = body["proposals"][0]
    assert group["need"] == "food"
    proposal = group["proposals"][0]
    assert proposal["service"]["name"] == "Eastside Community Pantry"
    assert set(proposal) >= {"service", "score", "reasons", "cautions", "distance_km"}
    place = geo.postal_code("97233")
    assert place is not None
    site = pantry["service_at_locations"][0]["location"]
    expected = geo.haversine_km(place.latitude, place.longitude, site["latitude"], site["longitude"])
    # Measured on a flat projection around the client: within a fraction of a percent nearby.
    assert proposal["distance_km"] == pytest.approx(expected, rel=0.01)
    assert [entry["service"]["name"] for entry in body["excluded"]] == ["Women's Pantry"]
    assert body["excluded"][0]["reasons"][0]["en"] == "Only for women."


async def test_a_match_stores_nothing(database_url: str, tmp_path: Path) -> None:
    await _seed(database_url, tmp_path, make_service())
    before = await _counts(database_url)
    async with app_client(database_url) as client:
        response = await client.post(
            "/api/v1/match", json=HUNGRY | {"responses": [ahc(), phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)]}
        )
    assert response.status_code == 200
    assert await _counts(database_url) == before


async def test_an_empty_catalog_still_gives_the_needs_and_the_alerts(database_url: str) -> None:
    body = HUNGRY | {"responses": [phq9(0, 0, 0, 0, 0, 0, 0, 0, 2)]}
    async with app_client(database_url) as client:
        response = await client.post("/api/v1/match", json=body)
    answer = response.json()
    assert response.status_code == 200, answer
    assert [alert["code"] for alert in answer["alerts"]] == ["suicide-risk"]
    assert answer["alerts"][0]["resources"] == [] and "988" in answer["alerts"][0]["action"]["en"]
    assert answer["needs"][0]["code"] == "crisis" and answer["requires_review"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client": {"age": -1, "postal_code": "97233"}}, "client.age"),
        ({"client": {"age": "forty", "postal_code": "97233"}}, "client.age"),
        ({"client": {"postal_code": "00000"}}, "client.postal_code"),
        ({"client": {"age": 40}}, "client.postal_code"),
        ({"client": {"location": {"lat": 95, "lon": -122.6}}}, "client.location.lat"),
        ({"client": {"postal_code": "97233", "sex": "other"}}, "client.sex"),
        ({"client": {"postal_code": "97233", "insurance": ["medicaid", "gold-plan"]}}, "client.insurance[1]"),
        ({"client": {"postal_code": "97233", "situations": ["veteran", "astronaut"]}}, "client.situations[1]"),
        ({"client": {"postal_code": "97233", "limited_english": True}}, "client.preferred_language"),
        ({"client": {"postal_code": "97233", "preferred_language": "spanish"}}, "client.preferred_language"),
        ({"client": {"postal_code": "97233", "monthly_income": -5}}, "client.monthly_income"),
        ({"client": {"postal_code": "97233", "household_size": 0}}, "client.household_size"),
        ({"client": {"postal_code": "97233", "shoe_size": 9}}, "client"),
        ({"responses": [{"instrument": "dast-10", "answers": {}}]}, "responses[0].instrument"),
        ({"responses": [{"instrument": "phq-9", "answers": {"44260-8": "LA-nope"}}]}, "responses[0].answers.44260-8"),
        ({"needs": ["food", {"code": "unicorns"}]}, "needs[1].code"),
        ({"needs": [{"code": "food", "urgency": "yesterday"}]}, "needs[0].urgency"),
        ({"per_need": 0}, "per_need"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    body = {"client": {"postal_code": "97233"}} | change
    async with app_client(f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3") as client:
        response = await client.post("/api/v1/match", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"] == field


async def test_a_case_manager_can_name_needs_without_answers(database_url: str, tmp_path: Path) -> None:
    await _seed(database_url, tmp_path, make_service())
    body = {"client": {"postal_code": "97233"}, "needs": ["food", {"code": "legal", "urgency": "today"}], "at": AT}
    async with app_client(database_url) as client:
        answer = (await client.post("/api/v1/match", json=body)).json()
    assert [(need["code"], need["urgency"]) for need in answer["needs"]] == [("legal", "today"), ("food", "soon")]
    assert answer["needs"][0]["evidence"][0]["source"] == "case-manager"
    assert [p["service"]["name"] for p in answer["proposals"][1]["proposals"]] == ["Eastside Community Pantry"]


async def test_the_match_is_described_in_the_openapi_schema(tmp_path: Path) -> None:
    async with app_client(f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3") as client:
        schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/match"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MatchRequest")
    assert {"client", "responses", "needs"} <= set(schema["components"]["schemas"]["MatchRequest"]["properties"])
