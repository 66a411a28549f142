"""The instruments over HTTP: the published wording and codes out, a score back, bad answers named."""

from pathlib import Path

from tests.helpers import app_client
from tests.matching.test_instruments import SHIPPED


async def test_instruments_are_listed_with_their_codes(tmp_path: Path) -> None:
    async with app_client(f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3") as client:
        listed = (await client.get("/api/v1/instruments")).json()
        phq9 = (await client.get("/api/v1/instruments/phq-9")).json()
        missing = await client.get("/api/v1/instruments/dast-10")
    codes = {instrument["code"] for instrument in listed}
    assert codes == SHIPPED
    assert "dast-10" not in codes and missing.status_code == 404  # licensed: not shipped
    item9 = phq9["questions"][8]
    assert item9["code"] == "44260-8"
    assert item9["text"]["en"].startswith("Thoughts that you would be better off dead")
    assert [option["score"] for option in item9["options"]] == [0, 1, 2, 3]


async def test_scoring_phq9_with_item_9_raises_the_suicide_risk_alert(tmp_path: Path) -> None:
    async with app_client(f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3") as client:
        phq9 = (await client.get("/api/v1/instruments/phq-9")).json()
        answers = {q["code"]: q["options"][1]["code"] for q in phq9["questions"] if q.get("options")}
        result = (await client.post("/api/v1/instruments/phq-9/score", json={"answers": answers})).json()
        bad = await client.post("/api/v1/instruments/phq-9/score", json={"answers": {"44260-8": "LA-nope"}})
    assert "suicide-risk" in {alert["code"] for alert in result["alerts"]}
    assert bad.status_code == 400
    assert bad.json()["extra"][0]["key"] == "answers.44260-8"
