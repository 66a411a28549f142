"""Search finds the right help: graded judgments over the seed region, scored with NDCG@10 on every engine."""

import math
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.helpers import app_client

CASES = yaml.safe_load((Path(__file__).parent / "relevance.yaml").read_text(encoding="utf-8"))["cases"]
MINIMUM_NDCG = 0.85


def ndcg_at_10(ranked_service_ids: list[str], grades: dict[str, int]) -> float:
    """Normalised discounted cumulative gain of the first ten distinct services (a service at two sites counts once)."""
    distinct = list(dict.fromkeys(ranked_service_ids))[:10]
    gain = sum((2 ** grades.get(s, 0) - 1) / math.log2(i + 2) for i, s in enumerate(distinct))
    ideal = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:10]))
    return gain / ideal if ideal else 1.0


def test_ndcg_counts_a_perfect_and_a_reversed_ranking() -> None:
    grades = {"a": 3, "b": 2, "c": 1}
    assert ndcg_at_10(["a", "b", "c"], grades) == 1.0
    assert 0.6 < ndcg_at_10(["c", "b", "a"], grades) < 0.8
    assert ndcg_at_10(["x", "y"], grades) == 0.0


async def _ranked(client: httpx.AsyncClient, params: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    page = 1
    while len(dict.fromkeys(ids)) < 10:
        response = await client.get("/api/v1/search", params={**params, "per_page": 20, "page": page})
        assert response.status_code == 200, (params, response.text)
        body = response.json()
        ids += [hit["service_id"] for hit in body["contents"]]
        if page >= body["total_pages"]:
            break
        page += 1
    return ids


async def test_relevance_of_the_seed_region_is_at_least_0_85(seeded_url: str) -> None:
    scores = {}
    async with app_client(seeded_url) as client:
        for case in CASES:
            ranked = await _ranked(client, case["params"])
            scores[case["name"]] = ndcg_at_10(ranked, {str(k): v for k, v in case["relevant"].items()})
    mean = sum(scores.values()) / len(scores)
    weakest = sorted(scores.items(), key=lambda item: item[1])[:8]
    report = "\n".join(f"  {score:.2f}  {name}" for name, score in weakest)
    assert mean >= MINIMUM_NDCG, f"mean NDCG@10 {mean:.3f} below {MINIMUM_NDCG}; weakest cases:\n{report}"
