"""Search latency: a mixed, realistic query set over generated catalogs of 10k and 100k services.

Prints p50/p95/p99 latency and queries per second on SQLite and PostgreSQL + PostGIS, three ways: in-process
(``DatabaseSearchEngine.search`` called directly), and through HTTP against a real ``waypost serve`` process on
127.0.0.1, sequentially and with a fixed concurrency of 4. Targets: p95 <= 50 ms in-process at 100k services on
each database, and sequential HTTP p95 <= 1.5x the in-process p95.

    uv run python bench/search.py [--sizes 10000 100000] [--queries 500] \
        [--postgres-url postgresql+psycopg://postgres@/postgres] [--keep DIR] [--dialects sqlite postgresql]

The catalogs come from ``waypost generate`` and go in through ``waypost import``, one database per size and
dialect (PostgreSQL: ``waypost_bench_search_<size>``, created fresh, vacuumed and analysed after the import). A 100k
import takes about two minutes per database, so ``--keep DIR`` keeps the generated files and the databases and
reuses them on the next run, brought up to the latest migration, when they hold the expected number of services
(delete DIR, or the databases, after changing how search documents are built). Without ``--keep`` everything goes
in a temporary folder and the PostgreSQL databases are dropped at the end.

The query mix is drawn from one seeded ``random.Random`` (``--seed``), so every run asks the same questions: 40%
text + the ZIP of a metro the generator populates, 20% text only, 15% a category + ZIP, 10% text + language=es +
ZIP, 10% age/gender/free filters around a point (lat/lon), 5% text + ZIP + open_now. Texts are lay phrases, the
generator's own service names, misspellings and Spanish. Each mode first runs 50 warm-up queries (the first
search reads the spelling vocabulary, the first ZIP loads the ZIP table) that are not measured. Per query kind it
also prints Python's own part of an in-process search: the calling thread's CPU time, which leaves out SQLite's
work (in aiosqlite's thread) and PostgreSQL's (in its own process), and wanders less than latency between runs.
"""

import argparse
import asyncio
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import machine
import psycopg
from sqlalchemy.engine import make_url

from directory import geo, synthetic, vocabularies
from directory.search.database import DatabaseSearchEngine
from directory.search.documents import language_code
from directory.search.query import SearchQuery, SearchResult
from waypost.app import settle
from waypost.db import create_engine

BENCH_DB = "waypost_bench_search"
WARMUP = 50
CONCURRENCY = 4
TARGET_P95_MS = 50.0  # in-process, at 100k services
HTTP_RATIO = 1.5  # sequential HTTP p95 over in-process p95
DEFAULT_TIMEZONE = "America/Los_Angeles"

# What people type. Lay phrases (many are synonyms that point to categories), then misspellings and Spanish; the
# generator's service names (``synthetic.CATEGORIES``) are added to the English and Spanish lists below.
LAY_PHRASES = (
    "food pantry", "shelter", "counseling", "rent help", "dental", "detox", "legal aid", "job training",
    "bus pass", "child care", "mental health", "food stamps", "eviction", "wic", "diapers", "clothing",
    "utility bill", "ged classes", "english classes", "meals on wheels", "crisis line", "naloxone", "therapy",
    "a bed tonight", "help with rent", "free clinic", "senior services", "immigration lawyer", "support groups",
    "hot meal", "i need food for my kids", "suboxone", "eye exam", "tax help", "domestic violence",
)  # fmt: skip
MISSPELLINGS = (
    "fod pantyr", "sheltr", "counceling", "dentl", "detoks", "rent hlep", "imigration", "chidcare",
    "theraphy", "clotheing", "transportaton", "sheltar for women",
)  # fmt: skip
SPANISH = (
    "comida", "albergue", "ayuda con la renta", "clinica dental", "consejeria", "despensa", "abogado",
    "clases de ingles", "comida gratis", "medico", "ropa", "trabajo",
)  # fmt: skip
ENGLISH_NAMES = tuple(term.name.lower() for term in synthetic.CATEGORIES.values())
SPANISH_NAMES = tuple(term.name_es.lower() for term in synthetic.CATEGORIES.values())
CATEGORY_CODES = tuple(sorted({code.split(".")[0] for code in synthetic.CATEGORIES} | set(synthetic.CATEGORIES)))
METROS = synthetic._METROS  # the generator's cities with their real ZIP codes
AGES = (8, 15, 19, 30, 45, 67, 80)
GENDERS = ("women", "men", "transgender-nonbinary")

# kind: share of the mix
MIX = {
    "text+zip": 40,
    "text": 20,
    "category+zip": 15,
    "text+es+zip": 10,
    "filters+point": 10,
    "open-now": 5,
}


