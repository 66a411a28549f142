"""``POST /api/v1/match`` on the seed region, for client vignettes, over HTTP on SQLite and PostgreSQL + PostGIS.

Each vignette (``vignettes.py``) asserts the needs found, services expected among the first proposals, and that
services the client may not use (wrong age, gender, area, language, or closed) are never proposed. The seed region
is loaded once per database and every vignette is asked once; the tests read the answers.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.helpers import app_client
from tests.referrals.vignettes import VIGNETTES
from tests.search.conftest import DATABASES, seeded_database

BY_NAME = {vignette.name: vignette for vignette in VIGNETTES}
CLOSED = ["Day Shelter", "Severe Weather Overflow", "Co-Ed Residential Treatment", "Drug Checking Service"]


@pytest.fixture(scope="module", params=DATABASES)
def seeded_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seeded_database(request.param, request, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
async def answers(seeded_url: str) -> AsyncIterator[dict[str, dict[str, Any]]]:
    found = {}
    async with app_client(seeded_url) as client:
        for vignette in VIGNETTES:
            response = await client.post("/api/v1/match", json=vignette.body)
            assert response.status_code == 200, (vignette.name, response.text)
            found[vignette.name] = response.json()
    yield found


def _proposed(answer: dict[str, Any], need: str) -> list[str]:
    group = next(group for group in answer["proposals"] if group["need"] == need)
    return [proposal["service"]["name"] for proposal in group["proposals"]]


def _every_proposal(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [proposal for group in answer["proposals"] for proposal in group["proposals"]]


vignettes = pytest.mark.parametrize("name", list(BY_NAME))


@vignettes
def test_the_needs_found_are_the_vignettes(answers: dict[str, dict[str, Any]], name: str) -> None:
    vignette = BY_NAME[name]
    answer = answers[name]
    assert {need["code"] for need in answer["needs"]} == vignette.needs
    assert [group["need"] for group in answer["proposals"]] == [need["code"] for need in answer["needs"]]
    for need in answer["needs"]:
        assert need["evidence"], need["code"]
        assert all(item["text"]["en"] and item["text"]["es"] for item in need["evidence"])


@vignettes
def test_the_expected_services_are_proposed_first(answers: dict[str, dict[str, Any]], name: str) -> None:
    vignette = BY_NAME[name]
    for need, services in vignette.top.items():
        proposed = _proposed(answers[name], need)
        assert set(services) <= set(proposed[:3]), (need, proposed)
    for need, services in vignette.listed.items():
        proposed = _proposed(answers[name], need)
        assert set(services) <= set(proposed), (need, proposed)


@vignettes
def test_services_the_client_may_not_use_are_never_proposed(answers: dict[str, dict[str, Any]], name: str) -> None:
    vignette = BY_NAME[name]
    proposed = {proposal["service"]["name"] for proposal in _every_proposal(answers[name])}
    assert not proposed & {*vignette.never, *CLOSED}
    excluded = {entry["service"]["name"]: entry for entry in answers[name]["excluded"]}
    for service, words in vignette.excluded.items():
        reasons = " ".join(reason["en"] for reason in excluded[service]["reasons"])
        assert words in reasons, (service, reasons)


@vignettes
def test_every_proposal_and_exclusion_is_explained(answers: dict[str, dict[str, Any]], name: str) -> None:
    answer = answers[name]
    for proposal in _every_proposal(answer):
        assert proposal["reasons"], proposal["service"]["name"]
        assert all(text["en"] and text["es"] for text in proposal["reasons"] + proposal["cautions"])
        assert all(check["outcome"] != "fail" for check in proposal["checks"])
        assert 0 < proposal["score"] <= 1
    for entry in answer["excluded"]:
        assert entry["reasons"] and all(text["en"] and text["es"] for text in entry["reasons"])


@vignettes
def test_safety_alerts_come_first_with_help_to_show(answers: dict[str, dict[str, Any]], name: str) -> None:
    vignette = BY_NAME[name]
    answer = answers[name]
    assert {alert["code"] for alert in answer["alerts"]} == vignette.alerts
    assert answer["requires_review"] == bool(vignette.alerts)
    for alert in answer["alerts"]:
        assert alert["requires_review"] and alert["action"]["en"]
        assert [p["service"]["name"] for p in alert["resources"]] == _proposed(answer, alert["need"])[:3]
    if vignette.first_need:
        assert answer["needs"][0]["code"] == vignette.first_need


def test_someone_across_the_state_line_gets_no_oregon_only_services(answers: dict[str, dict[str, Any]]) -> None:
    answer = answers["across the state line in Vancouver, Washington, hungry and uninsured"]
    for proposal in _every_proposal(answer):
        area = next((check for check in proposal["checks"] if check["rule"] == "area"), None)
        assert area is None or "Oregon" not in area["reason"]["en"], proposal["service"]["name"]
