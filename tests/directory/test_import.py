"""Importing HSDS: every format, every kind of bad input, all-or-nothing, idempotent upserts with history."""

import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.helpers import (
    category_attribute,
    cli,
    count,
    make_service,
    new_id,
    query,
    write_json,
    write_ndjson,
)


def test_json_array_is_imported_with_everything_nested(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    result = cli(database_url, "import", str(write_json(tmp_path / "services.json", [service])))
    assert result.exit_code == 0, result.output
    assert "Imported 1 services" in result.output and "(1 created, 0 updated, 0 unchanged)" in result.output
    assert query(database_url, "SELECT name, status FROM service") == [("Eastside Community Pantry", "active")]
    assert count(database_url, "organization") == 1
    assert count(database_url, "location") == 1 and count(database_url, "address") == 1
    assert query(database_url, "SELECT tzid, opens_at FROM schedule") == [("America/Los_Angeles", "10:00:00")]
    assert sorted(r[0] for r in query(database_url, "SELECT postal_code FROM service_area_postal_code")) == [
        "97233",
        "97236",
    ]


def test_hsds_page_file_is_imported_from_its_contents(database_url: str, tmp_path: Path) -> None:
    page = {
        "total_items": 2,
        "total_pages": 1,
        "page_number": 1,
        "size": 2,
        "contents": [make_service(), make_service()],
    }
    result = cli(database_url, "import", str(write_json(tmp_path / "page.json", page)))
    assert result.exit_code == 0, result.output
    assert count(database_url, "service") == 2


def test_ndjson_is_detected_and_imported(database_url: str, tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "services.txt", [make_service(), make_service(), make_service()])
    result = cli(database_url, "import", str(path))
    assert result.exit_code == 0, result.output
    assert count(database_url, "service") == 3


def _csv_package(database_url: str, tmp_path: Path) -> Path:
    source = tmp_path / "source.json"
    write_json(source, [make_service(), make_service()])
    assert cli(database_url, "import", str(source)).exit_code == 0
    assert cli(database_url, "export", str(tmp_path / "package"), "--format", "csv").exit_code == 0
    return tmp_path / "package"


def test_csv_package_folder_and_zip_are_imported(database_url: str, tmp_path: Path) -> None:
    package = _csv_package(database_url, tmp_path)
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in package.iterdir():
            zipped.write(file, f"hsds/{file.name}")
    result = cli(database_url, "import", str(archive), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: 2 services would be imported" in result.output
    result = cli(database_url, "import", str(package), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "(0 created, 0 updated, 2 unchanged)" in result.output


def test_package_without_datapackage_json_uses_the_standard_file_names(database_url: str, tmp_path: Path) -> None:
    package = _csv_package(database_url, tmp_path)
    (package / "datapackage.json").unlink()
    result = cli(database_url, "import", str(package))
    assert result.exit_code == 0, result.output
    assert "2 unchanged" in result.output


def test_missing_required_field_and_bad_enum_are_all_reported(database_url: str, tmp_path: Path) -> None:
    service = make_service(status="open")
    del service["name"]
    result = cli(database_url, "import", str(write_json(tmp_path / "bad.json", [service])))
    assert result.exit_code == 1
    sid = service["id"]
    assert f"record 1 (id {sid}): name: is required" in result.output
    assert (
        f"record 1 (id {sid}): status: 'open' is not one of ['active', 'defunct', 'inactive', 'temporarily closed']"
        in result.output
    )
    assert "Import rejected: 2 problems in 1 records. Nothing was changed." in result.output
    assert count(database_url, "service") == 0


def test_nested_problems_name_the_full_field_path(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    service["service_at_locations"][0]["location"]["latitude"] = 100
    service["schedules"][0]["tzid"] = "Mars/Olympus"
    service["phones"][0]["id"] = "not-a-uuid"
    result = cli(database_url, "import", str(write_json(tmp_path / "bad.json", [service])))
    assert result.exit_code == 1
    sid = service["id"]
    assert (
        f"(id {sid}): service_at_locations[0].location.latitude: 100 is greater than the maximum of 90" in result.output
    )
    assert f"(id {sid}): phones[0].id: 'not-a-uuid' is not a 'uuid'" in result.output


def test_semantic_problems_are_reported_with_their_field(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    service["schedules"][0]["tzid"] = "Mars/Olympus"
    service["schedules"][0]["closes_at"] = "25:00"
    service["service_areas"] = [
        {"id": new_id(), "extent_type": "geojson", "extent": '{"type": "Point", "coordinates": [1, 2]}'}
    ]
    result = cli(database_url, "import", str(write_json(tmp_path / "bad.json", [service])))
    assert result.exit_code == 1
    sid = service["id"]
    assert f"(id {sid}): schedules[0].tzid: unknown IANA timezone 'Mars/Olympus'" in result.output
    assert (
        f"(id {sid}): schedules[0].closes_at: expected a time of day as HH:MM or HH:MM:SS, got '25:00'" in result.output
    )
    assert (
        f"(id {sid}): service_areas[0].extent: expected a GeoJSON Polygon or MultiPolygon, got Point" in result.output
    )


def test_one_bad_record_rejects_the_whole_import(database_url: str, tmp_path: Path) -> None:
    good, bad = make_service(), make_service(status="unknown")
    path = write_ndjson(tmp_path / "mixed.ndjson", [good, bad, make_service()])
    result = cli(database_url, "import", str(path))
    assert result.exit_code == 1
    assert f"line 2 (id {bad['id']}): status:" in result.output
    assert count(database_url, "service") == 0
    assert count(database_url, "organization") == 0


def test_unreadable_ndjson_line_is_reported_and_nothing_is_written(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.ndjson"
    path.write_text(json.dumps(make_service()) + "\n{not json\n", encoding="utf-8")
    result = cli(database_url, "import", str(path), "--format", "ndjson")
    assert result.exit_code == 1
    assert "line 2: (record): not valid JSON" in result.output
    assert count(database_url, "service") == 0


def test_broken_json_file_is_a_clear_error(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": ', encoding="utf-8")
    result = cli(database_url, "import", str(path))
    assert result.exit_code == 1
    assert f"Error: {path}: not valid JSON" in result.output


def test_missing_source_is_a_clear_error(database_url: str, tmp_path: Path) -> None:
    result = cli(database_url, "import", str(tmp_path / "nowhere.json"))
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'nowhere.json'}: no such file or folder" in result.output


def test_duplicate_service_ids_are_rejected_per_record(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    result = cli(
        database_url,
        "import",
        str(write_json(tmp_path / "dup.json", [service, make_service(id=service["id"])])),
    )
    assert result.exit_code == 1
    assert f"record 2 (id {service['id']}): id: the same service id is also record 1" in result.output


def test_conflicting_copies_of_a_shared_record_name_the_field(database_url: str, tmp_path: Path) -> None:
    first = make_service()
    second = make_service(organization={**first["organization"], "name": "Another name"})
    result = cli(database_url, "import", str(write_json(tmp_path / "conflict.json", [first, second])))
    assert result.exit_code == 1
    org = first["organization"]["id"]
    assert (
        f"record 2 (id {second['id']}): organization.name: organization {org} has name 'Another name' here but "
        f"'Eastside Neighbors' in record 1" in result.output
    )


def test_reference_to_a_record_nowhere_to_be_found_is_rejected(database_url: str, tmp_path: Path) -> None:
    package = _csv_package(database_url, tmp_path)
    services = (package / "services.csv").read_text(encoding="utf-8").splitlines()
    header = services[0].split(",")
    column = header.index("organization_id")
    cells = services[1].split(",")
    missing = new_id()
    cells[column] = missing
    (package / "services.csv").write_text("\n".join([services[0], ",".join(cells)]) + "\n", encoding="utf-8")
    result = cli(database_url, "import", str(package))
    assert result.exit_code == 1
    assert (
        f"services.csv row 2 (id {cells[0]}): service.organization_id: refers to organization {missing}, "
        "which is neither in this import nor in the catalog" in result.output
    )


def test_csv_cell_of_the_wrong_type_is_reported_with_row_and_column(database_url: str, tmp_path: Path) -> None:
    package = _csv_package(database_url, tmp_path)
    lines = (package / "locations.csv").read_text(encoding="utf-8").splitlines()
    column = lines[0].split(",").index("latitude")
    cells = lines[1].split(",")
    cells[column] = "north"
    (package / "locations.csv").write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    result = cli(database_url, "import", str(package))
    assert result.exit_code == 1
    assert f"locations.csv row 2 (id {cells[0]}): latitude: expected a number, got text" in result.output


def test_dry_run_reports_and_changes_nothing(database_url: str, tmp_path: Path) -> None:
    result = cli(database_url, "import", str(write_json(tmp_path / "s.json", [make_service()])), "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "Dry run: 1 services would be imported (1 created, 0 updated, 0 unchanged). Nothing was changed."
        in result.output
    )
    assert count(database_url, "service") == 0
    assert count(database_url, "taxonomy") == 0


def test_reimporting_the_same_file_changes_nothing(database_url: str, tmp_path: Path) -> None:
    path = write_json(tmp_path / "s.json", [make_service(), make_service()])
    assert cli(database_url, "import", str(path)).exit_code == 0
    history = count(database_url, "metadata")
    result = cli(database_url, "import", str(path))
    assert "(0 created, 0 updated, 2 unchanged)" in result.output
    assert count(database_url, "metadata") == history


def test_updated_file_updates_in_place_and_records_each_change(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    path = write_json(tmp_path / "s.json", [service])
    assert cli(database_url, "import", str(path), "--source-name", "county feed").exit_code == 0
    service["name"] = "Eastside Community Food Pantry"
    service["phones"] = []
    service["schedules"][0]["closes_at"] = "16:00:00"
    write_json(path, [service])
    result = cli(database_url, "import", str(path), "--source-name", "county feed, November")
    assert "(0 created, 1 updated, 0 unchanged)" in result.output
    assert query(database_url, "SELECT name FROM service") == [("Eastside Community Food Pantry",)]
    assert count(database_url, "phone") == 0
    changes = query(
        database_url,
        "SELECT resource_type, last_action_type, field_name, previous_value, replacement_value, updated_by "
        "FROM metadata WHERE updated_by = 'county feed, November' ORDER BY resource_type, field_name",
    )
    assert changes == [
        ("phone", "delete", "", "", "", "county feed, November"),
        ("schedule", "update", "closes_at", "14:00:00", "16:00:00", "county feed, November"),
        (
            "service",
            "update",
            "name",
            "Eastside Community Pantry",
            "Eastside Community Food Pantry",
            "county feed, November",
        ),
    ]


def test_absent_nested_list_leaves_stored_children_alone(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    assert cli(database_url, "import", str(write_json(tmp_path / "a.json", [service]))).exit_code == 0
    del service["phones"]
    result = cli(database_url, "import", str(write_json(tmp_path / "b.json", [service])))
    assert "1 unchanged" in result.output
    assert count(database_url, "phone") == 1


def test_open_eligibility_terms_land_in_waypost_categories(database_url: str, tmp_path: Path) -> None:
    taxonomy = {"id": new_id(), "name": "Open Eligibility", "description": "Human services taxonomy"}
    term = {
        "id": new_id(),
        "code": "1103",
        "name": "Housing",
        "description": "Housing",
        "taxonomy_detail": taxonomy,
        "taxonomy_id": taxonomy["id"],
    }
    by_name = {"id": new_id(), "name": "Food Pantry", "description": "Pantry", "taxonomy": "Open Eligibility"}
    service = make_service(
        attributes=[
            {"id": new_id(), "link_type": "category", "taxonomy_term": term, "taxonomy_term_id": term["id"]},
            {
                "id": new_id(),
                "link_type": "category",
                "taxonomy_term": by_name,
                "taxonomy_term_id": by_name["id"],
            },
        ]
    )
    assert cli(database_url, "import", str(write_json(tmp_path / "oe.json", [service]))).exit_code == 0
    terms = {
        row[0]
        for row in query(
            database_url,
            "SELECT t.code FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
            "JOIN taxonomy x ON x.id = t.taxonomy_id WHERE x.name = 'Waypost service categories'",
        )
    }
    assert terms == {"food.pantry", "housing"}
    result = cli(database_url, "import", str(write_json(tmp_path / "oe.json", [service])))
    assert "1 unchanged" in result.output


def test_uk_profile_sample_is_rejected_with_a_problem_per_repeated_record(database_url: str, tmp_path: Path) -> None:
    sample = shared_path("hsds", "uk-profile-sample", "service_list.json")
    result = cli(database_url, "import", str(sample))
    assert result.exit_code == 1
    # Every one of its 128 services carries the same id: records 2 to 128 are each named.
    assert "Import rejected: 127 problems in 128 records. Nothing was changed." in result.output
    assert (
        "record 128 (id ac148810-d857-441c-9679-408f346de14b): id: the same service id is also record 1"
        in result.output
    )


def test_uk_profile_sample_with_distinct_ids_imports(database_url: str, tmp_path: Path) -> None:
    page = json.loads(shared_path("hsds", "uk-profile-sample", "service_list.json").read_text(encoding="utf-8"))
    for service in page["contents"]:
        service["id"] = new_id()
    result = cli(database_url, "import", str(write_json(tmp_path / "uk.json", page)))
    assert result.exit_code == 0, result.output
    assert count(database_url, "service") == 128


def test_imported_copies_of_waypost_terms_do_not_overwrite_the_vocabulary(database_url: str, tmp_path: Path) -> None:
    attribute = category_attribute("food.pantry")
    attribute["taxonomy_term"] = {
        "id": attribute["taxonomy_term_id"],
        "code": "food.pantry",
        "name": "Pantries (renamed upstream)",
        "description": "Someone else's wording",
    }
    service = make_service(attributes=[attribute])
    result = cli(database_url, "import", str(write_json(tmp_path / "s.json", [service])))
    assert result.exit_code == 0, result.output
    assert query(database_url, "SELECT name, parent_id IS NOT NULL FROM taxonomy_term WHERE code = 'food.pantry'") == [
        ("Food pantries", True)
    ]


def test_open_eligibility_situations_land_in_waypost_eligibility(database_url: str, tmp_path: Path) -> None:
    veterans = {
        "id": new_id(),
        "code": "20010",
        "name": "Veterans",
        "description": "Veterans",
        "taxonomy": "Open Eligibility",
    }
    service = make_service(
        attributes=[
            {"id": new_id(), "link_type": "eligibility", "taxonomy_term": veterans, "taxonomy_term_id": veterans["id"]},
        ]
    )
    assert cli(database_url, "import", str(write_json(tmp_path / "oe.json", [service]))).exit_code == 0
    assert query(
        database_url,
        "SELECT a.link_type, t.code FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
        "JOIN taxonomy x ON x.id = t.taxonomy_id WHERE x.name = 'Who a service is for'",
    ) == [("eligibility", "veterans")]


def test_long_imports_report_progress(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("directory.importer.BATCH_SIZE", 2)
    monkeypatch.setattr("directory.importer.PROGRESS_EVERY", 4)
    path = write_ndjson(tmp_path / "s.ndjson", [make_service() for _ in range(9)])
    result = cli(database_url, "import", str(path))
    assert result.exit_code == 0, result.output
    assert [line.split(" (")[0] for line in result.output.splitlines() if line.startswith("...")] == [
        "... 4 services read",
        "... 8 services read",
    ]


@pytest.mark.pg
def test_an_import_gives_postgresql_statistics_once_its_first_batch_is_in(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty catalog has none: without them, PostgreSQL read whole tables for each batch's few rows.
    monkeypatch.setattr("directory.importer.BATCH_SIZE", 2)
    analysed = "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL AND relname = ANY(:names)"
    names = ["service", "attribute", "schedule", "location"]
    assert query(postgres_url, analysed, names=names) == []
    result = cli(postgres_url, "import", str(write_ndjson(tmp_path / "s.ndjson", [make_service() for _ in range(5)])))
    assert result.exit_code == 0, result.output
    assert sorted(row[0] for row in query(postgres_url, analysed, names=names)) == sorted(names)