@dataclass(frozen=True)
class Query:
    kind: str
    params: dict[str, str]  # GET /api/v1/search parameters, one value each


def _text(rng: random.Random, spanish: float = 0.15) -> str:
    draw = rng.random()
    if draw < spanish:
        return rng.choice(SPANISH if rng.random() < 0.6 else SPANISH_NAMES)
    if draw < spanish + 0.15:
        return rng.choice(MISSPELLINGS)
    return rng.choice(LAY_PHRASES if rng.random() < 0.6 else ENGLISH_NAMES)


def _query(rng: random.Random, kind: str) -> Query:
    metro = rng.choices(METROS, weights=[m.weight for m in METROS])[0]
    zip_code = rng.choice(metro.zips)
    params: dict[str, str]
    if kind == "text+zip":
        params = {"q": _text(rng), "postal_code": zip_code}
    elif kind == "text":
        params = {"q": _text(rng)}
    elif kind == "category+zip":
        params = {"taxonomy": rng.choice(CATEGORY_CODES), "postal_code": zip_code}
    elif kind == "text+es+zip":
        params = {"q": _text(rng, spanish=0.6), "language": "es", "postal_code": zip_code}
    elif kind == "filters+point":
        # Somewhere in the metro (the generator scatters sites about 6 km around downtown), no text.
        params = {"lat": f"{rng.gauss(metro.latitude, 0.05):.5f}", "lon": f"{rng.gauss(metro.longitude, 0.07):.5f}"}
        params["age"] = str(rng.choice(AGES))
        if rng.random() < 0.5:
            params["gender"] = rng.choice(GENDERS)
        if rng.random() < 0.5:
            params["free"] = "true"
    elif kind == "open-now":
        params = {"q": _text(rng), "postal_code": zip_code, "open_now": "true"}
    else:
        raise ValueError(kind)
    return Query(kind, params)


def query_mix(count: int, seed: int) -> list[Query]:
    """``count`` queries in MIX proportions (rounded), shuffled; the same ones for the same seed."""
    rng = random.Random(seed)
    total = sum(MIX.values())
    kinds = [kind for kind, share in MIX.items() for _ in range(round(count * share / total))]
    kinds += [rng.choices(list(MIX), weights=list(MIX.values()))[0] for _ in range(count - len(kinds))]
    rng.shuffle(kinds)
    return [_query(rng, kind) for kind in kinds[:count]]


def search_query(params: dict[str, str]) -> SearchQuery:
    """The ``SearchQuery`` that GET /api/v1/search builds from these parameters (directory.search.controllers)."""
    latitude = longitude = None
    place = None
    if "postal_code" in params:
        place = geo.postal_code(params["postal_code"])
        assert place is not None, params
        latitude, longitude = place.latitude, place.longitude
    elif "lat" in params:
        latitude, longitude = float(params["lat"]), float(params["lon"])
        place = geo.nearest_postal_code(latitude, longitude)
    return SearchQuery(
        text=params.get("q", "").strip(),
        latitude=latitude,
        longitude=longitude,
        postal_code=place.code if place else None,
        state=place.state if place else None,
        categories=(params["taxonomy"],) if "taxonomy" in params else (),
        language=language_code(params["language"]) if "language" in params else None,
        age=float(params["age"]) if "age" in params else None,
        gender=params.get("gender"),
        open_at=datetime.now(UTC) if params.get("open_now") == "true" else None,
        free=params.get("free") == "true",
    )


# --- measuring ---------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    latencies: list[float]  # seconds, in query order
    seconds: float  # wall time for all of them
    matches: list[int]  # total_items per query (in-process only)
    # Seconds of this thread's CPU per query: in-process and one at a time, Python's own part of a search (SQLite
    # runs in aiosqlite's thread, PostgreSQL in its own process). Steadier than latency on a noisy machine.
    python: list[float]

    def percentile(self, p: int) -> float:
        """The p-th percentile latency in milliseconds."""
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    @property
    def qps(self) -> float:
        return len(self.latencies) / self.seconds


async def _timed(queries: list[Query], concurrency: int, run: Callable[[Query], Awaitable[int]]) -> Figures:
    latencies = [0.0] * len(queries)
    matches = [0] * len(queries)
    python = [0.0] * len(queries)
    pending = iter(enumerate(queries))

    async def worker() -> None:
        for index, query in pending:  # workers share one iterator: each query is taken once
            started, cpu = time.perf_counter(), time.thread_time()
            matches[index] = await run(query)
            latencies[index] = time.perf_counter() - started
            python[index] = time.thread_time() - cpu

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(latencies, time.perf_counter() - started, matches, python)


