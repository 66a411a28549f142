"""The command line as a user meets it: seed, generate, and the demo on a fresh data directory."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from jsonschema import Draft202012Validator

from tests.conftest import shared_path
from tests.helpers import cli, count, query


def test_seed_loads_the_demo_region(database_url: str) -> None:
    result = cli(database_url, "seed")
    assert result.exit_code == 0, result.output
    assert count(database_url, "organization") >= 150
    assert count(database_url, "service") >= 400
    categories = {
        row[0].split(".")[0]
        for row in query(
            database_url,
            "SELECT DISTINCT t.code FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
            "WHERE a.link_type = 'category'",
        )
    }
    assert categories == {
        "emergency",
        "food",
        "housing",
        "goods",
        "transit",
        "health",
        "mental-health",
        "substance-use",
        "money",
        "care",
        "education",
        "work",
        "legal",
    }
    statuses = {row[0] for row in query(database_url, "SELECT DISTINCT status FROM service")}
    assert {"active", "temporarily closed"} <= statuses and statuses & {"inactive", "defunct"}
    assert count(database_url, "service_area_postal_code") > 0
    assert query(database_url, "SELECT count(*) FROM service_area WHERE state IS NOT NULL")[0][0] >= 10
    assert query(database_url, "SELECT count(*) FROM service_area WHERE geojson IS NOT NULL")[0][0] >= 8
    assert query(database_url, "SELECT count(*) FROM service WHERE name_es IS NOT NULL")[0][0] >= 60
    assert cli(database_url, "seed").output.endswith("unchanged).\n")


def test_generate_writes_a_deterministic_valid_catalog(tmp_path: Path) -> None:
    schema = json.loads(shared_path("hsds", "schema", "compiled", "service_with_definitions.json").read_text())
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for folder in ("a", "b"):
        result = cli(
            "sqlite+aiosqlite://",
            "generate",
            "--services",
            "50",
            "--out",
            str(tmp_path / folder),
            "--seed",
            "7",
        )
        assert result.exit_code == 0, result.output
    first = (tmp_path / "a" / "services.ndjson").read_bytes()
    assert first == (tmp_path / "b" / "services.ndjson").read_bytes()
    services = [json.loads(line) for line in first.splitlines()]
    assert len(services) == 50
    assert [e.message for s in services for e in validator.iter_errors(s)] == []


def test_generated_catalog_imports(database_url: str, tmp_path: Path) -> None:
    assert cli(database_url, "generate", "--services", "200", "--out", str(tmp_path)).exit_code == 0
    result = cli(database_url, "import", str(tmp_path / "services.ndjson"))
    assert result.exit_code == 0, result.output
    assert count(database_url, "service") == 200


def test_demo_migrates_seeds_and_serves_on_a_fresh_data_directory(tmp_path: Path) -> None:
    port = 8765
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOST_")} | {"WAYPOST_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "waypost", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert health is not None and health.status_code == 200, (
            process.stdout.read().decode() if process.stdout else ""
        )
        page = httpx.get(f"http://127.0.0.1:{port}/hsds/services", timeout=10).json()
        assert page["total_items"] >= 400
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    assert (tmp_path / "waypost.sqlite3").exists()
