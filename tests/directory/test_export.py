"""Export: valid HSDS 3.0, and export then re-import into an empty database gives the same catalog."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import shared_path
from tests.helpers import cli, count, make_service, new_id, write_json
from waypost import migrate


def _catalog() -> list[dict]:
    shared_location = make_service()["service_at_locations"][0]["location"]
    first = make_service(
        name_es="Despensa Comunitaria del Este",
        cost_options=[{"id": new_id(), "option": "Free", "amount": 0, "currency": "USD"}],
        required_documents=[{"id": new_id(), "document": "Photo ID"}],
        service_areas=[
            {
                "id": new_id(),
                "name": "Gresham",
                "extent_type": "geojson",
                "extent": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [-122.50, 45.47],
                                [-122.38, 45.47],
                                [-122.38, 45.54],
                                [-122.50, 45.54],
                                [-122.50, 45.47],
                            ]
                        ],
                    }
                ),
            }
        ],
    )
    second = make_service(status="temporarily closed", alert="Closed for repairs until March.")
    second["service_at_locations"][0]["location"] = shared_location
    first["service_at_locations"][0]["location"] = shared_location
    return [first, second]


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_export_then_import_into_an_empty_database_gives_the_same_catalog(
    fmt: str, database_url: str, tmp_path: Path
) -> None:
    assert cli(database_url, "import", str(write_json(tmp_path / "in.json", _catalog()))).exit_code == 0
    assert cli(database_url, "export", str(tmp_path / "out"), "--format", fmt).exit_code == 0
    assert cli(database_url, "export", str(tmp_path / "before"), "--format", "json").exit_code == 0

    # Empty the database the way an administrator would: migrate it down to nothing and up again.
    migrate.downgrade(database_url, "base")
    migrate.upgrade(database_url)
    assert count(database_url, "service") == 0
    source = {"json": "out/services.json", "ndjson": "out/services.ndjson", "csv": "out"}[fmt]
    result = cli(database_url, "import", str(tmp_path / source))
    assert result.exit_code == 0, result.output
    assert cli(database_url, "export", str(tmp_path / "after"), "--format", "json").exit_code == 0
    before = json.loads((tmp_path / "before" / "services.json").read_text())
    after = json.loads((tmp_path / "after" / "services.json").read_text())
    assert after == before
    assert len(after) == 2


def test_every_exported_service_validates_against_the_hsds_schema(database_url: str, tmp_path: Path) -> None:
    schema = json.loads(shared_path("hsds", "schema", "compiled", "service_with_definitions.json").read_text())
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert cli(database_url, "import", str(write_json(tmp_path / "in.json", _catalog()))).exit_code == 0
    assert cli(database_url, "export", str(tmp_path / "out")).exit_code == 0
    services = json.loads((tmp_path / "out" / "services.json").read_text())
    assert [list(validator.iter_errors(service)) for service in services] == [[], []]
    pantry = next(s for s in services if s["status"] == "active")
    assert pantry["organization"]["name"] == "Eastside Neighbors"
    assert pantry["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "97233"
    assert pantry["cost_options"][0]["amount"] == 0
    assert pantry["name_es"] == "Despensa Comunitaria del Este"


def test_csv_package_names_files_and_fields_as_the_hsds_descriptor_does(database_url: str, tmp_path: Path) -> None:
    published = json.loads(shared_path("hsds", "datapackage.json").read_text())
    published_fields = {r["path"]: {f["name"] for f in r["schema"]["fields"]} for r in published["resources"]}
    assert cli(database_url, "import", str(write_json(tmp_path / "in.json", _catalog()))).exit_code == 0
    assert cli(database_url, "export", str(tmp_path / "pkg"), "--format", "csv").exit_code == 0
    ours = json.loads((tmp_path / "pkg" / "datapackage.json").read_text())
    for resource in ours["resources"]:
        assert resource["path"] in published_fields, resource["path"]
        header = (tmp_path / "pkg" / resource["path"]).read_text().splitlines()[0].split(",")
        # Every HSDS column is there; Waypost's extension columns (tzid, Spanish text) come on top.
        assert published_fields[resource["path"]] <= set(header), resource["path"]
