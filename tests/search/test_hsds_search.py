"""The HSDS API's search, postcode and proximity parameters answer as the directory's own search does."""

from tests.helpers import app_client


async def test_search_narrows_services_to_the_ones_the_words_find(seeded_url: str) -> None:
    async with app_client(seeded_url) as client:
        everything = (await client.get("/hsds/services", params={"per_page": 1})).json()["total_items"]
        page = (await client.get("/hsds/services", params={"search": "food pantry", "per_page": 1000})).json()
        found = await client.get(
            "/api/v1/search", params={"q": "food pantry", "include_inactive": "true", "per_page": 100}
        )
    assert 0 < page["total_items"] < everything
    assert {s["id"] for s in page["contents"]} >= {hit["service_id"] for hit in found.json()["contents"]}


async def test_postcode_keeps_services_that_serve_it(seeded_url: str) -> None:
    async with app_client(seeded_url) as client:
        vancouver = (await client.get("/hsds/services", params={"postcode": "98660", "per_page": 1000})).json()
        near = (
            await client.get("/hsds/services", params={"postcode": "98660", "proximity": 2000, "per_page": 1000})
        ).json()
        at_locations = (await client.get("/hsds/service_at_locations", params={"postcode": "98660"})).json()
    names = {service["name"] for service in vancouver["contents"]}
    assert "Oregon 24/7 Crisis Line" not in names
    assert 0 < near["total_items"] < vancouver["total_items"]
    assert at_locations["total_items"] > 0


async def test_unknown_postcode_and_proximity_alone_are_400(seeded_url: str) -> None:
    async with app_client(seeded_url) as client:
        unknown = await client.get("/hsds/services", params={"postcode": "00000"})
        alone = await client.get("/hsds/services", params={"proximity": 1000})
    assert unknown.status_code == 400 and unknown.json()["extra"][0]["key"] == "postcode"
    assert alone.status_code == 400 and alone.json()["extra"][0]["key"] == "proximity"
