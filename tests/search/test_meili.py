"""The Meilisearch engine over the in-memory fake: the index it keeps, the same answers as the database engine where
matching words plays no part, service areas, the HTTP paths around it (health, startup, an unreachable server)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from directory import vocabularies
from directory.search import engines, meili
from directory.search.database import DatabaseSearchEngine
from directory.search.meili import MeiliSearchEngine
from directory.search.query import SearchQuery, SearchUnavailable
from tests.helpers import cli, query
from tests.referrals.vignettes import AT, ahc
from tests.search.conftest import MeiliCatalog
from tests.search.fake_meili import FakeMeilisearch
from waypost.app import create_app
from waypost.db import create_engine
from waypost.settings import Settings

MULTNOMAH_CRISIS_TEAM = "aaf9ec44-567e-566d-8be6-dcfe1dbcb423"  # serves Multnomah County (a polygon), sited downtown
TROUTDALE = {"lat": 45.5393, "lon": -122.3873}  # in Multnomah County, 21 km from that site
BEAVERTON = {"lat": 45.4871, "lon": -122.8037}  # in Washington County, 11 km from it
TIMEZONE = "America/Los_Angeles"


@asynccontextmanager
async def client(catalog: MeiliCatalog, engine: str = "meilisearch") -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=catalog.url, search_engine=engine, meili_url=catalog.meili_url)
    app = create_app(settings)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def _everything(c: httpx.AsyncClient, params: dict[str, Any]) -> dict[str, Any]:
    """Every hit of a search, page by page, with the first page's totals and facets."""
    first: dict[str, Any] = {}
    hits: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await c.get("/api/v1/search", params={**params, "per_page": 100, "page": page})
        assert response.status_code == 200, response.text
        body = response.json()
        first = first or body
        hits += body["contents"]
        if page >= body["total_pages"]:
            return {**first, "contents": hits}
        page += 1


def _uuid(value: Any) -> str:
    return str(UUID(str(value)))


def test_the_index_holds_each_search_document_with_its_place_areas_and_both_languages(
    meili_catalog: MeiliCatalog,
) -> None:
    assert meili_catalog.fake is not None
    index = meili_catalog.fake.index("waypost")
    rows = query(meili_catalog.url, "SELECT id, latitude, longitude FROM search_document")
    assert set(index.documents) == {_uuid(row[0]) for row in rows}
    for identifier, latitude, longitude in rows:
        document = index.documents[_uuid(identifier)]
        if latitude is None:
            assert "_geo" not in document and document["located"] is False
        else:
            assert document["_geo"] == {"lat": latitude, "lng": longitude} and document["located"] is True
    statewide = [d for d in index.documents.values() if d["area_states"] == ["OR"]]
    by_zip = [d for d in index.documents.values() if "97266" in d["area_postal_codes"]]
    polygon = [d for d in index.documents.values() if d["service_id"] == MULTNOMAH_CRISIS_TEAM]
    assert statewide and by_zip and polygon
    assert all(d["has_service_area"] for d in statewide + by_zip + polygon)
    assert polygon[0]["area_states"] == [] and polygon[0]["area_postal_codes"] == []  # the database answers for it
    assert any(d["name_es"] and d["description_es"] for d in index.documents.values())
    settings = index.settings
    assert "_geo" in settings["filterableAttributes"] and "_geo" in settings["sortableAttributes"]
    assert settings["searchableAttributes"][:2] == ["name_en", "name_es"]
    assert {"attributePatterns": ["*_es"], "locales": ["spa"]} in settings["localizedAttributes"]
    assert "snap" in " ".join(settings["synonyms"]["food stamps"])


FILTER_ONLY = [
    {"postal_code": "97233"},
    {"postal_code": "98660", "taxonomy": "food"},
    {**TROUTDALE, "radius_km": 3},
    {"language": "ru"},
    {"age": 15, "postal_code": "97005"},
    {"gender": "women", "taxonomy": "housing.shelter"},
    {"gender": "men", "postal_code": "97209", "radius_km": 5},
    {"free": "true", "postal_code": "97266"},
    {"include_inactive": "true", "taxonomy": "legal"},
    {"taxonomy": ["substance-use.moud", "substance-use.harm-reduction"], "postal_code": "98661"},
    {"taxonomy": "1103", "postal_code": "97030", "open_at": "2026-06-10T15:30:00-07:00"},
]


@pytest.mark.parametrize("params", FILTER_ONLY, ids=lambda params: ",".join(params))
async def test_without_words_both_engines_give_the_same_listings_ranked_alike(
    meili_catalog: MeiliCatalog, params: dict[str, Any]
) -> None:
    """Without words the engines differ in nothing but who applies the filters and measures distances: the same
    listings, totals and facets must come back, ranked alike. Meilisearch gives distances in whole metres, so two
    sites a few metres apart may swap places; the scores, position by position, may not differ."""
    async with client(meili_catalog, "auto") as database, client(meili_catalog) as meilisearch:
        expected = await _everything(database, params)
        found = await _everything(meilisearch, params)
    assert expected["total_items"] > 0
    assert (found["total_items"], found["facets"]) == (expected["total_items"], expected["facets"])
    listing = [h["service_at_location_id"] or h["service_id"] for h in expected["contents"]]
    assert sorted(h["service_at_location_id"] or h["service_id"] for h in found["contents"]) == sorted(listing)
    scores = zip([h["score"] for h in found["contents"]], [h["score"] for h in expected["contents"]], strict=True)
    assert all(abs(mine - theirs) < 1e-3 for mine, theirs in scores)