async def _in_process(database_url: str, warmup: list[Query], queries: list[Query]) -> Figures:
    engine = create_engine(database_url)
    search = DatabaseSearchEngine(engine, vocabularies.default(), DEFAULT_TIMEZONE)
    settle()  # as the server does when it starts

    async def run(query: Query) -> int:
        result: SearchResult = await search.search(search_query(query.params))
        return result.total_items

    try:
        await _timed(warmup, 1, run)
        return await _timed(queries, 1, run)
    finally:
        await engine.dispose()


async def _http(base_url: str, warmup: list[Query], queries: list[Query], concurrency: int) -> Figures:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def run(query: Query) -> int:
            response = await client.get("/api/v1/search", params=query.params)
            if response.status_code != 200:
                raise SystemExit(f"GET /api/v1/search {query.params} -> {response.status_code}: {response.text}")
            return 0

        await _timed(warmup, concurrency, run)
        return await _timed(queries, concurrency, run)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(database_url: str, log: Path) -> Iterator[str]:
    """A ``waypost serve`` process on a free local port; yields its base URL once /healthz answers."""
    port = _free_port()
    # The database's own engine whatever a .env file says: this measures DatabaseSearchEngine behind HTTP.
    env = os.environ | {"WAYPOST_DATABASE_URL": database_url, "WAYPOST_SEARCH_ENGINE": "auto"}
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "waypost", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,  # uvicorn's access log
            stderr=stderr,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"waypost serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"waypost serve did not answer /healthz within 2 minutes:\n{log.read_text()}")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- loading -----------------------------------------------------------------------------------------------------


def _waypost(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"WAYPOST_DATABASE_URL": database_url}
    process = subprocess.run([sys.executable, "-m", "waypost", *args], env=env, capture_output=True, text=True)
    if process.returncode != 0:
        raise SystemExit(f"waypost {' '.join(args)} failed:\n{process.stdout}{process.stderr}")
    return process


def _generated(size: int, folder: Path) -> Path:
    source = folder / "services.ndjson"
    if source.exists():
        return source
    started = time.perf_counter()
    partial = folder / "generating"
    _waypost("generate", "--services", str(size), "--out", str(partial), database_url="sqlite+aiosqlite://")
    (partial / "services.ndjson").rename(source)  # only a complete file gets the name a later run reuses
    partial.rmdir()
    print(f"generated {size} services in {time.perf_counter() - started:.0f} s", flush=True)
    return source


def _import(source: Path, database_url: str, label: str) -> None:
    print(f"importing into {label}...", end=" ", flush=True)
    started = time.perf_counter()
    _waypost("import", str(source), database_url=database_url)
    print(f"{time.perf_counter() - started:.0f} s", flush=True)


def _sqlite(size: int, folder: Path, source: Path) -> str:
    path = folder / "search.sqlite3"
    if path.exists():
        try:
            with sqlite3.connect(path) as c:
                kept = c.execute("SELECT count(*) FROM service").fetchone()[0] == size
        except sqlite3.Error:
            kept = False
        if kept:
            return _upgraded(f"sqlite+aiosqlite:///{path}")
        for leftover in folder.glob("search.sqlite3*"):
            leftover.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    _import(source, url, f"sqlite ({size})")
    return url


def _upgraded(url: str) -> str:
    """A kept catalog brought up to the latest migration, so that it is measured with the code's indexes."""
    _waypost("db", "upgrade", database_url=url)
    return url


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres(size: int, admin_url: str, source: Path) -> str:
    name = f"{BENCH_DB}_{size}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(admin_url), autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            try:
                with psycopg.connect(_libpq(url)) as c:
                    row = c.execute("SELECT count(*) FROM service").fetchone()
                if row is not None and row[0] == size:
                    return _upgraded(url)
            except psycopg.Error:
                pass
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    _waypost("db", "upgrade", database_url=url)  # PostGIS needs the superuser the first time
    _import(source, url, f"postgresql ({size})")
    # Autovacuum would vacuum and analyse the freshly copied tables within a minute or so; do it now so that plans
    # are repeatable and index-only scans find the visibility map set, as on a catalog that has settled.
    with psycopg.connect(_libpq(url), autocommit=True) as c:
        c.execute("VACUUM (ANALYZE)")
    return url


def _drop_postgres(admin_url: str, sizes: list[int]) -> None:
    with psycopg.connect(_libpq(admin_url), autocommit=True) as admin:
        for size in sizes:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}_{size} WITH (FORCE)")


# --- reporting ---------------------------------------------------------------------------------------------------

HEADER = f"{'dialect':<10} {'services':>8}  {'mode':<10} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'qps':>6}  target"


