"""Import throughput: generated catalogs of 10k and 100k services into SQLite and PostgreSQL + PostGIS.

Prints services per second and peak memory for each run. Target on a 2-core machine: 100k services in under
2 minutes on both databases, with memory that stays flat as the catalog grows.

    uv run python bench/import_throughput.py [--sizes 10000 100000] [--postgres-url postgresql+psycopg://postgres@/postgres]

Each run goes through `waypost import` in a fresh process (so peak memory is the import's own) on a freshly
migrated database.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import machine
import psycopg
from sqlalchemy.engine import make_url

BENCH_DB = "waypost_bench_import"


def _waypost(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"WAYPOST_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "waypost", *args], env=env, capture_output=True, text=True, check=True)


def _fresh_postgres(admin_url: str) -> str:
    url = make_url(admin_url)
    with psycopg.connect(
        dbname=url.database or "postgres", user=url.username, host=url.host or "", autocommit=True
    ) as c:
        c.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {BENCH_DB}")
    return url.set(database=BENCH_DB).render_as_string(hide_password=False)


def _run(size: int, source: Path, database_url: str, label: str) -> None:
    _waypost("db", "upgrade", database_url=database_url)
    env = os.environ | {"WAYPOST_DATABASE_URL": database_url}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "waypost", "import", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)  # this import's own peak memory, not the largest child's so far
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed: {process.stderr.read().decode() if process.stderr else ''}")
    rate, peak_mib = size / seconds, usage.ru_maxrss / 1024
    print(f"{label:<10} {size:>7} services {seconds:7.1f} s {rate:7.0f} services/s  peak RSS {peak_mib:4.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres-url", default=os.environ.get("WAYPOST_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            folder = Path(scratch) / str(size)
            _waypost("generate", "--services", str(size), "--out", str(folder), database_url="sqlite+aiosqlite://")
            source = folder / "services.ndjson"
            print(f"{size} generated services: {source.stat().st_size / 2**20:.0f} MiB of NDJSON")
            _run(size, source, f"sqlite+aiosqlite:///{folder}/bench.sqlite3", "sqlite")
            if args.postgres_url:
                _run(size, source, _fresh_postgres(args.postgres_url), "postgresql")
    print(machine.describe(load))


if __name__ == "__main__":
    main()
