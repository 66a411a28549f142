"""The HSDS 3.0 read API over HTTP: every endpoint against the published schemas, each filter, NDJSON, minimal,
paging edges, and the 404 and 400 answers."""

import asyncio
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory import exporter, models, queries
from directory.ids import taxonomy_id, term_id
from tests.conftest import shared_path
from tests.helpers import app_client, category_attribute, cli, make_service, new_id, query, write_json
from waypost.db import among, create_engine

PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}
PANTRY = str(term_id("waypost-categories", "food.pantry"))
SHELTER = str(term_id("waypost-categories", "housing.shelter"))
WOMEN = str(term_id("waypost-eligibility", "women"))
CATEGORIES = str(taxonomy_id("waypost-categories"))
ELIGIBILITY = str(taxonomy_id("waypost-eligibility"))
UNKNOWN = "6f1d5c2e-8b7a-4f3e-9c1d-2a4b6c8d0e1f"


async def load(database_url: str, tmp_path: Path, services: list[dict[str, Any]]) -> None:
    # The CLI runs its own event loop, so it runs beside this test's loop, in a thread.
    result = await asyncio.to_thread(cli, database_url, "import", str(write_json(tmp_path / "in.json", services)))
    assert result.exit_code == 0, result.output


async def get_json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def get_page(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    page = await get_json(client, path, **params)
    assert set(page) == PAGE_KEYS
    return dict(page)


async def get_ndjson(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(path, params={**params, "format": "ndjson"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def ids(records: Iterable[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def phone() -> dict[str, Any]:
    return {"id": new_id(), "number": "503-555-0100", "type": "voice"}


def rich_service() -> dict[str, Any]:
    """A service that fills the nested lists the seed region leaves empty (program, identifiers, contacts...)."""
    service = make_service(last_modified="2026-01-02T03:04:05Z")
    organization = service["organization"]
    program = {
        "id": new_id(),
        "organization_id": organization["id"],
        "name": "Food security",
        "description": "Groceries and meals.",
    }
    organization.update(
        email="info@eastside.example.org",
        website="https://eastside.example.org",
        phones=[phone()],
        contacts=[{"id": new_id(), "name": "Ana Ruiz", "title": "Director", "phones": [phone()]}],
        funding=[{"id": new_id(), "source": "City of Portland grant"}],
        organization_identifiers=[{"id": new_id(), "identifier_type": "EIN", "identifier": "93-1234567"}],
        programs=[program],
        attributes=[category_attribute("food.pantry")],
    )
    service["program"] = program
    service["contacts"] = [{"id": new_id(), "name": "Intake desk", "phones": [phone()]}]
    service["funding"] = [{"id": new_id(), "source": "Donations"}]
    service["required_documents"] = [{"id": new_id(), "document": "Photo ID"}]
    service["cost_options"] = [{"id": new_id(), "option": "Free", "amount": 0, "currency": "USD"}]
    schedule = {**service["schedules"][0], "id": new_id()}
    service["service_at_locations"][0].update(
        description="The pantry in the hall's basement.",
        phones=[phone()],
        contacts=[{"id": new_id(), "name": "Hall manager"}],
        schedules=[schedule],
    )
    return service


class Schemas:
    """Validators for the HSDS 3.0 schemas: modular files by name (``organization.json``) and compiled ones
    (``compiled/service_list.json``), resolved together as the spec publishes them."""

    def __init__(self) -> None:
        folder = shared_path("hsds", "schema")
        files = [*folder.glob("*.json"), *folder.glob("compiled/*.json")]
        self.registry: Registry[Any] = Registry().with_resources(
            (
                path.relative_to(folder).as_posix(),
                Resource.from_contents(json.loads(path.read_text("utf-8")), default_specification=DRAFT202012),
            )
            for path in files
            if path.name != "openapi.json"
        )
        self.openapi = json.loads((folder / "openapi.json").read_text("utf-8"))

    def check(self, schema: str | dict[str, Any], records: Iterable[Any], what: str) -> int:
        validator = Draft202012Validator(
            {"$ref": schema} if isinstance(schema, str) else schema,
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        count = 0
        for record in records:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(record)]
            assert not errors, f"{what} {record.get('id')}: {errors[:5]}"
            assert not list(_nulls(record)), f"{what} {record.get('id')} has nulls at {list(_nulls(record))}"
            count += 1
        return count

    def check_page(self, page: dict[str, Any], item_schema: str, what: str) -> int:
        self.check(self.openapi["components"]["schemas"]["Page"], [page], f"{what} page")
        return self.check(item_schema, page["contents"], what)


def _nulls(value: Any, path: str = "") -> Iterable[str]:
    """Where ``value`` holds a JSON null: the API leaves empty fields out instead."""
    if value is None:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nulls(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nulls(item, f"{path}[{index}]")


FULL_SERVICE = "compiled/service_with_definitions.json"


async def test_every_endpoint_validates_against_the_hsds_schemas(database_url: str, tmp_path: Path) -> None:
    schemas = Schemas()
    assert (await asyncio.to_thread(cli, database_url, "seed")).exit_code == 0
    rich = rich_service()
    await load(database_url, tmp_path, [rich])
    everything = {"per_page": 1000}
    async with app_client(database_url) as client:
        root = await get_json(client, "/hsds/")
        root_schema = schemas.openapi["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
        schemas.check(root_schema["schema"], [root], "root")
        assert root["version"] == "3.0"

        services = await get_page(client, "/hsds/services", **everything)
        assert schemas.check_page(services, "compiled/service_list.json", "service list item") == 431
        full_services = await get_page(client, "/hsds/services", full="true", **everything)
        assert schemas.check_page(full_services, FULL_SERVICE, "full service") == 431
        one = await get_json(client, f"/hsds/services/{rich['id']}")
        schemas.check(FULL_SERVICE, [one], "service")
        assert one["program"]["id"] == rich["program"]["id"] and one["contacts"][0]["phones"]
        # The other shapes are checked against these: NDJSON gives the same records, nested services the same
        # services less the record they sit in.
        assert await get_ndjson(client, "/hsds/services") == services["contents"]
        assert await get_ndjson(client, "/hsds/services", full="true") == full_services["contents"]
        full_by_id = {service["id"]: service for service in full_services["contents"]}

        organizations = await get_page(client, "/hsds/organizations", **everything)
        assert schemas.check_page(organizations, "compiled/organization_list.json", "organization list item") == 238
        nested = await get_page(client, "/hsds/organizations", full="true", **everything)
        assert schemas.check_page(nested, "organization.json", "organization") == 238
        with_services = await get_page(client, "/hsds/organizations", full_service="true", **everything)
        assert schemas.check_page(with_services, "organization.json", "organization") == 238
        # HSDS has no schema for an organization's services: they are list items, or full with full_service.
        simple = [s for o in nested["contents"] for s in o["services"]]
        assert schemas.check("compiled/service_list.json", simple, "organization's service") == 431
        for service in (s for o in with_services["contents"] for s in o["services"]):
            assert service == {k: v for k, v in full_by_id[service["id"]].items() if k != "organization"}
        organization_id = rich["organization"]["id"]
        for params in ({}, {"full_service": "true"}):
            organization = await get_json(client, f"/hsds/organizations/{organization_id}", **params)
            schemas.check("organization.json", [organization], "organization")
            schemas.check(FULL_SERVICE, organization["services"], "organization's service")
            assert organization["programs"] and organization["organization_identifiers"] and organization["funding"]

        sal_list = await get_page(client, "/hsds/service_at_locations", **everything)
        list_schema = "compiled/service_at_location_list.json"
        assert schemas.check_page(sal_list, list_schema, "service_at_location list item") == 465
        sal_full = await get_page(client, "/hsds/service_at_locations", full="true", **everything)
        assert schemas.check_page(sal_full, "service_at_location.json", "service_at_location") == 465
        for service in (s["service"] for s in sal_full["contents"]):
            assert service == {k: v for k, v in full_by_id[service["id"]].items() if k != "service_at_locations"}
        sal_id = rich["service_at_locations"][0]["id"]
        sal = await get_json(client, f"/hsds/service_at_locations/{sal_id}")
        schemas.check("service_at_location.json", [sal], "service_at_location")
        schemas.check(FULL_SERVICE, [sal["service"]], "service_at_location's service")
        assert await get_ndjson(client, "/hsds/service_at_locations") == sal_list["contents"]

        taxonomies = await get_page(client, "/hsds/taxonomies", **everything)
        assert schemas.check_page(taxonomies, "taxonomy.json", "taxonomy") >= 4
        terms = await get_page(client, "/hsds/taxonomy_terms", **everything)
        assert schemas.check_page(terms, "taxonomy_term.json", "taxonomy term") == terms["total_items"] > 100
        assert all(term["taxonomy_detail"]["id"] == term["taxonomy_id"] for term in terms["contents"])
        schemas.check("taxonomy.json", [await get_json(client, f"/hsds/taxonomies/{CATEGORIES}")], "taxonomy")
        term = await get_json(client, f"/hsds/taxonomy_terms/{PANTRY}")
        schemas.check("taxonomy_term.json", [term], "taxonomy term")
        assert term["taxonomy_detail"]["id"] == CATEGORIES
        assert await get_ndjson(client, "/hsds/taxonomies") == taxonomies["contents"]
        assert await get_ndjson(client, "/hsds/taxonomy_terms") == terms["contents"]


def filtered_catalog() -> dict[str, dict[str, Any]]:
    """Four services told apart by organization, terms and last_modified."""
    eligibility = {"id": new_id(), "link_type": "eligibility", "taxonomy_term_id": WOMEN}
    a = make_service(last_modified="2025-01-01T00:00:00Z", attributes=[category_attribute("food.pantry")])
    b = make_service(
        organization=a["organization"],
        last_modified="2026-01-01T00:00:00Z",
        attributes=[category_attribute("housing.shelter"), eligibility],
    )
    c = make_service(last_modified="2026-06-01T12:00:00Z", attributes=[category_attribute("food.pantry")])
    # d is tagged only through its location: that says nothing about the service.
    d = make_service(organization=c["organization"], attributes=[])
    d["service_at_locations"][0]["location"]["attributes"] = [category_attribute("food.pantry")]
    return {"a": a, "b": b, "c": c, "d": d}


async def test_service_filters_are_cumulative(database_url: str, tmp_path: Path) -> None:
    catalog = filtered_catalog()
    await load(database_url, tmp_path, list(catalog.values()))
    name_of = {service["id"]: name for name, service in catalog.items()}
    name_of_sal = {service["service_at_locations"][0]["id"]: name for name, service in catalog.items()}
    organization_x, organization_y = catalog["a"]["organization"]["id"], catalog["c"]["organization"]["id"]
    cases: list[tuple[dict[str, str], set[str]]] = [
        ({}, {"a", "b", "c", "d"}),
        ({"taxonomy_term_id": PANTRY}, {"a", "c"}),
        ({"taxonomy_term_id": SHELTER}, {"b"}),
        ({"taxonomy_term_id": UNKNOWN}, set()),
        ({"taxonomy_id": ELIGIBILITY}, {"b"}),
        ({"taxonomy_id": CATEGORIES}, {"a", "b", "c"}),
        ({"organization_id": organization_x}, {"a", "b"}),
        ({"organization_id": organization_y}, {"c", "d"}),
        ({"modified_after": "2026-01-01T00:00:00Z"}, {"b", "c"}),  # on or after
        ({"modified_after": "2025-12-31T20:00:00-05:00"}, {"c"}),  # = 2026-01-01T01:00Z
        ({"modified_after": "2025-06-01T00:00:00"}, {"b", "c"}),  # no zone: UTC
        ({"taxonomy_term_id": PANTRY, "organization_id": organization_x}, {"a"}),
        ({"taxonomy_id": CATEGORIES, "modified_after": "2025-06-01T00:00:00Z"}, {"b", "c"}),
        (
            {"taxonomy_id": CATEGORIES, "organization_id": organization_y, "modified_after": "2026-01-01T00:00:00Z"},
            {"c"},
        ),
        ({"taxonomy_id": ELIGIBILITY, "taxonomy_term_id": PANTRY}, set()),
    ]
    async with app_client(database_url) as client:
        for params, expected in cases:
            page = await get_page(client, "/hsds/services", **params)
            assert {name_of[i] for i in ids(page["contents"])} == expected, params
            assert page["total_items"] == len(expected), params
            streamed = await get_ndjson(client, "/hsds/services", **params)
            assert {name_of[i] for i in ids(streamed)} == expected, params
            sals = await get_page(client, "/hsds/service_at_locations", **params)
            assert {name_of_sal[i] for i in ids(sals["contents"])} == expected, params
            streamed_sals = await get_ndjson(client, "/hsds/service_at_locations", full="true", **params)
            assert {name_of[s["service"]["id"]] for s in streamed_sals} == expected, params


async def test_a_condition_from_the_search_engine_narrows_services_and_their_locations(
    database_url: str, tmp_path: Path
) -> None:
    catalog = filtered_catalog()
    await load(database_url, tmp_path, list(catalog.values()))
    matched = [UUID(catalog["a"]["id"]), UUID(catalog["c"]["id"])]
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = queries.ServiceFilter(
                taxonomy_term_id=UUID(PANTRY), matching=among(connection, models.service.c.id, matched[:1])
            )
            assert await queries.services(found).page(connection, 1, 10) == matched[:1]
            everywhere = queries.ServiceFilter(matching=among(connection, models.service.c.id, matched))
            sals = await queries.service_at_locations(everywhere).page(connection, 1, 10)
            assert {str(i) for i in sals} == {catalog[n]["service_at_locations"][0]["id"] for n in ("a", "c")}
    finally:
        await engine.dispose()


async def test_minimal_services_are_ids_and_dates_on_one_page(database_url: str, tmp_path: Path) -> None:
    services = [make_service(last_modified=f"2026-0{n + 1}-01T00:00:00Z") for n in range(3)]
    services.append(make_service())  # no last_modified: its id alone
    await load(database_url, tmp_path, services)
    async with app_client(database_url) as client:
        page = await get_page(client, "/hsds/services", minimal="true")
        paged = await get_page(client, "/hsds/services", minimal="true", per_page=3, page=2)
        recent = await get_ndjson(client, "/hsds/services", minimal="true", modified_after="2026-02-01T00:00:00Z")
        both = await client.get("/hsds/services", params={"minimal": "true", "full": "true"})
    expected = [
        {"id": s["id"], "last_modified": s["last_modified"]} if "last_modified" in s else {"id": s["id"]}
        for s in services
    ]
    assert page["contents"] == sorted(page["contents"], key=lambda r: r["id"])
    assert sorted(page["contents"], key=str) == sorted(expected, key=str)
    assert (page["total_items"], page["total_pages"], page["size"], page["last_page"]) == (4, 1, 4, True)
    assert (paged["total_pages"], paged["size"], paged["last_page"]) == (2, 1, True)
    assert sorted(r["last_modified"] for r in recent) == ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"]
    assert all(set(r) == {"id", "last_modified"} for r in recent)
    assert both.status_code == 400 and "minimal" in both.json()["extra"][0]["key"]


async def test_ndjson_streams_every_record_of_every_list_past_the_batch_size(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = 40
    monkeypatch.setattr(exporter, "BATCH_SIZE", batch)  # several batches without thousands of records
    assert (await asyncio.to_thread(cli, database_url, "seed")).exit_code == 0
    async with app_client(database_url) as client:
        for path in ("/hsds/services", "/hsds/organizations", "/hsds/service_at_locations", "/hsds/taxonomy_terms"):
            total = (await get_page(client, path, per_page=1))["total_items"]
            # page and per_page do not apply: NDJSON is every record, in id order.
            streamed = ids(await get_ndjson(client, path, page=3, per_page=2))
            assert len(streamed) == total > batch and streamed == sorted(set(streamed)), path
        full = await get_ndjson(client, "/hsds/organizations", full_service="true")
        assert sum(len(o["services"]) for o in full) == 430
        assert all("service_at_locations" in s and "organization" not in s for o in full for s in o["services"])


async def test_pages_cover_every_record_once_and_report_their_edges(database_url: str, tmp_path: Path) -> None:
    async with app_client(database_url) as client:
        empty = await get_page(client, "/hsds/services")
    assert empty == {
        "total_items": 0,
        "total_pages": 1,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }
    services = [make_service() for _ in range(5)]
    await load(database_url, tmp_path, services)
    async with app_client(database_url) as client:
        pages = [await get_page(client, "/hsds/services", per_page=2, page=n) for n in (1, 2, 3, 4)]
        whole = await get_page(client, "/hsds/services", per_page=5)
        default = await get_page(client, "/hsds/service_at_locations")
        largest = await client.get("/hsds/services", params={"per_page": 1000})
    edges = [
        {k: p[k] for k in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty")}
        for p in pages
    ]
    assert edges == [
        {"total_items": 5, "total_pages": 3, "page_number": n, "size": size, "first_page": n == 1, "last_page": last}
        | {"empty": size == 0}
        for n, size, last in ((1, 2, False), (2, 2, False), (3, 1, True), (4, 0, True))
    ]
    assert [i for p in pages for i in ids(p["contents"])] == sorted(s["id"] for s in services)
    assert (whole["total_pages"], whole["first_page"], whole["last_page"], whole["size"]) == (1, True, True, 5)
    assert default["size"] == 5 and default["page_number"] == 1
    assert largest.status_code == 200


async def test_list_items_and_nested_records_have_their_hsds_shapes(database_url: str, tmp_path: Path) -> None:
    rich = rich_service()
    await load(database_url, tmp_path, [rich])
    sal_id = rich["service_at_locations"][0]["id"]
    async with app_client(database_url) as client:
        item = (await get_page(client, "/hsds/services"))["contents"][0]
        organization = (await get_page(client, "/hsds/organizations"))["contents"][0]
        nested = await get_json(client, f"/hsds/organizations/{rich['organization']['id']}")
        with_full = await get_json(client, f"/hsds/organizations/{rich['organization']['id']}", full_service="true")
        sal_item = (await get_page(client, "/hsds/service_at_locations"))["contents"][0]
        sal = await get_json(client, f"/hsds/service_at_locations/{sal_id}")
    # List items: own fields and the records they point at, no lists.
    assert item["organization"]["id"] == rich["organization"]["id"] and item["program"]["id"] == rich["program"]["id"]
    assert not [key for key, value in item.items() if isinstance(value, list)]
    assert "phones" not in item["organization"]
    assert not [key for key, value in organization.items() if isinstance(value, (list, dict))]
    assert sal_item["location"]["name"] == "Eastside Neighbors hall" and "addresses" not in sal_item["location"]
    assert (
        sal_item["service"]["id"] == rich["id"] and sal_item["service"]["organization"]["name"] == "Eastside Neighbors"
    )
    # An organization in full: its own lists, and its services (list items, or in full) without itself again.
    assert {p["id"] for p in nested["programs"]} == {rich["program"]["id"]}
    assert nested["contacts"][0]["phones"] and nested["attributes"][0]["taxonomy_term"]["id"] == PANTRY
    assert ids(nested["services"]) == [rich["id"]] and "service_at_locations" not in nested["services"][0]
    assert all("organization" not in s for s in nested["services"] + with_full["services"])
    assert with_full["services"][0]["service_at_locations"][0]["id"] == sal_id
    # A service_at_location in full: its location in full, and its service in full less the way back to it.
    assert sal["location"]["addresses"][0]["postal_code"] == "97233"
    assert sal["phones"] and sal["contacts"] and sal["schedules"]
    assert sal["service"]["organization"]["id"] == rich["organization"]["id"]
    assert sal["service"]["phones"] and "service_at_locations" not in sal["service"]


async def test_taxonomy_term_filters(database_url: str, tmp_path: Path) -> None:
    await load(database_url, tmp_path, [make_service()])  # every import writes Waypost's vocabularies
    rows = await asyncio.to_thread(query, database_url, "SELECT id, taxonomy_id, parent_id FROM taxonomy_term")
    terms = [(str(UUID(str(i))), str(UUID(str(t))), p and str(UUID(str(p)))) for i, t, p in rows]
    food = str(term_id("waypost-categories", "food"))
    cases: list[tuple[dict[str, str], set[str]]] = [
        ({"taxonomy_id": ELIGIBILITY}, {i for i, t, _ in terms if t == ELIGIBILITY}),
        ({"top_only": "true"}, {i for i, _, p in terms if p is None}),
        ({"parent_id": food}, {i for i, _, p in terms if p == food}),
        ({"taxonomy_id": CATEGORIES, "top_only": "true"}, {i for i, t, p in terms if t == CATEGORIES and p is None}),
        ({"taxonomy_id": ELIGIBILITY, "parent_id": food}, set()),
        ({"parent_id": food, "top_only": "true"}, set()),
    ]
    assert all(expected for _, expected in cases[:4]) and PANTRY in cases[2][1]
    async with app_client(database_url) as client:
        for params, expected in cases:
            page = await get_page(client, "/hsds/taxonomy_terms", per_page=1000, **params)
            assert set(ids(page["contents"])) == expected, params
            assert set(ids(await get_ndjson(client, "/hsds/taxonomy_terms", **params))) == expected, params


@pytest.mark.parametrize(
    "path",
    ["/hsds/services", "/hsds/organizations", "/hsds/service_at_locations", "/hsds/taxonomies", "/hsds/taxonomy_terms"],
)
async def test_unknown_ids_are_404_naming_the_id(database_url: str, tmp_path: Path, path: str) -> None:
    await load(database_url, tmp_path, [make_service()])
    async with app_client(database_url) as client:
        for record_id in (UNKNOWN, "not-an-id"):
            response = await client.get(f"{path}/{record_id}")
            assert response.status_code == 404, response.text
            assert response.json()["extra"] == {"id": record_id} and record_id in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/hsds/services", {"per_page": "0"}, "per_page"),
        ("/hsds/services", {"per_page": "1001"}, "per_page"),
        ("/hsds/services", {"per_page": "ten"}, "per_page"),
        ("/hsds/services", {"page": "abc"}, "page"),
        ("/hsds/services", {"page": "0"}, "page"),
        ("/hsds/services", {"page": "9" * 30}, "page"),
        ("/hsds/services", {"modified_after": "garbage"}, "modified_after"),
        ("/hsds/services", {"taxonomy_id": "not-a-uuid"}, "taxonomy_id"),
        ("/hsds/services", {"taxonomy_term_id": "food.pantry"}, "taxonomy_term_id"),
        ("/hsds/services", {"organization_id": "42"}, "organization_id"),
        ("/hsds/services", {"format": "xml"}, "format"),
        ("/hsds/services", {"minimal": "perhaps"}, "minimal"),
        ("/hsds/services", {"full": "yes please"}, "full"),
        ("/hsds/organizations", {"full_service": "2"}, "full_service"),
        ("/hsds/organizations", {"per_page": "-1"}, "per_page"),
        ("/hsds/service_at_locations", {"modified_after": "yesterday"}, "modified_after"),
        ("/hsds/service_at_locations", {"taxonomy_id": "x"}, "taxonomy_id"),
        ("/hsds/taxonomies", {"page": "1.5"}, "page"),
        ("/hsds/taxonomy_terms", {"parent_id": "root"}, "parent_id"),
        ("/hsds/taxonomy_terms", {"top_only": "maybe"}, "top_only"),
        ("/hsds/taxonomy_terms", {"taxonomy_id": "waypost-categories"}, "taxonomy_id"),
    ],
)
async def test_bad_parameters_are_400_naming_the_parameter(
    database_url: str, path: str, params: dict[str, str], named: str
) -> None:
    async with app_client(database_url) as client:
        response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert [problem["key"] for problem in response.json()["extra"]] == [named]


async def test_the_openapi_document_lists_the_hsds_endpoints(database_url: str) -> None:
    async with app_client(database_url) as client:
        response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = {p for p in document["paths"] if p.startswith("/hsds")}
    assert paths == {
        "/hsds",
        *(f"/hsds/{kind}" for kind in ("services", "organizations", "service_at_locations")),
        *(f"/hsds/{kind}" for kind in ("taxonomies", "taxonomy_terms")),
        "/hsds/services/{service_id}",
        "/hsds/organizations/{organization_id}",
        "/hsds/service_at_locations/{service_at_location_id}",
        "/hsds/taxonomies/{taxonomy_id}",
        "/hsds/taxonomy_terms/{taxonomy_term_id}",
    }