def _row(dialect: str, size: int, mode: str, figures: Figures, target: str) -> str:
    p50, p95, p99 = (figures.percentile(p) for p in (50, 95, 99))
    return f"{dialect:<10} {size:>8}  {mode:<10} {p50:7.1f} {p95:7.1f} {p99:7.1f} {figures.qps:6.1f}  {target}"


def _verdict(ok: bool, rule: str) -> str:
    return f"{'PASS' if ok else 'MISS'} ({rule})"


def _by_kind(dialect: str, size: int, queries: list[Query], figures: Figures) -> list[str]:
    """In-process p50/p95, Python's own mean part (``Figures.python``) and median match count per query kind: which
    kind to look at when a target is missed."""
    lines = []
    for kind in MIX:
        picked = [i for i, q in enumerate(queries) if q.kind == kind]
        if len(picked) < 2:
            continue
        part = Figures([figures.latencies[i] for i in picked], 1.0, [], [])
        matches = statistics.median(figures.matches[i] for i in picked)
        python = statistics.mean(figures.python[i] for i in picked) * 1000
        lines.append(
            f"  {dialect:<10} {size:>8}  {kind:<14} n={len(picked):<4} p50 {part.percentile(50):6.1f} ms"
            f"  p95 {part.percentile(95):6.1f} ms  Python {python:5.1f} ms  median matches {matches:.0f}"
        )
    return lines


def _bench(dialect: str, size: int, database_url: str, args: argparse.Namespace, log: Path) -> list[str]:
    warmup, queries = query_mix(WARMUP, args.seed + 1), query_mix(args.queries, args.seed)
    rows = []
    local = asyncio.run(_in_process(database_url, warmup, queries))
    budget = local.percentile(95) * HTTP_RATIO
    scale = "" if size >= 100_000 else ", target is for 100k"
    rows.append(
        _row(
            dialect, size, "in-process", local, _verdict(local.percentile(95) <= TARGET_P95_MS, f"p95 <= 50 ms{scale}")
        )
    )
    print(rows[-1], flush=True)
    with _server(database_url, log) as base_url:
        sequential = asyncio.run(_http(base_url, warmup, queries, 1))
        ratio = sequential.percentile(95) / local.percentile(95)
        rule = f"p95 {ratio:.2f}x in-process, <= {HTTP_RATIO}x = {budget:.1f} ms"
        rows.append(_row(dialect, size, "http seq", sequential, _verdict(ratio <= HTTP_RATIO, rule)))
        print(rows[-1], flush=True)
        concurrent = asyncio.run(_http(base_url, warmup, queries, CONCURRENCY))
        info = f"p95 {concurrent.percentile(95) / local.percentile(95):.2f}x in-process (1 server worker)"
        rows.append(_row(dialect, size, f"http x{CONCURRENCY}", concurrent, info))
        print(rows[-1], flush=True)
    python = statistics.mean(local.python) * 1000
    return [
        *rows,
        f"by kind (Python's own part in-process, mean over the mix {python:.1f} ms):",
        *_by_kind(dialect, size, queries, local),
    ]


def add_catalog_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark over the generated catalogs takes (bench/match.py too)."""
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same workload")
    parser.add_argument("--postgres-url", default=os.environ.get("WAYPOST_TEST_POSTGRES_URL", ""))
    parser.add_argument("--keep", type=Path, help="keep generated files and databases here, and reuse them")
    parser.add_argument(
        "--dialects", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"],
        help="which databases to measure (postgresql only with --postgres-url)",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=500, help="measured queries per mode (after 50 warm-up)")
    add_catalog_arguments(parser)
    args = parser.parse_args()
    if args.queries < 2:
        parser.error("--queries needs at least 2 to give percentiles")

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        log = Path(scratch) / "serve.log"
        results: list[str] = []
        try:
            for size in args.sizes:
                folder = root / str(size)
                folder.mkdir(parents=True, exist_ok=True)
                source = _generated(size, folder)
                databases = [("sqlite", _sqlite(size, folder, source))] if "sqlite" in args.dialects else []
                if args.postgres_url and "postgresql" in args.dialects:
                    databases.append(("postgresql", _postgres(size, args.postgres_url, source)))
                print(HEADER, flush=True)
                for dialect, database_url in databases:
                    results += _bench(dialect, size, database_url, args, log)
        finally:
            if args.postgres_url and not args.keep:
                _drop_postgres(args.postgres_url, args.sizes)
        mix = ", ".join(f"{kind} {share}%" for kind, share in MIX.items())
        print(f"\n{args.queries} queries per mode after {WARMUP} warm-up; mix: {mix}")
        print(machine.describe(load))
        print(HEADER)
        print("\n".join(results))


if __name__ == "__main__":
    main()
