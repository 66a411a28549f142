"""Match latency: ``POST /api/v1/match`` as the service runs it, over generated catalogs of 10k and 100k services.

Prints p50/p95/p99 latency, the median number of needs and of candidate services described per match, on SQLite
and PostgreSQL + PostGIS. Target: p95 <= 100 ms at 100k services on each database.

    uv run python bench/match.py [--sizes 10000 100000] [--matches 300] \\
        [--postgres-url postgresql+psycopg://postgres@/postgres] [--keep DIR] [--dialects sqlite postgresql]

A match is measured in process (``referrals.services.Matcher``: needs from the answers, candidates from the
directory through the database's search engine, eligibility and ranking), without HTTP. The catalogs are generated,
imported and kept exactly as ``bench/search.py`` does (``waypost generate``, ``waypost import``, PostgreSQL
database ``waypost_bench_search_<size>``), so a ``--keep DIR`` shared with that benchmark imports each catalog once.

The clients are drawn from one seeded ``random.Random`` (``--seed``): someone in a metro the generator populates
(a real ZIP code or a point near downtown), of any age and gender, with an AHC screening where each core domain is
positive about a fifth of the time, a PHQ-9 for half of them (a few with item 9 above 0), and an AUDIT-C or the
drug screen for some; a few have limited English, most give their income and household. The first 20 matches warm
up (ZIP table, vocabulary, connection pool) and are not measured.
"""

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

# The catalogs are built and kept as the search benchmark builds them, so that both can share --keep.
import machine
import msgspec
from search import METROS, _drop_postgres, _generated, _postgres, _sqlite, add_catalog_arguments

from directory import vocabularies
from directory.search.database import DatabaseSearchEngine
from referrals import services
from referrals.schemas import MatchRequest
from waypost.app import settle
from waypost.db import create_engine

WARMUP = 20
TARGET_P95_MS = 100.0  # at 100k services
DEFAULT_TIMEZONE = "America/Los_Angeles"

PHQ9 = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
HITS = ["LA6270-8", "LA10066-1", "LA10082-8", "LA16644-9", "LA6482-9"]
AUDIT_C = {
    "68518-0": ["LA6270-8", "LA18926-8", "LA18927-6", "LA18928-4", "LA18929-2"],
    "68519-8": ["LA15694-5", "LA15695-2", "LA18930-0", "LA18931-8", "LA18932-6"],
    "68520-6": ["LA6270-8", "LA18933-4", "LA18876-5", "LA18891-4", "LA18934-2"],
}
LANGUAGES = ("es", "vi", "ru", "zh", "so")
INSURANCE = ("medicaid", "medicare", "private", "va", "uninsured")
SITUATIONS = ("veteran", "pregnant", "parent", "disability", "immigrant", "lgbtq", "justice-involved")


def _ahc(rng: random.Random) -> dict[str, Any]:
    def sometimes(positive: Any, negative: Any, chance: float = 0.2) -> Any:
        return positive if rng.random() < chance else negative

    answers = {
        "71802-3": rng.choice(["LA31993-1"] * 6 + ["LA31994-9", "LA31995-6"]),
        "96778-6": sometimes(["LA28580-1"], ["LA9-3"]),
        "88122-7": sometimes("LA6729-3", "LA28398-8"),
        "88123-5": sometimes("LA28397-0", "LA28398-8"),
        "93030-5": sometimes("LA33-6", "LA32-8"),
        "96779-4": sometimes("LA33-6", "LA32-8"),
        "93159-2": sometimes("LA10044-8", "LA6270-8"),
        "96780-2": sometimes("LA31981-6", "LA31983-2"),
    }
    for code in ("95618-5", "95617-7", "95616-9", "95615-1"):
        answers[code] = HITS[min(4, int(rng.expovariate(3.0)))]
    return {"instrument": "ahc-hrsn", "answers": answers}


def _client(rng: random.Random) -> dict[str, Any]:
    metro = rng.choices(METROS, weights=[m.weight for m in METROS])[0]
    client: dict[str, Any] = {
        "age": rng.randint(14, 88),
        "sex": rng.choice(["female", "male"]),
        "insurance": rng.sample(INSURANCE, rng.choice([0, 1, 1, 2])),
    }
    if rng.random() < 0.7:
        client["postal_code"] = rng.choice(metro.zips)
    else:
        client["location"] = {"lat": rng.gauss(metro.latitude, 0.05), "lon": rng.gauss(metro.longitude, 0.07)}
    if rng.random() < 0.15:
        client |= {"preferred_language": rng.choice(LANGUAGES), "limited_english": True}
    if rng.random() < 0.8:
        client |= {"household_size": rng.randint(1, 6), "monthly_income": rng.randint(0, 60) * 100}
    if rng.random() < 0.6:
        client["situations"] = rng.sample(SITUATIONS, rng.choice([0, 0, 1, 2]))
    return client