async def test_a_polygon_area_is_decided_by_the_database_and_named_in_the_filter(meili_catalog: MeiliCatalog) -> None:
    fake = meili_catalog.fake
    assert fake is not None
    async with client(meili_catalog) as c:
        sent = len(fake.requests)
        inside = await _everything(c, {**TROUTDALE, "radius_km": 2, "taxonomy": "emergency"})
        filters = [body["queries"][0]["filter"] for _, path, body in fake.requests[sent:] if path == "/multi-search"]
        outside = await _everything(c, {**BEAVERTON, "radius_km": 40, "taxonomy": "emergency"})
    assert MULTNOMAH_CRISIS_TEAM in {hit["service_id"] for hit in inside["contents"]}
    assert any("service_id IN [" in f and MULTNOMAH_CRISIS_TEAM in f for f in filters)
    assert MULTNOMAH_CRISIS_TEAM not in {hit["service_id"] for hit in outside["contents"]}


async def test_service_ids_without_words_page_through_every_document(
    meili_catalog: MeiliCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(meili, "FETCH_PAGE", 50)  # several pages from the seed region
    place = {"latitude": 45.6387, "longitude": -122.6615, "postal_code": "98660", "state": "WA"}
    search = SearchQuery(**place, include_inactive=True)
    engine = create_engine(meili_catalog.url)
    try:
        vocabulary = vocabularies.default()
        expected = await DatabaseSearchEngine(engine, vocabulary, TIMEZONE).service_ids(search)
        index = engines.meilisearch(
            Settings(database_url=meili_catalog.url, search_engine="meilisearch", meili_url=meili_catalog.meili_url),
            engine,
            vocabulary,
        )
        assert index is not None
        found = await index.service_ids(search)
        worded = await index.service_ids(SearchQuery(text="food pantry", **place))
    finally:
        await engine.dispose()
    assert len(expected) > 50 and found == expected
    assert worded and worded <= expected


async def test_a_match_proposes_the_same_services_through_either_engine(meili_catalog: MeiliCatalog) -> None:
    # Matching reads its candidates through the engine's ``listings``. A match has no words: the listings serving
    # the client's place come from the catalog database, which the index mirrors, not from paging through the index
    # (checked on the fake, which records what it is asked).
    fake = meili_catalog.fake
    body = {
        "client": {"age": 40, "sex": "female", "postal_code": "97233", "situations": []},
        "responses": [ahc(food_worry="LA28397-0", housing="LA31994-9")],
        "at": AT,
    }
    proposed, asked = {}, []
    for engine in ("auto", "meilisearch"):  # auto: the database's own engine
        async with client(meili_catalog, engine) as c:
            before = len(fake.requests) if fake else 0
            response = await c.post("/api/v1/match", json=body)
            if fake and engine == "meilisearch":
                asked = [path for _, path, _ in fake.requests[before:]]
        assert response.status_code == 200, response.text
        result = response.json()
        proposed[engine] = [
            [proposal["service"]["id"] for proposal in group["proposals"]] for group in result["proposals"]
        ]
    assert any(proposed["auto"]) and proposed["meilisearch"] == proposed["auto"]
    assert not [path for path in asked if path.endswith(("/documents/fetch", "/documents", "/search"))], asked


async def test_health_reports_meilisearch_and_an_unreachable_server_is_503_not_500(
    meili_catalog: MeiliCatalog,
) -> None:
    fake = meili_catalog.fake
    assert fake is not None
    async with client(meili_catalog) as c:
        healthy = await c.get("/healthz")
        fake.unreachable = True
        try:
            unhealthy = await c.get("/healthz")
            search = await c.get("/api/v1/search", params={"q": "food"})
            hsds = await c.get("/hsds/services", params={"search": "food"})
        finally:
            fake.unreachable = False
    assert healthy.status_code == 200 and healthy.json()["search"] == {"engine": "meilisearch", "status": "ok"}
    assert unhealthy.status_code == 503 and unhealthy.json()["search"]["status"] == "error"
    assert unhealthy.json()["database"]["status"] == "ok"
    assert search.status_code == hsds.status_code == 503
    assert fake.url not in search.text  # where the search server lives is not the public's business


def test_meilisearch_without_its_url_stops_the_app_and_the_commands_with_the_variable_to_set(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3"
    with pytest.raises(ValueError, match="WAYPOST_MEILI_URL"):
        create_app(Settings(database_url=url, search_engine="meilisearch", meili_url=""))
    with pytest.raises(ValueError, match="WAYPOST_SEARCH_ENGINE"):
        create_app(Settings(database_url=url, search_engine="elasticsearch"))
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("WAYPOST_SEARCH_ENGINE", "meilisearch")
        environment.delenv("WAYPOST_MEILI_URL", raising=False)
        result = cli(url, "reindex")
    assert result.exit_code == 1 and "WAYPOST_MEILI_URL" in result.output


async def test_the_api_key_is_sent_as_a_bearer_token(database_url: str) -> None:
    fake = FakeMeilisearch(api_key="s3cret")
    engine = create_engine(database_url)
    try:
        with fake.serving():
            good = MeiliSearchEngine(engine, vocabularies.default(), TIMEZONE, url=fake.url, api_key="s3cret")
            bad = MeiliSearchEngine(engine, vocabularies.default(), TIMEZONE, url=fake.url, api_key="wrong")
            built = await good.reindex()
            with pytest.raises(SearchUnavailable, match="invalid_api_key"):
                await bad.reindex()
    finally:
        await engine.dispose()
    assert built.documents == 0 and "waypost" in fake.indexes