def match_bodies(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        responses = [_ahc(rng)]
        if rng.random() < 0.5:
            items = [min(3, int(rng.expovariate(0.9))) for _ in PHQ9[:8]] + [int(rng.random() < 0.1)]
            answers = {code: FREQUENCY[score] for code, score in zip(PHQ9, items, strict=True)}
            responses.append({"instrument": "phq-9", "answers": answers})
        if rng.random() < 0.3:
            responses.append({"instrument": "audit-c", "answers": {q: rng.choice(o) for q, o in AUDIT_C.items()}})
        if rng.random() < 0.2:
            responses.append({"instrument": "drug-screen", "answers": {"68524-8": rng.choice([0, 0, 1, 5, 20])}})
        bodies.append({"client": _client(rng), "responses": responses})
    return bodies


async def _measure(database_url: str, bodies: list[dict[str, Any]]) -> tuple[list[float], list[int], list[int]]:
    engine = create_engine(database_url)
    search = DatabaseSearchEngine(engine, vocabularies.default(), DEFAULT_TIMEZONE)
    matcher = services.Matcher(engine, search, search.vocabularies, DEFAULT_TIMEZONE)
    settle()  # as the server does when it starts
    requests = [msgspec.convert(body, MatchRequest) for body in bodies]
    latencies, needs, candidates = [], [], []
    try:
        for index, request in enumerate(requests):
            started = time.perf_counter()
            result = await matcher.match(request)
            elapsed = time.perf_counter() - started
            if index < WARMUP:
                continue
            latencies.append(elapsed)
            needs.append(len(result.needs))
            described = {p.service.id for group in result.proposals for p in group.proposals}
            candidates.append(len(described) + len(result.excluded))
    finally:
        await engine.dispose()
    return latencies, needs, candidates


HEADER = f"{'dialect':<10} {'services':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  {'needs':>5} {'shown':>5}  target"


def _row(dialect: str, size: int, latencies: list[float], needs: list[int], shown: list[int]) -> str:
    p50, p95, p99 = (statistics.quantiles(latencies, n=100, method="inclusive")[p - 1] * 1000 for p in (50, 95, 99))
    scale = "" if size >= 100_000 else ", target is for 100k"
    verdict = f"{'PASS' if p95 <= TARGET_P95_MS else 'MISS'} (p95 <= {TARGET_P95_MS:.0f} ms{scale})"
    return (
        f"{dialect:<10} {size:>8} {p50:7.1f} {p95:7.1f} {p99:7.1f}"
        f"  {statistics.median(needs):5.0f} {statistics.median(shown):5.0f}  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matches", type=int, default=300, help="measured matches per database (after 20 warm-up)")
    add_catalog_arguments(parser)
    args = parser.parse_args()
    if args.matches < 2:
        parser.error("--matches needs at least 2 to give percentiles")

    load = os.getloadavg()[0]
    bodies = match_bodies(WARMUP + args.matches, args.seed)
    results: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        try:
            for size in args.sizes:
                folder = root / str(size)
                folder.mkdir(parents=True, exist_ok=True)
                source = _generated(size, folder)
                databases = [("sqlite", _sqlite(size, folder, source))] if "sqlite" in args.dialects else []
                if args.postgres_url and "postgresql" in args.dialects:
                    databases.append(("postgresql", _postgres(size, args.postgres_url, source)))
                for dialect, database_url in databases:
                    results.append(_row(dialect, size, *asyncio.run(_measure(database_url, bodies))))
                    print(results[-1], flush=True)
        finally:
            if args.postgres_url and not args.keep:
                _drop_postgres(args.postgres_url, args.sizes)
    print(f"\n{args.matches} matches per database after {WARMUP} warm-up; needs and shown (services proposed or")
    print("excluded) are medians per match")
    print(machine.describe(load))
    print(HEADER)
    print("\n".join(results))


if __name__ == "__main__":
    main()
